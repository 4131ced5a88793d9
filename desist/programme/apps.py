from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "desist.programme"
    label = "programme"
    verbose_name = "Intervention programme"

    def ready(self) -> None:
        # Each registers on import: queue providers; the attendance scan and the
        # practitioners to alert with sharing; the intervention's outcome and the police
        # summary on the order page; the clinical record's retention class; subject access;
        # the referral's stage on the advocacy case page (safeguarding.perpetrator).
        from desist.programme import advocacy, alerting, bridge, queues, retention, sar  # noqa: F401
