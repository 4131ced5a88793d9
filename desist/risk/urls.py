from django.urls import path  # noqa: F401

from desist.risk import views  # noqa: F401

app_name = "risk"

urlpatterns: list = []
