from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "desist.safeguarding"
    label = "safeguarding"

    def ready(self) -> None:
        from desist.safeguarding import queues  # noqa: F401  (registers the advocacy queues)
