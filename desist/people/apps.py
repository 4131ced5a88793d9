from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "desist.people"
    label = "people"

    def ready(self) -> None:
        from desist.people import (
            bridge,  # noqa: F401  (registers the break-glass finder)
            queues,  # noqa: F401  (registers the home-page queue)
            retention,  # noqa: F401  (how a subject is anonymised)
            sar,  # noqa: F401  (the subject's details for subject access)
        )
