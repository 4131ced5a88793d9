"""Terms of an order: prohibitions and positive requirements, each naming its protected people.

The court's wording stays with the police. The provider is shown only the category, the
protected people's references and a description written for them, which passes the redaction
guard before anything is saved (ADR 0013)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.orders.actions.common import clean_text, one_line
from desist.orders.availability import ADD_TERM
from desist.orders.models import Order, Term
from desist.policy import Perm
from desist.safeguarding.models import Victim
from desist.sharing.redaction import RedactionBlocked, guard_text

if TYPE_CHECKING:
    from desist.accounts.models import User


def protectable_victims(order: Order) -> QuerySet[Victim]:
    """Victims who may be named as protected persons: victims of the subject's cases."""
    return Victim.objects.filter(
        force_id=order.force_id, cases__subject_id=order.subject_id
    ).distinct()


def _guard_provider_text(order: Order, errors: Errors, *, actor: User, **fields: str) -> None:
    """The redaction guard on text written for the provider: a kind-neutral message, and the
    attempt audited in its own transaction (so it runs before the write's)."""
    try:
        guard_text(actor=actor, subject=order.subject, fields=fields, where="orders.term")
    except RedactionBlocked as blocked:
        for name, messages in blocked.errors.items():
            for message in messages:
                errors.add(name, message)


def _check_texts(errors: Errors, actor: User, order: Order, **texts: str) -> dict[str, str]:
    provider_description = clean_text(texts["provider_description"])
    if not provider_description:
        errors.add("provider_description", "Enter a description of the term for the provider")
    elif len(provider_description) > 1000:
        errors.add(
            "provider_description",
            "The description for the provider must be 1000 characters or fewer",
        )
    else:
        _guard_provider_text(order, errors, actor=actor, provider_description=provider_description)
    wording = clean_text(texts["wording"])
    if not wording:
        errors.add("wording", "Enter the wording of the term")
    elif len(wording) > 4000:
        errors.add("wording", "The wording must be 4000 characters or fewer")
    area = one_line(texts["area"])
    if len(area) > 300:
        errors.add("area", "The area must be 300 characters or fewer")
    return {"provider_description": provider_description, "wording": wording, "area": area}


def _check_protected(
    errors: Errors, order: Order, protected_persons: Iterable[Victim | int]
) -> list[int]:
    ids = sorted({p.pk if isinstance(p, Victim) else int(p) for p in protected_persons})
    allowed = set(protectable_victims(order).filter(pk__in=ids).values_list("pk", flat=True))
    if not ids:
        errors.add("protected_persons", "Select the people this term protects")
    elif set(ids) - allowed:
        errors.add(
            "protected_persons",
            "Select protected people from the victims of this subject's cases",
        )
    return ids


def _check_responsible(errors: Errors, kind: str, responsible: Organisation | None) -> None:
    if kind == Term.Kind.REQUIREMENT and responsible is None:
        errors.add(
            "responsible_organisation", "Select the organisation responsible for the requirement"
        )
    if kind == Term.Kind.PROHIBITION and responsible is not None:
        errors.add(
            "responsible_organisation",
            "Only a requirement has a responsible organisation: leave this empty for a prohibition",
        )


def _check_term(
    *,
    actor: User,
    order: Order,
    kind: str,
    category: str,
    wording: str,
    provider_description: str,
    protected_persons: Iterable[Victim | int],
    area: str = "",
    responsible_organisation: Organisation | None = None,
) -> dict[str, Any]:
    """All of the validation, before the transaction: the redaction guard audits a refusal in
    its own durable transaction. Returns the cleaned values."""
    ADD_TERM.require(actor, order)
    errors = Errors()
    if kind not in Term.Kind.values:
        errors.add("kind", "Select whether the term is a prohibition or a requirement")
    if category not in Term.Category.values:
        errors.add("category", "Select what the term is about")
    texts = _check_texts(
        errors, actor, order, provider_description=provider_description, wording=wording, area=area
    )
    ids = _check_protected(errors, order, protected_persons)
    _check_responsible(errors, kind, responsible_organisation)
    errors.raise_if_any()
    return {**texts, "protected_persons": ids}


@command(Perm.ORDER_EDIT, on="order", check=_check_term)
def order_add_term(
    *,
    actor: User,
    order: Order,
    kind: str,
    category: str,
    wording: str,
    provider_description: str,
    protected_persons: Iterable[Victim | int],
    area: str = "",
    responsible_organisation: Organisation | None = None,
) -> Term:
    """Add a prohibition or requirement. Each term names its protected people, who must be
    victims of the subject's cases; a requirement names the organisation responsible.

    The court's wording stays with the police. The intervention provider is shown only the
    category, the protected people's references and `provider_description`, which must pass
    the redaction guard for the subject's victims before anything is saved."""
    ids = sorted(p.pk if isinstance(p, Victim) else int(p) for p in protected_persons)
    term = Term.objects.create(
        order=order,
        kind=kind,
        category=category,
        wording=wording,
        provider_description=provider_description,
        area=area,
        responsible_organisation=responsible_organisation,
        created_by=actor,
    )
    term.protected_persons.set(ids)
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="order.term_add",
        obj=order,
        new={
            "term_id": term.pk,
            "kind": kind,
            "category": category,
            "protected_person_ids": ids,
            "responsible_organisation": (
                responsible_organisation.pk if responsible_organisation else None
            ),
            "area_given": bool(area),
        },
    )
    return term
