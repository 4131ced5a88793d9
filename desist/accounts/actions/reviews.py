"""Access reviews (issue 16): every REVIEW_DAYS an administrator confirms each account's roles
or removes some or all of them. Each decision is a row (AccessReview) and an audit event."""

from __future__ import annotations

from collections.abc import Iterable

from desist import policy
from desist.accounts.models import AccessReview, ReviewOutcome, Role, User
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode

P = policy.Perm

# A review opened before a mover's change must not undo it (remove a role just granted).
STALE_REVIEW = (
    "Someone else changed this person's roles while you were reviewing them. "
    "Check the roles and confirm again."
)


@command(P.ACCOUNTS_REVIEW, on="user")
def access_review_record(
    *, actor: User, user: User, keep: Iterable[RoleCode], version: int, reason: str
) -> AccessReview:
    """Keep the roles in `keep` (a subset of those held) and remove the rest. Keeping them all
    confirms them; a review never adds a role (that is a mover's change). `version` is the
    account's version the reviewer saw: a change since then refuses the review."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.version != version:
        raise StaleRecordError(STALE_REVIEW)
    held = set(locked.role_codes)
    kept = {r.value for r in keep}
    errors = Errors()
    if not kept <= held:
        errors.add("keep", "A review can only keep or remove roles the person holds")
    if kept != held and not reason.strip():
        errors.add("reason", "Enter why roles are being removed")
    errors.raise_if_any()
    if kept == held:
        outcome = ReviewOutcome.CONFIRMED
    else:
        outcome = ReviewOutcome.REMOVED if not kept else ReviewOutcome.CHANGED
        locked.roles.set(Role.objects.filter(code__in=kept))
        locked.version += 1
        locked.save(update_fields=["version"])
    review = AccessReview.objects.create(
        user=locked, reviewer=actor, outcome=outcome, roles=sorted(kept), reason=reason.strip()
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="account.access_review",
        obj=locked,
        justification=reason.strip() or str(outcome.label),
        old={"roles": sorted(held)},
        new={"roles": sorted(kept), "outcome": outcome.value},
    )
    return review
