"""Subject access requests: log, run, release (ADR 0031, docs/workflows/subject-access.md).

Logging a request is Collection; running it (gathering one person's records from every app
through the registry) is Combination; releasing the bundle to the person is Disclosure, with
the recipient. Audit rows carry ids and counts, never the bundle's content.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.dates import long_date
from desist.core.marking import MARKING
from desist.policy import Perm
from desist.sar import registry
from desist.sar.models import AccessRequest, Requester

if TYPE_CHECKING:
    from desist.accounts.models import User

# Requests older than this are not logged as new: a typing slip, not a request.
OLDEST_RECEIPT_DAYS = 366


def one_calendar_month_after(day: dt.date) -> dt.date:
    """The due date: the same day of the next month, or that month's last day where it has no
    such day (received 31 January, due 28 or 29 February), as the ICO counts it."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _held(actor: User, person_kind: str, person_id: int) -> bool:
    """Whether the person exists and the actor's organisation holds something about them.
    Unknown and another organisation's get one message, so the form confirms no one exists."""
    person = registry.find_person(person_kind, person_id)
    return person is not None and policy.can(actor, Perm.SAR_MANAGE, person)


def unknown_person_message(person_kind: str) -> str:
    return f"Enter the ID of a {person_kind} your organisation holds records about"


@command(Perm.SAR_MANAGE)
def access_request_log(
    *,
    actor: User,
    person_kind: str,
    person_id: int | None,
    requester: str,
    requester_details: str = "",
    received_on: dt.date | None,
) -> AccessRequest:
    errors = Errors()
    kinds = policy.sar_kinds_for(actor)
    if person_kind not in kinds:
        errors.add("person_kind", "Select whose data is asked for")
    elif person_id is None:
        errors.add("person_id", f"Enter the {person_kind}'s ID")
    elif not _held(actor, person_kind, person_id):
        errors.add("person_id", unknown_person_message(person_kind))
    if requester not in Requester.values:
        errors.add("requester", "Select who made the request")
    elif requester == Requester.REPRESENTATIVE and not requester_details.strip():
        errors.add("requester_details", "Enter who is acting for the person")
    today = timezone.localdate()
    if received_on is None:
        errors.add("received_on", "Enter the date the request was received")
    elif received_on > today:
        errors.add("received_on", "The date the request was received must be today or earlier")
    elif received_on < today - dt.timedelta(days=OLDEST_RECEIPT_DAYS):
        errors.add("received_on", "The date the request was received must be within the last year")
    errors.raise_if_any()
    assert received_on is not None and person_id is not None and actor.organisation is not None
    made = AccessRequest.objects.create(
        organisation=actor.organisation,
        person_kind=person_kind,
        person_id=person_id,
        requester=requester,
        requester_details=requester_details.strip() if requester != Requester.PERSON else "",
        received_on=received_on,
        due_on=one_calendar_month_after(received_on),
        logged_at=timezone.now(),
        logged_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="sar.request_log",
        obj=made,
        new={
            "person_kind": person_kind,
            "person_id": person_id,
            "requester": requester,
            "received_on": received_on.isoformat(),
            "due_on": made.due_on.isoformat(),
        },
    )
    return made


def collect(request: AccessRequest) -> list[dict[str, Any]]:
    """Every registered collector's records about the person held by the request's
    organisation, each value passed through every third-party redactor of the kind."""
    person = registry.find_person(request.person_kind, request.person_id)
    if person is None:
        return []
    redactors = registry.redactors(request.person_kind, person)
    sections = []
    for collector in registry.collectors(request.person_kind):
        records = [
            _redacted(r.as_json(), redactors)
            for r in collector.collect(person, request.organisation)
        ]
        if records:
            sections.append({"key": collector.key, "title": collector.title, "records": records})
    return sections


def _redacted(record: dict[str, Any], redactors: list[registry.Redactor]) -> dict[str, Any]:
    def clean(text: str) -> str:
        for redact in redactors:
            text = redact(text)
        return text

    record["reference"] = clean(record["reference"])  # made by code, but checked all the same
    record["title"] = clean(record["title"])
    record["heading"] = clean(record["heading"])
    record["fields"] = [_cleaned(f, clean) for f in record["fields"]]
    return record


def _cleaned(entry: dict[str, Any], clean: registry.Redactor) -> dict[str, Any]:
    """A field with its text redacted. Where redaction changed the text, the codes and dates
    kept beside it for machines go too: they would say what the text no longer does."""
    value = clean(entry["value"])
    if value != entry["value"]:
        return {"label": entry["label"], "value": value}
    return entry


def bundle_for(request: AccessRequest, *, now: dt.datetime) -> dict[str, Any]:
    sections = collect(request)
    return {
        "marking": MARKING,
        "format": "desist-subject-access/1",
        "request": {
            "reference": request.reference,
            "organisation": request.organisation.name,
            "person_kind": request.person_kind,
            "person_id": request.person_id,
            "received_on": request.received_on.isoformat(),
            "due_on": request.due_on.isoformat(),
            "generated_at": now.isoformat(timespec="seconds"),
        },
        "third_parties": (
            "Other people's names, addresses, dates of birth and contact details are removed "
            f"({registry.REDACTED}); a text that still names or locates another person is "
            f"withheld whole ({registry.WITHHELD})."
        ),
        "record_count": sum(len(s["records"]) for s in sections),
        "sections": sections,
    }


@command(Perm.SAR_MANAGE, on="request")
def access_request_run(*, actor: User, request: AccessRequest) -> AccessRequest:
    errors = Errors()
    if request.released_at is not None:
        errors.add("request", "This request has been released: log a new request to run it again")
    errors.raise_if_any()
    now = timezone.now()
    bundle = bundle_for(request, now=now)
    request.bundle = json.dumps(bundle, indent=2, ensure_ascii=False)
    request.record_count = bundle["record_count"]
    request.run_at, request.run_by = now, actor
    request.save(update_fields=["bundle", "record_count", "run_at", "run_by"])
    audit_record(
        actor=actor,
        category=Category.COMBINATION,
        verb="sar.request_run",
        obj=request,
        new={
            "person_kind": request.person_kind,
            "person_id": request.person_id,
            "records": request.record_count,
            "sections": [s["key"] for s in bundle["sections"]],
        },
    )
    return request


@command(Perm.SAR_MANAGE, on="request")
def access_request_release(
    *, actor: User, request: AccessRequest, released_on: dt.date | None = None
) -> AccessRequest:
    """Record that the bundle went to the person on `released_on` (today if not given): a day
    today or earlier, not before the request was received nor before the bundle was run. The
    audit row is written now."""
    errors = Errors()
    on = released_on or timezone.localdate()
    if request.run_at is None:
        errors.add("request", "Run the request before releasing it")
    elif request.released_at is not None:
        errors.add("request", "This request has already been released")
    elif on > timezone.localdate():
        errors.add("released_on", "The date the bundle was released must be today or in the past")
    elif on < request.received_on:
        errors.add(
            "released_on",
            "The date the bundle was released must be on or after the date the request was "
            f"received ({long_date(request.received_on)})",
        )
    elif on < timezone.localdate(request.run_at):
        # The bundle cannot have gone before it was made (tester finding).
        errors.add(
            "released_on",
            "The date the bundle was released must be on or after the day it was run "
            f"({long_date(timezone.localdate(request.run_at))})",
        )
    errors.raise_if_any()
    request.released_at, request.released_by = timezone.now(), actor
    request.released_on = on
    request.save(update_fields=["released_at", "released_by", "released_on"])
    audit_record(
        actor=actor,
        category=Category.DISCLOSURE,
        verb="sar.request_release",
        obj=request,
        recipients=[f"the {request.person_kind} ({request.get_requester_display().lower()})"],
        justification="Subject access request (UK GDPR art. 15; DPA 2018 s.45)",
        new={
            "records": request.record_count,
            "due_on": request.due_on.isoformat(),
            "released_on": on.isoformat(),
            "on_time": not request.days_late,
            "days_late": request.days_late,
        },
    )
    return request


def bundle_of(request: AccessRequest) -> dict[str, Any]:
    return json.loads(request.bundle) if request.bundle else {}
