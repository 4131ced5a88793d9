from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "desist.demo"
    label = "demo"
    verbose_name = "Synthetic demo data"
