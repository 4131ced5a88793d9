from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "desist.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from desist.audit import checks  # noqa: F401 (registers the deploy check)
