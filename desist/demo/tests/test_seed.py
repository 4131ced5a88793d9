from __future__ import annotations

from typing import Any

import pytest

from desist.accounts.models import User
from desist.core.models import Organisation, OrganisationKind
from desist.demo import seed

REQUIRED = {
    "police.sussex",
    "police.surrey",
    "practitioner",
    "clinical.supervisor",
    "advocate",
    "evaluator",
    "programme.manager",
    "admin",
}


def test_seed_creates_required_accounts_and_is_idempotent(db: Any) -> None:
    seed.seed()
    counts = (Organisation.objects.count(), User.objects.count())
    assert set(User.objects.values_list("username", flat=True)) >= REQUIRED
    again = seed.seed()
    assert again == {"organisations": 0, "partnerships": 0, "accounts": 0}
    assert (Organisation.objects.count(), User.objects.count()) == counts


def test_demo_password_works(db: Any, settings: Any) -> None:
    seed.seed()
    assert User.objects.get(username="police.sussex").check_password(settings.DESIST_DEMO_PASSWORD)


def test_two_forces_are_separate_organisations(db: Any) -> None:
    seed.seed()
    sussex = User.objects.get(username="police.sussex").organisation
    surrey = User.objects.get(username="police.surrey").organisation
    assert sussex.kind == surrey.kind == OrganisationKind.POLICE_FORCE
    assert sussex != surrey


def test_refuses_database_with_real_data(db: Any) -> None:
    Organisation.objects.create(
        code="real", name="A real force", kind=OrganisationKind.POLICE_FORCE
    )
    with pytest.raises(seed.RealDataPresent):
        seed.seed()
    assert not User.objects.exists()
