"""Account administration routes (issue 16), part of the accounts namespace."""

from django.urls import path

from desist.accounts import admin_views as v
from desist.accounts import api_key_views, sso_admin_views

urlpatterns = [
    path("manage/invite/", v.invite, name="invite"),
    path("manage/import/", v.import_csv, name="import"),
    path("manage/export.csv", v.export_csv, name="export"),
    path("manage/reviews/", v.reviews_due, name="reviews"),
    path("manage/<int:user_id>/change/", v.move, name="move"),
    path("manage/<int:user_id>/invite-again/", v.resend, name="resend"),
    path("manage/<int:user_id>/review/", v.review, name="review"),
    path("invite/<str:token>/", v.invite_accept, name="invite_accept"),
    path("organisations/", v.organisations_list, name="organisations"),
    path("organisations/new/", v.organisation_new, name="organisation_new"),
    path("organisations/<int:organisation_id>/", v.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:organisation_id>/single-sign-on/",
        sso_admin_views.sso_settings,
        name="sso_settings",
    ),
    path("api-keys/", api_key_views.api_key_list, name="api_keys"),
    path("api-keys/new/", api_key_views.api_key_new, name="api_key_new"),
    path("api-keys/<int:key_id>/revoke/", api_key_views.api_key_revoke, name="api_key_revoke"),
    path("partnerships/new/", v.partnership_new, name="partnership_new"),
    path("partnerships/<int:partnership_id>/", v.partnership_edit, name="partnership_edit"),
]
