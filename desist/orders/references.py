"""Provider-safe parts of terms: victim references and protected-person ids, read without
loading a victim row or decrypting anything.

Kept apart from `selectors` (which reaches safeguarding for actors who may see victims) so the
provider-side bridge (`desist.orders.provider_terms`) can use it without importing anything
that holds victim identities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from desist.orders.models import WORDING_HELD_BY_POLICE, Term


def victim_reference(victim_id: int) -> str:
    return f"V{victim_id:06d}"


def term_protected_ids(term_ids: Iterable[int]) -> dict[int, list[int]]:
    """term id -> sorted ids of the people it protects, from the through table (one query)."""
    found: dict[int, list[int]] = defaultdict(list)
    through = Term.protected_persons.through
    for term_id, victim_id in (
        through.objects.filter(term_id__in=list(term_ids))
        .order_by("term_id", "victim_id")
        .values_list("term_id", "victim_id")
    ):
        found[term_id].append(victim_id)
    return dict(found)


def term_provider_text(term: Term) -> str:
    """What the provider reads for a term: the description written for them, or a plain
    statement that the wording is held by police (never the police's wording)."""
    return term.provider_description or WORDING_HELD_BY_POLICE
