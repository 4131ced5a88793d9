from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "desist.orders"
    label = "orders"
    verbose_name = "Stalking Protection Orders"

    def ready(self) -> None:
        # Each registers on import: home-page queues; alert scans, recipients and the
        # break-glass finder with sharing; the subject page's orders panel with people; a
        # breach's details on its alert (sharing) and on the case timeline (cases); the
        # retention schedule's order classes; the orders for subject access; the orders
        # protecting a victim on her advocacy case page (safeguarding.perpetrator); the live
        # orders each officer is in charge of (tasks' workload page).
        from desist.orders import (  # noqa: F401
            advocacy,
            alerting,
            bridge,
            panels,
            queues,
            retention,
            sar,
            tasking,
        )
