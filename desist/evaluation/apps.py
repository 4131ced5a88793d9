from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "desist.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation and oversight"

    def ready(self) -> None:
        from desist.evaluation import sar  # noqa: F401  (offences for subject access)
