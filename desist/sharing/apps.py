from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "desist.sharing"
    label = "sharing"
    verbose_name = "Alerts, disclosures and break-glass access"

    def ready(self) -> None:
        from desist import policy
        from desist.sharing import grants, queues  # noqa: F401  (queues registers the home-page queues)

        policy.register_grant_source(grants.SOURCE)
