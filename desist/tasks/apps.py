from django.apps import AppConfig


class TasksConfig(AppConfig):
    """Police tasks on cases and orders (issue 19): by hand and by rules. On the domain floor
    just below people: the apps that own the records import it, it imports none of them (they
    are named by string), and the order rules that raise tasks live in orders."""

    name = "desist.tasks"
    label = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        # A leaver's open tasks go to their line manager (accounts.leavers).
        from desist.tasks import leavers  # noqa: F401
