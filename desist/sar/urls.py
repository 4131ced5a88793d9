from django.urls import path

from desist.sar import views

app_name = "sar"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:request_id>/", views.request_detail, name="detail"),
    path("<int:request_id>/run/", views.request_run, name="run"),
    path("<int:request_id>/release/", views.request_release, name="release"),
    path("<int:request_id>/bundle.json", views.bundle_json, name="bundle_json"),
    path("<int:request_id>/bundle.pdf", views.bundle_pdf, name="bundle_pdf"),
]
