from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "desist.safeguarding"
    label = "safeguarding"

    def ready(self) -> None:
        from desist.safeguarding import queues  # noqa: F401  (registers the advocacy queues)

        # Sharing asks safeguarding through registries, never by import (the victim wall).
        from desist.safeguarding.bridge import victim_identifiers_for_subject, victims_by_reference
        from desist.safeguarding.selectors import advocates_for_subject
        from desist.sharing.models import BreakGlassGrant
        from desist.sharing.recipients import register_advocate_source
        from desist.sharing.redaction import register_identifier_source
        from desist.sharing.selectors import register_record_finder

        register_identifier_source(victim_identifiers_for_subject)
        register_advocate_source(advocates_for_subject)
        register_record_finder(BreakGlassGrant.RecordType.VICTIM, victims_by_reference)
