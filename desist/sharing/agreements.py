"""Which information-sharing agreement covers a disclosure: one rule, used by the disclosure
log (`services.agreement_for`) and by the data migration that corrected old rows
(sharing/0004). Pure: it takes the partnerships as (name, member organisation ids) pairs.

The agreement is that of the partnership holding both organisations and the force of the
subject the disclosure is about. Where no partnership holds the force, one holding both
organisations will do, if it is the only one. Never the first by name: an organisation in two
partnerships (one advocacy service for two forces) would otherwise disclose under whichever
partnership sorts first.
"""

from __future__ import annotations

from collections.abc import Iterable

NO_AGREEMENT = "No shared partnership agreement recorded"
AMBIGUOUS_AGREEMENT = "Not determined: more than one partnership agreement applies"
SUFFIX = " information-sharing agreement"


def choose_agreement(
    partnerships: Iterable[tuple[str, set[int]]],
    *,
    from_id: int,
    to_id: int,
    force_id: int | None,
) -> str:
    both = [(name, members) for name, members in partnerships if {from_id, to_id} <= members]
    tiers = [[n for n, m in both if force_id in m]] if force_id is not None else []
    tiers.append([n for n, _ in both])
    for names in tiers:
        unique = set(names)
        if len(unique) == 1:
            return f"{unique.pop()}{SUFFIX}"
        if len(unique) > 1:
            return AMBIGUOUS_AGREEMENT
    return NO_AGREEMENT


def is_determined(agreement: str) -> bool:
    return agreement not in (NO_AGREEMENT, AMBIGUOUS_AGREEMENT)
