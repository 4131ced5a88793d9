"""The demo's records due for retention review (issue 18, tester finding): without them the
"review a record due for disposal" journey could not be walked on the demo."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from desist.cases.models import Case
from desist.core.roles import RoleCode
from desist.demo.retention_seed import CASE_REFERENCE, seed_retention_due
from desist.retention.models import RetentionReview, ReviewStatus
from desist.safeguarding.models import AdvocacyCase

R = RoleCode


@pytest.mark.django_db
def test_the_demo_queue_holds_records_due_for_each_data_owner(
    client: Any, orgs: dict[str, Any], users: dict[R, Any]
) -> None:
    """Seen red: with the listing left out of the seed, both queues said "Nothing to show"."""
    made = seed_retention_due(force=orgs["police_force"], advocacy_org=orgs["advocacy"])
    assert made == {"retention_due": 3}
    due = RetentionReview.objects.filter(status=ReviewStatus.DUE)
    assert sorted(due.values_list("record_class", flat=True)) == [
        "cases.group-3",
        "safeguarding.advocacy",
        "safeguarding.self-referral",
    ]
    client.force_login(users[R.POLICE_SUPERVISOR])
    police = client.get(reverse("retention:queue")).content.decode()
    assert CASE_REFERENCE in police
    client.force_login(users[R.ADVOCACY_MANAGER])
    advocacy = client.get(reverse("retention:queue")).content.decode()
    for case in AdvocacyCase.objects.all():
        assert case.reference in advocacy and case.reference not in police
    # Seeded once: a second run adds no record and lists nothing again.
    counts = (Case.objects.count(), AdvocacyCase.objects.count())
    assert seed_retention_due(force=orgs["police_force"], advocacy_org=orgs["advocacy"]) == {
        "retention_due": 0
    }
    assert (Case.objects.count(), AdvocacyCase.objects.count()) == counts
    assert due.count() == 3
