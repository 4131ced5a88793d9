"""Reads of the review queue, scoped to the data owner's organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from desist import policy
from desist.policy import Perm
from desist.retention.models import LegalHold, RetentionReview, ReviewStatus

if TYPE_CHECKING:
    from desist.accounts.models import User


def review_list_for(*, actor: User, status: str = ReviewStatus.DUE) -> QuerySet[RetentionReview]:
    policy.require_perm(actor, Perm.RETENTION_REVIEW)
    qs = RetentionReview.objects.filter(status=status).select_related("decided_by")
    return policy.scope_retention_reviews(actor, qs)


def review_get_for(*, actor: User, review_id: int) -> RetentionReview:
    policy.require_perm(actor, Perm.RETENTION_REVIEW)
    qs = policy.scope_retention_reviews(actor, RetentionReview.objects.select_related("decided_by"))
    review = qs.filter(pk=review_id).first()
    if review is None:
        raise Http404("No such review")
    policy.require(actor, Perm.RETENTION_REVIEW, review)
    return review


def holds_for(*, actor: User, review: RetentionReview) -> QuerySet[LegalHold]:
    policy.require(actor, Perm.RETENTION_REVIEW, review)
    return LegalHold.objects.filter(
        record_type=review.record_type, record_id=review.record_id
    ).select_related("placed_by", "lifted_by")


def held_ids(*, reviews: list[RetentionReview]) -> set[tuple[str, int]]:
    """(record_type, record_id) of the reviews' records under a live hold, in one query."""
    ids = {r.record_id for r in reviews}
    return set(
        LegalHold.objects.filter(record_id__in=ids, lifted_at__isnull=True).values_list(
            "record_type", "record_id"
        )
    )
