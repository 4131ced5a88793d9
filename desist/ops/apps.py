from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Desist in production: the deploy checks for production settings, structured
    request logs, Prometheus metrics and the audit forwarder. The top floor: it reads other
    apps' tables for metrics and none imports it (settings name its middleware by string)."""

    name = "desist.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from desist.ops import checks

        del checks  # imported to register the deploy checks
