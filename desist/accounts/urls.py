from django.urls import path

from desist.accounts import admin_urls, recovery_views, sso_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("password-reset/", recovery_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        recovery_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        recovery_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        recovery_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("sso/", sso_views.sso_choose, name="sso_choose"),
    path("sso/<slug:code>/", sso_views.sso_start, name="sso_start"),
    path("sso/<slug:code>/callback/", sso_views.sso_callback, name="sso_callback"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/", views.two_factor_manage, name="two_factor_manage"),
    path("two-factor/confirm-password/", views.confirm_password, name="confirm_password"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/<int:user_id>/", views.manage_detail, name="manage_detail"),
    path(
        "manage/<int:user_id>/two-factor-reset/",
        views.manage_two_factor_reset,
        name="manage_two_factor_reset",
    ),
    *admin_urls.urlpatterns,  # account and organisation administration (issue 16)
]
