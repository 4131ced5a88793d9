from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "desist.safeguarding"
    label = "safeguarding"

    def ready(self) -> None:
        # Sharing asks safeguarding through registries, never by import (the victim wall).
        from desist.safeguarding import (
            bridge,  # noqa: F401  (registers with sharing)
            escalation,  # noqa: F401  (the first-contact-overdue scan)
            queues,  # noqa: F401  (registers the advocacy queues)
            retention,  # noqa: F401  (advocacy classes and the victim's anonymisation)
            sar,  # noqa: F401  (the victim's own records for subject access)
        )
