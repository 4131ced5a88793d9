from django.apps import AppConfig


class TransfersConfig(AppConfig):
    """A subject's file moving to another police force (issue 19): proposed by the owning
    force's supervisor, accepted or declined by the receiving force's. Above the domain apps it
    moves records of (people, cases, orders, safeguarding, tasks, documents), below `jobs`."""

    name = "desist.transfers"
    label = "transfers"
    verbose_name = "Transfers between forces"

    def ready(self) -> None:
        from desist import policy

        # queues registers the receiving supervisor's home-page queue.
        from desist.transfers import history, queues  # noqa: F401

        policy.register_history_source(history.SOURCE)
