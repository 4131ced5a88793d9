"""Terms of an order: prohibitions and positive requirements, each naming its protected people.

The court's wording stays with the police. The provider is shown only the category, the
protected people's references and a description written for them, which passes the redaction
guard before anything is saved (ADR 0013)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.orders import law
from desist.orders.actions.common import ALL, check_date, clean_text, one_line, save_order
from desist.orders.availability import ADD_TERM
from desist.orders.derived import fmt, in_force_from
from desist.orders.models import LIVE_STATUSES, Order, Term, TermChange
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
    TermChange.objects.create(
        term=term,
        kind=TermChange.Kind.ADDED,
        new_wording=wording,
        new_provider_description=provider_description,
        new_area=area,
        changed_by=actor,
    )
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


# --- changes to a term (issue 19): varied or ended by the court, corrected by a supervisor ----


def _term_order(kwargs: Mapping[str, Any]) -> Order:
    term: Term = kwargs["term"]
    return term.order


def _check_open(errors: Errors, term: Term) -> None:
    if term.order.status not in LIVE_STATUSES:
        errors.add(ALL, "Only the terms of an interim or full order in force can be changed")
    elif term.ended_on is not None:
        errors.add(ALL, f"This term ended on {fmt(term.ended_on)}: it cannot be changed")


def _check_decided_on(errors: Errors, term: Term, decided_on: dt.date | None) -> None:
    """The court's decision: not in the future, and not before the order had effect (s.7)."""
    if not check_date(errors, "decided_on", decided_on, what="the date of the court's decision"):
        return
    assert decided_on is not None
    start = in_force_from(term.order)
    if start is not None and not law.decision_date_valid(start, decided_on):
        errors.add(
            "decided_on",
            "The date of the court's decision must be the same as or after the date the "
            f"order was made ({fmt(start)})",
        )


def _check_new_wording(
    actor: User,
    term: Term,
    errors: Errors,
    *,
    wording: str,
    provider_description: str,
    area: str,
) -> dict[str, str]:
    texts = _check_texts(
        errors,
        actor,
        term.order,
        provider_description=provider_description,
        wording=wording,
        area=area,
    )
    unchanged = (term.wording, term.provider_description, term.area) == (
        texts["wording"],
        texts["provider_description"],
        texts["area"],
    )
    if unchanged:
        errors.add(ALL, "Change the wording, the description for the provider or the area")
    return texts


def _check_vary(
    *,
    actor: User,
    term: Term,
    wording: str,
    provider_description: str,
    decided_on: dt.date | None,
    area: str = "",
    **_: Any,
) -> dict[str, Any]:
    """A variation of a term: the new wording (the provider's passes the redaction guard
    again, before the transaction) and the date of the court's decision."""
    errors = Errors()
    _check_open(errors, term)
    _check_decided_on(errors, term, decided_on)
    texts = _check_new_wording(
        actor, term, errors, wording=wording, provider_description=provider_description, area=area
    )
    errors.raise_if_any()
    return texts


def _record_change(
    actor: User, term: Term, *, version: int, kind: str, reason: str, **fields: Any
) -> TermChange:
    """Write the term's new values (optimistic locking) and keep the change as history."""
    old = {name: getattr(term, name) for name in ("wording", "provider_description", "area")}
    changes = {k: v for k, v in fields.items() if k in old or k == "ended_on"}
    save_order(term, version=version, changes=changes)
    return TermChange.objects.create(
        term=term,
        kind=kind,
        decided_on=fields.get("decided_on"),
        old_wording=old["wording"],
        new_wording=term.wording,
        old_provider_description=old["provider_description"],
        new_provider_description=term.provider_description,
        old_area=old["area"],
        new_area=term.area,
        reason=reason,
        changed_by=actor,
    )


def _audit_change(actor: User, term: Term, change: TermChange, *, verb: str, version: int) -> None:
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb=verb,
        obj=term.order,
        old={"term_id": term.pk, "version": version},
        new={
            "term_id": term.pk,
            "version": term.version,
            "change_id": change.pk,
            "kind": change.kind,
            "decided_on": change.decided_on,
            "wording_changed": change.old_wording != change.new_wording,
            "provider_description_changed": (
                change.old_provider_description != change.new_provider_description
            ),
            "area_changed": change.old_area != change.new_area,
            "reason_given": bool(change.reason),
        },
    )


@command(Perm.ORDER_EDIT, on=_term_order, check=_check_vary)
def order_vary_term(
    *,
    actor: User,
    term: Term,
    version: int,
    wording: str,
    provider_description: str,
    decided_on: dt.date | None,
    area: str = "",
    reason: str = "",
) -> TermChange:
    """The court varied a term's wording (s.7): a variation, dated by the court's decision.
    The description for the provider is written again and passes the redaction guard, so an
    amended term never carries a victim's address to the provider."""
    change = _record_change(
        actor,
        term,
        version=version,
        kind=TermChange.Kind.VARIED,
        reason=clean_text(reason),
        wording=wording,
        provider_description=provider_description,
        area=area,
        decided_on=decided_on,
    )
    _audit_change(actor, term, change, verb="order.term_vary", version=version)
    return change


def _check_end(
    *, term: Term, decided_on: dt.date | None, reason: str = "", **_: Any
) -> dict[str, Any]:
    errors = Errors()
    _check_open(errors, term)
    _check_decided_on(errors, term, decided_on)
    if not clean_text(reason):
        errors.add("reason", "Enter what the court decided")
    errors.raise_if_any()
    return {"reason": clean_text(reason)}


@command(Perm.ORDER_EDIT, on=_term_order, check=_check_end)
def order_end_term(
    *, actor: User, term: Term, version: int, decided_on: dt.date | None, reason: str
) -> TermChange:
    """The court ended one term on a variation (s.7); the order and its other terms go on.
    The term stays on the order page, marked ended, with its history."""
    change = _record_change(
        actor,
        term,
        version=version,
        kind=TermChange.Kind.ENDED,
        reason=reason,
        ended_on=decided_on,
        decided_on=decided_on,
    )
    _audit_change(actor, term, change, verb="order.term_end", version=version)
    return change


def _check_correct(
    *,
    actor: User,
    term: Term,
    wording: str,
    provider_description: str,
    reason: str,
    area: str = "",
    **_: Any,
) -> dict[str, Any]:
    errors = Errors()
    if not clean_text(reason):
        errors.add("reason", "Enter the reason for the correction")
    elif len(clean_text(reason)) > 2000:
        errors.add("reason", "The reason must be 2000 characters or fewer")
    texts = _check_new_wording(
        actor, term, errors, wording=wording, provider_description=provider_description, area=area
    )
    errors.raise_if_any()
    return {**texts, "reason": clean_text(reason)}


@command(Perm.ORDER_CORRECT, on=_term_order, check=_check_correct)
def order_correct_term(
    *,
    actor: User,
    term: Term,
    version: int,
    wording: str,
    provider_description: str,
    reason: str,
    area: str = "",
) -> TermChange:
    """A police supervisor puts right a term keyed wrongly (not a variation: the court
    changed nothing), with the reason. The provider's description passes the redaction guard
    again."""
    change = _record_change(
        actor,
        term,
        version=version,
        kind=TermChange.Kind.CORRECTED,
        reason=reason,
        wording=wording,
        provider_description=provider_description,
        area=area,
    )
    _audit_change(actor, term, change, verb="order.term_correct", version=version)
    return change
