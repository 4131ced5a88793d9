from django.contrib.auth import views as auth_views
from django.urls import path

from desist.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
]
