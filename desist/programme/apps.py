from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "desist.programme"
    label = "programme"
    verbose_name = "Intervention programme"

    def ready(self) -> None:
        from desist.programme import queues  # noqa: F401  (registers queue providers)
