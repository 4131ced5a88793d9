"""The provider's question about an order, answered provider-safe: "what are the terms?"

Each term is composed only of parts written or coded for the provider: its kind and category
(codes), the description the officer wrote for the provider (checked by the redaction guard when
it was saved, and again when shown, against the victims linked now: a victim added later can
make it unsafe) or "Wording held by police", the protected people as references (V000123) read
from the term's through table, and the responsible organisation's name. The court's wording and
area never leave the police side, and no victim row is loaded or decrypted here: see ADR 0013.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desist import policy
from desist.accounts.models import User
from desist.orders.models import Term
from desist.orders.references import term_protected_ids, term_provider_text, victim_reference
from desist.policy import Perm
from desist.sharing.shown import ProviderScreen


@dataclass(frozen=True)
class ProviderTerm:
    kind: str  # "Prohibition" or "Requirement"
    category: str  # "No contact", "Exclusion zone", ...
    description: str
    protected: tuple[str, ...]  # victim references, V000123
    responsible: str = ""  # organisation delivering a requirement


def order_terms_for_provider(
    *, actor: User, referral: Any, screen: ProviderScreen | None = None
) -> list[ProviderTerm]:
    """The terms of the order a referral was made under, provider-safe, in the order they were
    added. `referral` comes through the programme's door; the actor must be allowed to view it.
    Each description passes `screen` (the page's, so one identifier lookup per page)."""
    policy.require(actor, Perm.REFERRAL_VIEW, referral)
    if screen is None:
        screen = ProviderScreen(
            actor=actor, subject=referral.subject, where="sharing.order_terms_for_provider"
        )
    if not referral.order_id:
        return []
    terms = list(
        # A term the court has ended no longer binds the subject (issue 19).
        Term.objects.filter(order_id=referral.order_id, ended_on__isnull=True)
        .select_related("responsible_organisation")
        .only(
            "pk",
            "kind",
            "category",
            "provider_description",
            "responsible_organisation__name",
        )
        .order_by("id")
    )
    protected = term_protected_ids(t.pk for t in terms)
    return [
        ProviderTerm(
            kind=t.get_kind_display(),
            category=t.get_category_display(),
            description=screen.show(term_provider_text(t), field=f"term {t.pk}"),
            protected=tuple(victim_reference(v) for v in protected.get(t.pk, [])),
            responsible=t.responsible_organisation.name if t.responsible_organisation else "",
        )
        for t in terms
    ]
