from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Files attached to cases, orders, referrals and advocacy cases, encrypted before they
    reach storage (ADR 0032). On the domain floor just above sharing (it uses the redaction
    guard); the apps that own the records import it, it imports none of them."""

    name = "desist.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        # Registers on import: documents in subject access bundles; documents in the
        # retention schedule, each following the class of the record it is attached to.
        from desist.documents import retention, sar  # noqa: F401
