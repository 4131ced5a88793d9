from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "desist.safeguarding"
    label = "safeguarding"
