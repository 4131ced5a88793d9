"""Programme settings: each save adds a ProgrammeVersion; people already started keep the
version they started under."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.policy import Perm
from desist.programme.actions.common import clean, save_changes
from desist.programme.completion import CompletionRule, default_rule, programme_rule
from desist.programme.models import (
    MODULE_LABELS,
    MODULES,
    Phase,
    Programme,
    ProgrammeVersion,
    default_session_plan,
)

if TYPE_CHECKING:
    from desist.accounts.models import User


def settings_snapshot(p: Programme) -> dict[str, Any]:
    return {
        "name": p.name,
        "provider": p.provider_id,
        "forces": sorted(p.forces.values_list("pk", flat=True)),
        "capacity": p.capacity,
        "funding": str(p.funding),
        "funding_source": p.funding_source,
        "sessions": p.sessions,
        "modules": list(p.modules),
        "session_plan": list(p.session_plan),
        "caseload_limit": p.caseload_limit,
        "review_every": p.review_every,
        "completion_sessions": p.completion_sessions,
        "completion_module": p.completion_module,
        "partial_sessions": p.partial_sessions,
    }


def check_session_plan(
    plan: Iterable[Mapping[str, Any]], *, sessions: int, modules: Iterable[str]
) -> list[dict[str, Any]]:
    """A plan with one row per session 1..sessions, each with a known phase and a module the
    programme teaches."""
    allowed = set(modules)
    rows = sorted(plan, key=lambda r: int(r.get("session", 0)))
    if [int(r.get("session", 0)) for r in rows] != list(range(1, sessions + 1)):
        raise ValidationError({"session_plan": ["Give a module for every session"]})
    out = []
    for r in rows:
        if r.get("phase") not in Phase.values:
            raise ValidationError({"session_plan": ["Select a phase for every session"]})
        if r.get("module") not in allowed:
            raise ValidationError(
                {"session_plan": [f"Session {r['session']}: select one of the programme's modules"]}
            )
        out.append({"session": int(r["session"]), "phase": r["phase"], "module": r["module"]})
    return out


def _check_modules_in_plan(plan: Iterable[Mapping[str, Any]], module_codes: list[str]) -> None:
    """A module the session plan still uses cannot be removed on the settings page: the error
    belongs next to the modules, naming the sessions to change first."""
    used: dict[str, list[str]] = {}
    for r in sorted(plan, key=lambda r: int(r.get("session", 0))):
        if r.get("module") in MODULE_LABELS and r["module"] not in module_codes:
            used.setdefault(r["module"], []).append(str(r["session"]))
    if used:
        messages = [
            f"{MODULE_LABELS[m]} is used by session{'s' if len(n) > 1 else ''} "
            f"{', '.join(n)} of the session plan. Change {'those sessions' if len(n) > 1 else 'that session'} "
            "to another module in the session plan first, then remove it"
            for m, n in used.items()
        ]
        raise ValidationError({"modules": messages})


def _settings_errors(
    actor: User,
    *,
    name: str,
    provider: Organisation | None,
    forces: list[Organisation],
    capacity: int | None,
    funding: Decimal | None,
    sessions: int | None,
    caseload_limit: int | None,
    review_every: int | None,
    module_codes: list[str],
) -> Errors:
    errors = Errors()
    if not name:
        errors["name"] = ["Enter the name of the programme"]
    if provider is None or provider.kind != "provider":
        errors["provider"] = ["Select the intervention provider"]
    if not forces or any(f.kind != "police_force" for f in forces):
        errors["forces"] = ["Select the police forces the programme serves"]
    elif any(f.pk not in policy.partnership_force_ids(actor) for f in forces):
        errors["forces"] = ["Select only police forces in your partnerships"]
    if capacity is None or capacity < 1:
        errors["capacity"] = ["Enter the number of places, 1 or more"]
    if funding is None or funding < 0:
        errors["funding"] = ["Enter the funding in pounds, 0 or more"]
    if sessions is None or not 1 <= sessions <= 52:
        errors["sessions"] = ["Enter the number of sessions, between 1 and 52"]
    if caseload_limit is None or caseload_limit < 1:
        errors["caseload_limit"] = ["Enter the most referrals one practitioner may hold, 1 or more"]
    if review_every is None or review_every < 1:
        errors["review_every"] = ["Enter how often sessions are reviewed: 1 for every session"]
    if not module_codes:
        errors["modules"] = ["Select the modules the programme teaches"]
    return errors


def _completion_rule(
    programme: Programme | None,
    *,
    sessions: int,
    plan: list[dict[str, Any]],
    completion_sessions: int | None,
    completion_module: str | None,
    partial_sessions: int | None,
) -> CompletionRule:
    """The completion rule given, else the programme's current one, else the default for the
    programme's length; checked against the number of sessions and the plan."""
    in_plan = {str(r["module"]) for r in plan}
    if programme is not None and programme.sessions == sessions:
        base = programme_rule(programme)
    else:
        base = default_rule(sessions, in_plan)
    rule = CompletionRule(
        sessions=base.sessions if completion_sessions is None else completion_sessions,
        module=base.module if completion_module is None else clean(completion_module),
        partial=base.partial if partial_sessions is None else partial_sessions,
    )
    errors = Errors()
    if not 1 <= rule.sessions <= sessions:
        errors["completion_sessions"] = [
            f"Enter the sessions a person must attend to complete, between 1 and {sessions}"
        ]
    elif not 0 <= rule.partial < rule.sessions:
        errors["partial_sessions"] = [
            "Enter the sessions attended for a partial completion, fewer than the "
            f"{rule.sessions} needed to complete (0 for none)"
        ]
    if rule.module and rule.module not in in_plan:
        errors["completion_module"] = [
            f"The completion rule needs a {MODULE_LABELS.get(rule.module, rule.module)} "
            "session, which this plan no longer has: keep one in the plan, or change the "
            "module the rule needs"
        ]
    errors.raise_if_any()
    return rule


def _session_plan(
    session_plan: Iterable[Mapping[str, Any]] | None, *, sessions: int, module_codes: list[str]
) -> list[dict[str, Any]]:
    """The plan given, checked; without one, the default plan on the programme's modules."""
    if session_plan is None or not list(session_plan):
        return [
            r if r["module"] in module_codes else {**r, "module": module_codes[0]}
            for r in default_session_plan(sessions)
        ]
    _check_modules_in_plan(session_plan, module_codes)
    return check_session_plan(session_plan, sessions=sessions, modules=module_codes)


def _add_version(actor: User, programme: Programme) -> tuple[dict[str, Any], int]:
    snapshot = settings_snapshot(programme)
    number = (
        programme.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    ProgrammeVersion.objects.create(
        programme=programme, number=number, settings=snapshot, created_by=actor
    )
    return snapshot, number


@command(Perm.PROGRAMME_SETTINGS, on=lambda kwargs: kwargs.get("programme"))
def programme_save(
    *,
    actor: User,
    programme: Programme | None = None,
    version: int | None = None,
    name: str,
    provider: Organisation | None,
    forces: Iterable[Organisation],
    capacity: int | None,
    funding: Decimal | None,
    funding_source: str = "",
    sessions: int | None = 12,
    modules: Iterable[str] | None = None,
    session_plan: Iterable[Mapping[str, Any]] | None = None,
    caseload_limit: int | None = 8,
    review_every: int | None = 1,
    completion_sessions: int | None = None,
    completion_module: str | None = None,
    partial_sessions: int | None = None,
) -> Programme:
    """Create or change a programme's settings."""
    name = clean(name)
    forces = list(forces)
    module_codes = [m for m in (modules or [c for c, _ in MODULES]) if m in MODULE_LABELS]
    _settings_errors(
        actor,
        name=name,
        provider=provider,
        forces=forces,
        capacity=capacity,
        funding=funding,
        sessions=sessions,
        caseload_limit=caseload_limit,
        review_every=review_every,
        module_codes=module_codes,
    ).raise_if_any()
    assert sessions is not None
    plan = _session_plan(session_plan, sessions=sessions, module_codes=module_codes)
    rule = _completion_rule(
        programme,
        sessions=sessions,
        plan=plan,
        completion_sessions=completion_sessions,
        completion_module=completion_module,
        partial_sessions=partial_sessions,
    )
    values: dict[str, Any] = {
        "name": name,
        "provider": provider,
        "capacity": capacity,
        "funding": funding,
        "funding_source": clean(funding_source),
        "sessions": sessions,
        "modules": module_codes,
        "session_plan": plan,
        "caseload_limit": caseload_limit,
        "review_every": review_every,
        "completion_sessions": rule.sessions,
        "completion_module": rule.module,
        "partial_sessions": rule.partial,
    }
    if programme is None:
        programme = Programme.objects.create(**values)
        old = None
    else:
        old = settings_snapshot(programme)
        assert version is not None
        save_changes(programme, version=version, changes=values)
    programme.forces.set(forces)
    snapshot, number = _add_version(actor, programme)
    audit_record(
        actor=actor,
        category=Category.COLLECTION if old is None else Category.ALTERATION,
        verb="programme.settings_save",
        obj=programme,
        old=old,
        new={**snapshot, "settings_version": number},
    )
    return programme
