from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "desist.programme"
    label = "programme"
    verbose_name = "Intervention programme"
