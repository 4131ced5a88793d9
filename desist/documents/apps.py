from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Files attached to cases, orders, referrals and advocacy cases, encrypted before they
    reach storage (ADR 0032). On the domain floor just above sharing (it uses the redaction
    guard); the apps that own the records import it, it imports none of them."""

    name = "desist.documents"
    label = "documents"
    verbose_name = "Documents"
