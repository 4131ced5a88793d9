"""The break-glass banner: on a record opened with a live grant, say so on every page of it,
and record each such page as a use of the grant (the owning force's auditors see it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from desist.accounts.models import User
from desist.sharing import break_glass as bg
from desist.sharing import selectors


def break_glass(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):  # anonymous, or no auth middleware: no grant to show
        return {}
    grants = selectors.live_grants_of(actor=user)
    for grant in grants:
        url = bg.record_url(grant.record_type, grant.record_id)
        if url and request.path.startswith(url):
            if request.method == "GET":
                bg.break_glass_record_use(actor=user, grant=grant, path=request.path)
            return {"break_glass_banner": grant}
    return {}
