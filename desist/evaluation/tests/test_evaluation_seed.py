from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.demo.evaluation_seed import seed_outcomes
from desist.evaluation.models import Offence
from desist.evaluation.tests import helpers
from desist.people.models import InterventionDecision

TODAY = timezone.localdate()
D = dt.timedelta


def _subjects(force: Any, officer: Any, n: int) -> None:
    for i in range(n):
        s = helpers.make_subject(force)
        helpers.make_order(s, made=TODAY - D(700 + i))
        if i % 2:
            helpers.decide(s, InterventionDecision.Decision.PUT_FORWARD, TODAY - D(690), officer)


def test_seed_is_deterministic_idempotent_and_valid(officer: Any, force: Any) -> None:
    _subjects(force, officer, 60)
    made = seed_outcomes(force=force, actor=officer, seed=7)
    assert made["subjects"] == 60 and made["offences"] > 10
    first = sorted(Offence.objects.values_list("subject_id", "offence_date", "outcome"))
    assert seed_outcomes(force=force, actor=officer, seed=7)["offences"] == 0
    for o in Offence.objects.all():
        assert o.offence_date <= TODAY
        assert o.proven_date is None or o.offence_date <= o.proven_date <= TODAY
    Offence.objects.all().delete()
    seed_outcomes(force=force, actor=officer, seed=7)
    assert sorted(Offence.objects.values_list("subject_id", "offence_date", "outcome")) == first
