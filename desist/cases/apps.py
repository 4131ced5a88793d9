from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "desist.cases"
    label = "cases"
