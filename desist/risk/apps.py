from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "desist.risk"
    label = "risk"
