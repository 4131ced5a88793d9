from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "desist.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from desist.core import checks  # noqa: F401 (registers the deploy checks)
        from desist.core.character_count import install

        install()
