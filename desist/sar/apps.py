from django.apps import AppConfig


class SarConfig(AppConfig):
    """Subject access requests (ADR 0031): a registry each domain app fills from its `sar.py`,
    the request log, and the bundle (JSON and PDF). On the platform floor: domain apps import
    it to register; it imports none of them."""

    name = "desist.sar"
    label = "sar"
    verbose_name = "Subject access"
