from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "desist.programme"
    label = "programme"
    verbose_name = "Intervention programme"

    def ready(self) -> None:
        # Each registers on import: queue providers; the attendance scan and the
        # practitioners to alert with sharing; the intervention's outcome and the police
        # summary on the order page; the clinical record's retention class; subject access.
        from desist.programme import alerting, bridge, queues, retention, sar  # noqa: F401
