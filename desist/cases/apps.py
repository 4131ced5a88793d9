from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "desist.cases"
    label = "cases"

    def ready(self) -> None:
        from desist.cases import bridge, panels, retention, sar, tasking  # noqa: F401  (register with sharing, people, retention, sar, tasks)
