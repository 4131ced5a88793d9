from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "desist.sharing"
    label = "sharing"
    verbose_name = "Alerts, disclosures and break-glass access"

    def ready(self) -> None:
        from desist import policy

        # queues registers the home-page queues; retention, the retention classes.
        from desist.sharing import grants, queues, retention  # noqa: F401

        policy.register_grant_source(grants.SOURCE)
