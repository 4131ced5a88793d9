from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "desist.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation and oversight"
