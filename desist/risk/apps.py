from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RiskConfig(AppConfig):
    name = "desist.risk"
    label = "risk"
    verbose_name = "Risk assessment"

    def ready(self) -> None:
        from desist.risk import (
            queues,  # noqa: F401  (registers the risk reviews queue)
            retention,  # noqa: F401  (registers its retention classes)
            sar,  # noqa: F401  (assessments for subject access)
            services,
        )

        post_migrate.connect(services.instruments_sync_after_migrate, sender=self)
