from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The background jobs (alerts, e-mail, dashboards, evaluation runs) on Django's tasks API:
    the top floor, so it may import any app and none imports it (ADR 0018, ADR 0025). Its
    commands are `desist worker`, `desist scheduler` and `desist alerts_run`."""

    name = "desist.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from desist.core import health
        from desist.evaluation import reporting
        from desist.jobs import health as jobs_health
        from desist.jobs import tasks

        reporting.register_launcher(tasks.launch_evaluation)
        health.register("alerts", jobs_health.alerts_problem)
