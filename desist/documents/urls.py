from django.urls import path

from desist.documents import views

app_name = "documents"

urlpatterns = [
    path("attach/<str:kind>/<int:record_id>/", views.upload, name="upload"),
    path("<int:document_id>/download/", views.download, name="download"),
    path("<int:document_id>/provider-safe/", views.provider_safe, name="provider_safe"),
    path(
        "<int:document_id>/provider-safe/withdraw/",
        views.provider_safe_withdraw,
        name="provider_safe_withdraw",
    ),
]
