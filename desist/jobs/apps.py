from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The background passes (alerts, e-mail, dashboards): the top floor, so it may import any
    app and none imports it (ADR 0018). Its command is `desist alerts_run`."""

    name = "desist.jobs"
    label = "jobs"
    verbose_name = "Background passes"
