"""What safeguarding answers to the sharing bridge (and to the case page), registered when
SafeguardingConfig.ready() imports this module (ADR 0018): sharing asks through its registries
and never imports safeguarding, so the provider side, which imports sharing, cannot reach
victims' models through it (the import contract in .importlinter). Cases, below safeguarding,
asks the same way for the victims its page shows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from desist.cases.selectors import register_victims_of_case
from desist.safeguarding.models import Victim
from desist.safeguarding.selectors import (
    advocates_for_subject,
    victim_identifier_pairs,
    victims_for_case,
)
from desist.sharing import port


def victim_identifiers_for_subject(*, subject: Any) -> list[tuple[str, str]]:
    """(kind, value) pairs for every victim linked to the subject through a case: the
    redaction guard's word list. Decrypted here, inside safeguarding, and never returned to
    anyone but the guard, which returns only yes or no."""
    return victim_identifier_pairs(Victim.objects.filter(cases__subject=subject).distinct())


def victims_by_reference(reference: str) -> QuerySet[Victim]:
    """The victim a break-glass request names by V-number ("V000123" or "123")."""
    digits = reference.strip().upper().removeprefix("V")
    if not digits.isdigit():
        return Victim.objects.none()
    return Victim.objects.filter(pk=int(digits))


# Registered once, by SafeguardingConfig.ready() importing this module (ADR 0018).
port.register_identifier_source(victim_identifiers_for_subject)
port.register_advocate_source(advocates_for_subject)
port.register_record_finder(port.BreakGlassRecord.VICTIM, victims_by_reference)
# And with cases: the victims a case page shows (to those who may see identities).
register_victims_of_case(victims_for_case)
