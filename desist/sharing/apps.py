from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "desist.sharing"
    label = "sharing"
    verbose_name = "Alerts, disclosures and break-glass access"

    def ready(self) -> None:
        from desist import policy

        # queues registers the home-page queues; retention, the retention classes; sar, what
        # subject access collects and the victim redactor.
        from desist.sharing import grants, queues, retention, sar  # noqa: F401

        policy.register_grant_source(grants.SOURCE)
