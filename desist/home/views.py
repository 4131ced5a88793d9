from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from desist import policy
from desist.audit.services import audit_consultation
from desist.core import health
from desist.core.reach import reach_context, reach_from
from desist.core.roles import RoleCode
from desist.home.queues import queues_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    policy.require_perm(user, policy.Perm.HOME_VIEW)
    role = user.primary_role
    asked = request.GET.get("role") or ""
    if asked in user.role_codes:
        role = RoleCode(asked)
    specs = queues_for(role) if role else []
    # Police queues open on the officer's own work (issue 19); "my team" and "force" widen it.
    reach = reach_from(request.GET.get("view"))
    queues = [{"spec": spec, "result": spec.result(user, reach)} for spec in specs]
    other_roles = [RoleCode(c) for c in user.role_codes if c != role]
    # The queues name subjects, cases and victims: a consultation (s.62).
    by_reach = any(spec.by_reach for spec in specs)
    audit_consultation(
        actor=user,
        verb="home.view",
        new={"role": role or ""} | ({"view": reach.value} if by_reach else {}),
    )
    return render(
        request,
        "home/home.html",
        {
            "role": role,
            "role_label": role.label if role else "",
            "queues": queues,
            **(reach_context(request.GET, reach) if by_reach else {}),
            "other_roles": other_roles,
            # The system administrator is told at once when alerts stop (ADR 0025).
            "health_problems": health.problems() if role == RoleCode.SYSTEM_ADMIN else [],
        },
    )
