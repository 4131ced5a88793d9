from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "desist.safeguarding"
    label = "safeguarding"

    def ready(self) -> None:
        from desist.safeguarding import queues  # noqa: F401  (registers the advocacy queues)
        from desist.safeguarding.bridge import victim_identifiers_for_subject
        from desist.sharing.redaction import register_identifier_source

        register_identifier_source(victim_identifiers_for_subject)
