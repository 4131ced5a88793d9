from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Outbound events (webhooks, issue 17, ADR 0035): subscriptions per organisation, the
    outbox written with each change, and its delivery by the job queue. On the floor of
    evaluation and navigation: it reads orders and programme; only jobs imports it."""

    name = "desist.events"
    label = "events"
    verbose_name = "Outbound events"

    def ready(self) -> None:
        from desist.audit import services as audit
        from desist.events import outbox
        from desist.sharing import port

        audit.register_listener(outbox.on_audit)
        port.register_listener(outbox.on_publish)
