from __future__ import annotations

from typing import Any

import pytest

from desist.accounts.models import User
from desist.core.models import Organisation, OrganisationKind
from desist.demo import seed

REQUIRED = {
    "police.sussex",
    "police.supervisor",
    "police.surrey",
    "police.surrey.supervisor",  # the receiving side of a transfer between forces
    "practitioner",
    "clinical.supervisor",
    "clinical.lead",  # a second clinical supervisor: reviews the first one's own sessions
    "advocate",
    "evaluator",
    "programme.manager",
    "admin",
}


def test_seed_creates_required_accounts_and_is_idempotent(db: Any) -> None:
    seed.seed(volume=False)
    counts = (Organisation.objects.count(), User.objects.count())
    assert set(User.objects.values_list("username", flat=True)) >= REQUIRED
    again = seed.seed(volume=False)
    assert again == {"organisations": 0, "partnerships": 0, "accounts": 0}
    assert (Organisation.objects.count(), User.objects.count()) == counts


def test_demo_password_works(db: Any, settings: Any) -> None:
    seed.seed(volume=False)
    assert User.objects.get(username="police.sussex").check_password(settings.DESIST_DEMO_PASSWORD)


def test_two_forces_are_separate_organisations(db: Any) -> None:
    seed.seed(volume=False)
    sussex = User.objects.get(username="police.sussex").organisation
    surrey = User.objects.get(username="police.surrey").organisation
    assert sussex.kind == surrey.kind == OrganisationKind.POLICE_FORCE
    assert sussex != surrey


def test_refuses_database_with_real_data(db: Any) -> None:
    Organisation.objects.create(
        code="real", name="A real force", kind=OrganisationKind.POLICE_FORCE
    )
    with pytest.raises(seed.RealDataPresent):
        seed.seed(volume=False)
    assert not User.objects.exists()


def test_volume_casework_proportions_and_idempotence(db: Any) -> None:
    from django.db import connection

    from desist.cases.models import Case, Relationship
    from desist.demo.volume import seed_casework
    from desist.safeguarding.models import Victim

    seed.seed(volume=False)
    force = Organisation.objects.get(code="sussex-police")
    made = seed_casework(force=force, cases=400, seed=7)
    assert made.cases == Case.objects.filter(force=force).count() == 400
    assert seed_casework(force=force, cases=400, seed=7).cases == 0  # idempotent
    share = Case.objects.filter(relationship=Relationship.EX_INTIMATE).count() / 400
    assert 0.35 < share < 0.55
    victim = Victim.objects.first()
    assert victim is not None and victim.phone.startswith("07700 900")
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_name FROM safeguarding_victim WHERE id = %s", [victim.pk])
        raw = cursor.fetchone()[0]
    assert victim.last_name not in raw  # encrypted at rest
