"""`check --deploy` refuses a missing, published or short audit HMAC key (issue 12)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from desist.audit import chain


@register(Tags.security, deploy=True)
def check_audit_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    problem = chain.key_problem(settings.DESIST_AUDIT_HMAC_KEY or "")
    if problem is None:
        return []
    return [
        Error(
            f"{problem}: anyone who can write the database could re-chain altered audit rows.",
            hint="Set a random secret of at least 32 characters from a secret store, never "
            "kept in the database or its backups.",
            id="desist.audit.E001",
        )
    ]
