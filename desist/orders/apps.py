from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "desist.orders"
    label = "orders"
