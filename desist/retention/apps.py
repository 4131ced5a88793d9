from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """The retention schedule (a registry each domain app fills from its `retention.py`), the
    review queue and disposal (ADR 0028). On the platform floor: domain apps import it to
    register; it imports none of them."""

    name = "desist.retention"
    label = "retention"
    verbose_name = "Retention and disposal"

    def ready(self) -> None:
        from desist.retention import audit_class  # noqa: F401  (the audit log's own class)
