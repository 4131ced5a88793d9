"""The cases section of the subject page, registered with people.panels (ADR 0018) by
CasesConfig.ready(): people shows it without importing cases."""

from __future__ import annotations

from typing import Any

from desist import policy
from desist.accounts.models import User
from desist.cases.models import Case
from desist.people.panels import Panel, register_panel
from desist.policy import Perm


def subject_cases_panel(*, actor: User, subject: Any) -> Panel:
    """The subject's cases the actor may see, latest opened first."""
    rows = list(
        # One subject's cases, so those transferred away from the actor's force show as history.
        policy.scope_cases(actor, Case.objects.filter(subject=subject), history=True).order_by(
            "-opened_on", "-id"
        )
    )
    return Panel(
        key="cases",
        template="cases/includes/subject_panel.html",
        rows=rows,
        # Only on the owning force's subject: a transferred subject's history is read-only.
        extra={
            "can_add": policy.has_perm(actor, Perm.CASE_EDIT)
            and policy.can(actor, Perm.SUBJECT_EDIT, subject)
        },
    )


register_panel("cases", subject_cases_panel, order=10)
