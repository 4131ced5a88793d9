from django.urls import path  # noqa: F401

from desist.orders import views  # noqa: F401

app_name = "orders"

urlpatterns: list = []
