from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "desist.sharing"
    label = "sharing"
    verbose_name = "Alerts, disclosures and break-glass access"

    def ready(self) -> None:
        from desist.sharing import queues  # noqa: F401  (registers the home-page queues)
