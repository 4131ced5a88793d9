"""Review and disposal under the retention schedule (ADR 0028, docs/workflows/retention.md).

Every step is audited in the Erasure category: the monthly listing, each keep, each disposal,
each person anonymised, each legal hold placed or lifted. Audit rows themselves are never
touched (the table refuses it). Disposal re-checks everything at the moment it runs: the
record is still in its class, still due, not under a legal hold, and its class allows
disposal.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db import transaction

from desist.audit import actors
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.retention import clock, registry
from desist.retention.models import LegalHold, RetentionReview, ReviewStatus
from desist.retention.registry import RecordClass

if TYPE_CHECKING:
    from desist.accounts.models import User

KEEP_AT_MOST_YEARS = 10
# A reason is read on the review page and copied into the audit log's justification: bounded.
REASON_MAX = 1000
REASON_TOO_LONG = f"The reason must be {REASON_MAX:,} characters or fewer"


def hold_live(record_type: str, record_id: int) -> LegalHold | None:
    return LegalHold.objects.filter(
        record_type=record_type, record_id=record_id, lifted_at__isnull=True
    ).first()


# --- the monthly listing ---------------------------------------------------------------------


def _decided(model: str) -> tuple[set[int], dict[int, dt.date]]:
    """Records of `model` already listed (open) or disposed of, and each kept record's next
    review date."""
    rows = RetentionReview.objects.filter(record_type=model).values_list(
        "record_id", "status", "next_review_on"
    )
    closed: set[int] = set()
    kept: dict[int, dt.date] = {}
    for record_id, status, next_on in rows:
        if status in (ReviewStatus.DUE, ReviewStatus.DISPOSED):
            closed.add(record_id)
        elif next_on is not None and next_on > kept.get(record_id, dt.date.min):
            kept[record_id] = next_on
    return closed, kept


def _due_reviews(cls: RecordClass, today: dt.date, now: dt.datetime) -> list[RetentionReview]:
    assert cls.records is not None and cls.owner_id is not None and cls.reference is not None
    closed, kept = _decided(cls.model)
    found = []
    for record in cls.records().iterator():
        if record.pk in closed:
            continue
        due = kept.get(record.pk) or cls.due_on(record)
        if due is None or due > today:
            continue
        found.append(
            RetentionReview(
                record_class=cls.key,
                record_type=cls.model,
                record_id=record.pk,
                reference=cls.reference(record)[:60],
                organisation_id=cls.owner_id(record),
                due_on=due,
                listed_at=now,
            )
        )
    return found


def retention_list_due() -> dict[str, int]:
    """The monthly job: list every record whose retention period (or kept review date) has
    passed into its data owner's review queue. Safe to run twice: a record already listed,
    or disposed of, is not listed again (and the unique open review refuses a race)."""
    now = clock.now()
    today = clock.today()
    counts: Counter[str] = Counter()
    for cls in registry.schedule():
        if cls.records is None:
            continue
        reviews = _due_reviews(cls, today, now)
        with transaction.atomic():
            RetentionReview.objects.bulk_create(reviews, ignore_conflicts=True)
        counts[cls.key] += len(reviews)
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_username=actors.RETENTION_JOB,
            category=Category.ERASURE,
            verb="retention.list_due",
            object_type="retention.RetentionReview",
            new={"on": today, "listed": dict(counts)},
        )
    return dict(counts)


# --- decisions -------------------------------------------------------------------------------


def _check_reason(errors: Errors, reason: str, missing: str) -> None:
    if not reason.strip():
        errors.add("reason", missing)
    elif len(reason.strip()) > REASON_MAX:
        errors.add("reason", REASON_TOO_LONG)


def _locked_due(review: RetentionReview, errors: Errors) -> RetentionReview:
    locked = RetentionReview.objects.select_for_update().get(pk=review.pk)
    if locked.status != ReviewStatus.DUE:
        errors.add("__all__", "Someone has already decided this review")
    errors.raise_if_any()
    return locked


@command(Perm.RETENTION_REVIEW, on="review")
def retention_keep(
    *, actor: User, review: RetentionReview, reason: str, next_review_on: dt.date | None
) -> RetentionReview:
    """Keep the record, with the reason and the date of its next review."""
    errors = Errors()
    today = clock.today()
    _check_reason(errors, reason, "Enter why the record is kept")
    if next_review_on is None:
        errors.add("next_review_on", "Enter the date of the next review")
    elif next_review_on <= today:
        errors.add("next_review_on", "The date of the next review must be in the future")
    elif next_review_on > registry.add_years(today, KEEP_AT_MOST_YEARS):
        errors.add(
            "next_review_on",
            f"The date of the next review must be within {KEEP_AT_MOST_YEARS} years",
        )
    errors.raise_if_any()
    review = _locked_due(review, errors)
    review.status = ReviewStatus.KEPT
    review.keep_reason = reason.strip()
    review.next_review_on = next_review_on
    review.decided_by = actor
    review.decided_at = clock.now()
    review.save()
    audit_record(
        actor=actor,
        category=Category.ERASURE,
        verb="retention.keep",
        object_type=review.record_type,
        object_id=review.record_id,
        justification=review.keep_reason,
        new={"review": review.pk, "class": review.record_class, "next_review_on": next_review_on},
    )
    return review


def _disposal_refusal(cls: RecordClass, review: RetentionReview, record: Any) -> str:
    """Why this record may not be disposed of now ("" when it may)."""
    if not cls.disposable:
        return (
            "Records of this kind are reviewed, never disposed of: keep it with a reason "
            "and the date of its next review"
        )
    if hold_live(review.record_type, review.record_id) is not None:
        return "This record is under a legal hold. Lift the hold before disposing of it"
    if record is None:
        return "This record is no longer in its retention class: keep it, or list it again"
    for follower, attached in _attached(cls, record):
        if hold_live(follower.model, attached.pk) is not None:
            return "A document attached to this record is under a legal hold. Lift the hold first"
    due = cls.due_on(record)
    if due is None or due > clock.today():
        return "This record is not yet due for disposal"
    return ""


def _attached(cls: RecordClass, record: Any) -> list[tuple[RecordClass, Any]]:
    """Records that follow this one (its documents), with their class."""
    return [
        (follower, attached)
        for follower in registry.followers(cls.key)
        for attached in follower.attached(record)  # type: ignore[misc]
    ]


def _dispose_attached(actor: User, cls: RecordClass, record: Any, review: RetentionReview) -> None:
    """Its documents go with the record, each audited as its own disposal."""
    for follower, attached in _attached(cls, record):
        if follower.dispose is None:
            continue
        attached_id = attached.pk
        follower.dispose(attached)
        RetentionReview.objects.filter(
            record_type=follower.model, record_id=attached_id, status=ReviewStatus.DUE
        ).update(status=ReviewStatus.DISPOSED, decided_by=actor, decided_at=clock.now())
        audit_record(
            actor=actor,
            category=Category.ERASURE,
            verb="retention.dispose",
            object_type=follower.model,
            object_id=attached_id,
            new={"with": f"{review.record_type} {review.record_id}", "class": follower.key},
        )


def _named_people(cls: RecordClass, record: Any) -> list[tuple[str, int]]:
    model = registry.model_of(cls.model)
    people = []
    for person_model, path in cls.names.items():
        ids = model._default_manager.filter(pk=record.pk).values_list(path, flat=True)
        people += [(person_model, pid) for pid in ids if pid is not None]
    return people


def _still_named(person_model: str, person_id: int) -> bool:
    """Does any record not yet disposed of still name this person?"""
    seen: set[tuple[str, str]] = set()
    for cls in registry.classes_naming(person_model):
        path = cls.names[person_model]
        if (cls.model, path) in seen:
            continue
        seen.add((cls.model, path))
        disposed = RetentionReview.objects.filter(
            record_type=cls.model, status=ReviewStatus.DISPOSED
        ).values("record_id")
        model = registry.model_of(cls.model)
        if model._default_manager.filter(**{path: person_id}).exclude(pk__in=disposed).exists():
            return True
    return False


def _anonymise_people(actor: User, people: list[tuple[str, int]], review: RetentionReview) -> None:
    for person_model, person_id in sorted(set(people)):
        kind = registry.person_kind(person_model)
        if kind is None or _still_named(person_model, person_id):
            continue
        person = registry.model_of(person_model)._default_manager.get(pk=person_id)
        kind.anonymise(person)
        audit_record(
            actor=actor,
            category=Category.ERASURE,
            verb="retention.anonymise_person",
            object_type=person_model,
            object_id=person_id,
            new={"review": review.pk, "after": f"{review.record_type} {review.record_id}"},
        )


@command(Perm.RETENTION_REVIEW, on="review")
def retention_dispose(*, actor: User, review: RetentionReview) -> RetentionReview:
    """Dispose of the record as its class says (anonymise or delete), then anonymise each
    person it named whom no record still held names."""
    errors = Errors()
    review = _locked_due(review, errors)
    cls = registry.get(review.record_class)
    record = cls.records().filter(pk=review.record_id).first() if cls.records else None
    refusal = _disposal_refusal(cls, review, record)
    if refusal:
        errors.add("__all__", refusal)
        errors.raise_if_any()
    assert cls.dispose is not None
    people = _named_people(cls, record)
    _dispose_attached(actor, cls, record, review)
    cls.dispose(record)
    review.status = ReviewStatus.DISPOSED
    review.decided_by = actor
    review.decided_at = clock.now()
    review.save()
    audit_record(
        actor=actor,
        category=Category.ERASURE,
        verb="retention.dispose",
        object_type=review.record_type,
        object_id=review.record_id,
        new={"review": review.pk, "class": cls.key, "action": str(cls.action)},
    )
    _anonymise_people(actor, people, review)
    return review


# --- legal holds -----------------------------------------------------------------------------


@command(Perm.RETENTION_REVIEW, on="review")
def retention_hold_place(*, actor: User, review: RetentionReview, reason: str) -> LegalHold:
    errors = Errors()
    _check_reason(errors, reason, "Enter why the record is held")
    if hold_live(review.record_type, review.record_id) is not None:
        errors.add("__all__", "This record is already under a legal hold")
    errors.raise_if_any()
    hold = LegalHold.objects.create(
        record_type=review.record_type,
        record_id=review.record_id,
        organisation_id=review.organisation_id,
        reason=reason.strip(),
        placed_at=clock.now(),
        placed_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.ERASURE,
        verb="retention.hold_place",
        object_type=review.record_type,
        object_id=review.record_id,
        justification=hold.reason,
        new={"hold": hold.pk},
    )
    return hold


@command(Perm.RETENTION_REVIEW, on="review")
def retention_hold_lift(*, actor: User, review: RetentionReview, reason: str) -> LegalHold:
    errors = Errors()
    hold = hold_live(review.record_type, review.record_id)
    if hold is None:
        errors.add("__all__", "This record is not under a legal hold")
    _check_reason(errors, reason, "Enter why the hold is lifted")
    errors.raise_if_any()
    assert hold is not None
    hold.lifted_at = clock.now()
    hold.lifted_by = actor
    hold.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(
        actor=actor,
        category=Category.ERASURE,
        verb="retention.hold_lift",
        object_type=review.record_type,
        object_id=review.record_id,
        justification=reason.strip(),
        new={"hold": hold.pk},
    )
    return hold
