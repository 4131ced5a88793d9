from django.urls import path

from desist.sharing import outbox_views, views

app_name = "sharing"

urlpatterns = [
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("disclosures/", views.disclosure_list, name="disclosures"),
    path("emails/failing/", outbox_views.email_failures, name="email_failures"),
    path("disclosures/export.csv", views.disclosure_export, name="disclosures_export"),
    path("break-glass/", views.break_glass_list, name="break_glass"),
    path("break-glass/new/", views.break_glass_request, name="break_glass_request"),
    path("break-glass/approvals/", views.break_glass_approvals, name="break_glass_approvals"),
    path(
        "break-glass/approvals/<int:grant_id>/",
        views.break_glass_decide,
        name="break_glass_decide",
    ),
    path("break-glass/reviews/", views.break_glass_review_list, name="break_glass_reviews"),
    path(
        "break-glass/reviews/<int:grant_id>/", views.break_glass_review, name="break_glass_review"
    ),
]
