from __future__ import annotations

from typing import Any

from desist.sharing.models import Alert, BreakGlassGrant, Disclosure


def test_seed_sharing_on_demo_accounts(db: Any) -> None:
    from desist.accounts.models import User
    from desist.demo.seed import seed
    from desist.demo.sharing_seed import seed_sharing
    from desist.orders.tests.helpers import ago, ahead, full, make_case, make_subject, make_victim

    seed(volume=False)
    assert seed_sharing() == {"alerts": 0, "disclosures": 0, "break_glass": 0}
    officer = User.objects.get(username="police.sussex")
    subject = make_subject(officer.organisation, created_by=officer)
    make_victim(make_case(subject, created_by=officer))
    full(officer, subject, made=ago(100), ends=ahead(700))
    counts = seed_sharing()
    assert counts["alerts"] >= 2 and counts["disclosures"] == 1 and counts["break_glass"] == 1
    assert Alert.objects.filter(recipient=officer).exists()
    assert Disclosure.objects.count() >= 2  # the manual one and provider -> police alerts
    assert BreakGlassGrant.objects.get().user.username == "police.surrey"
