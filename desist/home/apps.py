from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "desist.home"
    label = "home"
    verbose_name = "Home pages and work queues"

    def ready(self) -> None:
        from desist.home import builtin_queues  # noqa: F401  (registers providers)
