"""Create, edit and retire organisations and partnerships (system administrators only).

Retiring keeps every record: the organisation stays, with its people, cases and audit rows; its
people simply hold no permission from then on (policy) and every open session of theirs ends
in the same transaction, so they are signed out on their next request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.text import slugify

from desist import policy
from desist.accounts import services
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.core.models import Organisation, OrganisationKind, Partnership

P = policy.Perm


def _reason(errors: Errors, reason: str) -> str:
    if not reason.strip():
        errors.add("reason", "Enter a reason for this change")
    return reason.strip()


def _name_and_code(
    errors: Errors, model: type[Organisation] | type[Partnership], name: str, exclude: int | None
) -> tuple[str, str]:
    name = " ".join(name.split())
    noun = "an organisation" if model is Organisation else "a partnership"
    if not name:
        errors.add("name", f"Enter the name of {noun}")
        return name, ""
    if len(name) > 200:
        errors.add("name", "Name must be 200 characters or fewer")
    code = slugify(name)[:50] or "organisation"
    taken = model.objects.filter(name__iexact=name).exclude(pk=exclude or 0)
    if taken.exists():
        errors.add("name", f"There is already {noun} called {name}")
    return name, code


def _unique_code(model: type[Organisation] | type[Partnership], code: str) -> str:
    candidate, n = code, 1
    while model.objects.filter(code=candidate).exists():
        n += 1
        candidate = f"{code[:45]}-{n}"
    return candidate


def _check_version(record: Organisation | Partnership, version: int) -> None:
    if record.version != version:
        raise StaleRecordError(StaleRecordError.message)


@command(P.ORGANISATIONS_MANAGE)
def organisation_create(*, actor: User, name: str, kind: str, reason: str) -> Organisation:
    errors = Errors()
    name, code = _name_and_code(errors, Organisation, name, None)
    if kind not in OrganisationKind.values:
        errors.add("kind", "Select the kind of organisation")
    reason = _reason(errors, reason)
    errors.raise_if_any()
    org = Organisation.objects.create(code=_unique_code(Organisation, code), name=name, kind=kind)
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="organisation.create",
        obj=org,
        justification=reason,
        new={"code": org.code, "name": name, "kind": kind},
    )
    return org


@command(P.ORGANISATIONS_MANAGE, on="organisation")
def organisation_edit(
    *, actor: User, organisation: Organisation, name: str, version: int, reason: str
) -> Organisation:
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _check_version(locked, version)
    errors = Errors()
    name, _ = _name_and_code(errors, Organisation, name, locked.pk)
    reason = _reason(errors, reason)
    errors.raise_if_any()
    old = {"name": locked.name}
    locked.name = name
    locked.version += 1
    locked.save(update_fields=["name", "version"])
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="organisation.edit",
        obj=locked,
        justification=reason,
        old=old,
        new={"name": name},
    )
    return locked


def _end_sessions_of(users: Iterable[int]) -> int:
    return sum(services.end_sessions(u) for u in User.objects.filter(pk__in=list(users)))


@command(P.ORGANISATIONS_MANAGE, on="organisation")
def organisation_retire(
    *, actor: User, organisation: Organisation, version: int, reason: str
) -> Organisation:
    """Retire an organisation: its people lose access at once; nothing is deleted."""
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _check_version(locked, version)
    errors = Errors()
    reason = _reason(errors, reason)
    if locked.retired_at is not None:
        errors.add("reason", f"{locked.name} is already retired")
    if locked.pk == actor.organisation_id:
        errors.add("reason", "You cannot retire your own organisation")
    errors.raise_if_any()
    locked.retired_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["retired_at", "version"])
    people = list(User.objects.filter(organisation=locked).values_list("pk", flat=True))
    ended = _end_sessions_of(people)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="organisation.retire",
        obj=locked,
        justification=reason,
        old={"retired_at": None},
        new={"retired_at": locked.retired_at, "accounts": len(people), "sessions_ended": ended},
    )
    return locked


def _members(errors: Errors, organisations: Iterable[Organisation]) -> list[Organisation]:
    members = list(organisations)
    if len(members) < 2:
        errors.add("organisations", "Select at least two organisations")
    if any(o.retired_at is not None for o in members):
        errors.add("organisations", "A retired organisation cannot join a partnership")
    return members


@command(P.ORGANISATIONS_MANAGE)
def partnership_create(
    *, actor: User, name: str, organisations: Iterable[Organisation], reason: str
) -> Partnership:
    errors = Errors()
    name, code = _name_and_code(errors, Partnership, name, None)
    members = _members(errors, organisations)
    reason = _reason(errors, reason)
    errors.raise_if_any()
    partnership = Partnership.objects.create(code=_unique_code(Partnership, code), name=name)
    partnership.organisations.set(members)
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="partnership.create",
        obj=partnership,
        justification=reason,
        new={"name": name, "organisations": sorted(o.code for o in members)},
    )
    return partnership


@command(P.ORGANISATIONS_MANAGE, on="partnership")
def partnership_edit(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    organisations: Iterable[Organisation],
    version: int,
    reason: str,
) -> Partnership:
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _check_version(locked, version)
    errors = Errors()
    name, _ = _name_and_code(errors, Partnership, name, locked.pk)
    members = _members(errors, organisations)
    reason = _reason(errors, reason)
    errors.raise_if_any()
    old = {"name": locked.name, "organisations": sorted(o.code for o in locked.organisations.all())}
    locked.name = name
    locked.version += 1
    locked.save(update_fields=["name", "version"])
    locked.organisations.set(members)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="partnership.edit",
        obj=locked,
        justification=reason,
        old=old,
        new={"name": name, "organisations": sorted(o.code for o in members)},
    )
    return locked


@command(P.ORGANISATIONS_MANAGE, on="partnership")
def partnership_retire(
    *, actor: User, partnership: Partnership, version: int, reason: str
) -> Partnership:
    """A retired partnership no longer links its organisations (no sharing through it); its
    membership is kept for the record."""
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _check_version(locked, version)
    errors = Errors()
    reason = _reason(errors, reason)
    if locked.retired_at is not None:
        errors.add("reason", f"{locked.name} is already retired")
    errors.raise_if_any()
    locked.retired_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["retired_at", "version"])
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="partnership.retire",
        obj=locked,
        justification=reason,
        old={"retired_at": None},
        new={"retired_at": locked.retired_at},
    )
    return locked
