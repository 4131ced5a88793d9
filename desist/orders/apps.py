from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "desist.orders"
    label = "orders"
    verbose_name = "Stalking Protection Orders"

    def ready(self) -> None:
        from desist.orders import queues  # noqa: F401  (registers the home-page queues)
