"""The programme demo seeder: every state, real history, deterministic, quick."""

from __future__ import annotations

from typing import Any

from desist.accounts.models import User
from desist.audit.models import AuditEvent
from desist.core.models import Organisation
from desist.demo import seed
from desist.demo.orders_volume import seed_orders
from desist.demo.programme_seed import seed_programme
from desist.demo.volume import seed_casework
from desist.programme.models import Programme, ProgrammeSession, Referral, ReferralStatus

S = ReferralStatus


def test_seed_programme_every_state(db: Any) -> None:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.sussex")
    force = officer.organisation
    seed_casework(force=force, cases=500, seed=7)
    seed_orders(
        force=force,
        actor=officer,
        supervisor=User.objects.get(username="police.supervisor"),
        per_state=32,
        assessed_subjects=60,
    )
    made = seed_programme(
        force=force,
        provider=Organisation.objects.get(code="harbour-psychology"),
        practitioner=User.objects.get(username="practitioner"),
        supervisor=User.objects.get(username="clinical.supervisor"),
        police_actor=officer,
        seed=2026,
    )
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert made["referrals"] == Referral.objects.count() >= 50
    assert statuses == set(S.values), set(S.values) - statuses
    programme = Programme.objects.get()
    assert programme.capacity == 30
    assert Referral.objects.filter(status__in=[S.SUITABLE, S.CONSENTED, S.ACTIVE]).count() == 30
    assert Referral.objects.filter(at_risk=True, status=S.ACTIVE).exists()
    assert ProgrammeSession.objects.count() == made["sessions"] > 100
    assert AuditEvent.objects.filter(verb="referral.status_change").exists()
    # Idempotent.
    assert (
        seed_programme(
            force=force,
            provider=programme.provider,
            practitioner=officer,
            supervisor=officer,
            police_actor=officer,
            seed=1,
        )["referrals"]
        == 0
    )
