"""The break-glass banner: on a record opened with a live grant, say so on every view of it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from desist.sharing import selectors, services


def break_glass(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    grants = selectors.live_grants_of(actor=user) if user is not None else []
    for grant in grants:
        url = services.record_url(grant.record_type, grant.record_id)
        if url and request.path.startswith(url):
            return {"break_glass_banner": grant}
    return {}
