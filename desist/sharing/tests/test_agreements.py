"""The disclosure log names the agreement of the subject's partnership (issue 11, item 7).

Two partnerships share one provider and one advocacy service, each with its own force. Their
names sort the "wrong" way: the partnership of the subject's force comes second by name, so
picking the first partnership by name would name the other force's agreement.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from desist.core.models import OrganisationKind, Partnership
from desist.orders.tests.helpers import make_subject
from desist.sharing.agreements import AMBIGUOUS_AGREEMENT, NO_AGREEMENT, choose_agreement
from desist.sharing.models import Disclosure, LawfulBasis
from desist.sharing.services import agreement_for, disclosure_record

pytestmark = pytest.mark.django_db

FIRST_BY_NAME = "Aardvark Shire pilot"
SUBJECTS_OWN = "Zebra Shire pilot"


@pytest.fixture
def two_pilots(orgs: dict[str, Any], make_org: Any) -> dict[str, Any]:
    zebra_force = orgs["police_force"]
    aardvark_force = orgs["other_police_force"]
    first = Partnership.objects.create(code="aardvark", name=FIRST_BY_NAME)
    first.organisations.set([aardvark_force, orgs["provider"], orgs["advocacy"]])
    own = Partnership.objects.create(code="zebra", name=SUBJECTS_OWN)
    own.organisations.set([zebra_force, orgs["provider"], orgs["advocacy"]])
    return {
        "provider": orgs["provider"],
        "advocacy": orgs["advocacy"],
        "zebra_force": zebra_force,
        "aardvark_force": aardvark_force,
        "subject": make_subject(zebra_force),
    }


def test_agreement_follows_the_subjects_force_not_the_alphabet(two_pilots: Any) -> None:
    t = two_pilots
    # Provider -> advocacy: both organisations are in both partnerships.
    assert agreement_for(t["provider"], t["advocacy"], subject=t["subject"]) == (
        f"{SUBJECTS_OWN} information-sharing agreement"
    )
    other = make_subject(t["aardvark_force"])
    assert agreement_for(t["provider"], t["advocacy"], subject=other) == (
        f"{FIRST_BY_NAME} information-sharing agreement"
    )


def test_police_side_stands_for_the_force_without_a_subject(two_pilots: Any) -> None:
    t = two_pilots
    assert agreement_for(t["zebra_force"], t["advocacy"]) == (
        f"{SUBJECTS_OWN} information-sharing agreement"
    )
    # Nothing says which force: both partnerships match, and the log says so.
    assert agreement_for(t["provider"], t["advocacy"]) == AMBIGUOUS_AGREEMENT


def test_disclosure_record_names_the_subjects_agreement(two_pilots: Any, users: Any) -> None:
    t = two_pilots
    d = disclosure_record(
        actor=None,
        from_organisation=t["provider"],
        to_organisation=t["advocacy"],
        subject=t["subject"],
        what="Alert A000001: Risk disclosed in a session",
        purpose="To protect the victim",
        lawful_basis=LawfulBasis.GDPR_6_1_E,
    )
    assert d.agreement == f"{SUBJECTS_OWN} information-sharing agreement"


def test_no_partnership_in_common(make_org: Any) -> None:
    a, b = make_org(OrganisationKind.PROVIDER), make_org(OrganisationKind.ADVOCACY)
    assert agreement_for(a, b) == NO_AGREEMENT


def test_rule_falls_back_to_the_only_shared_partnership() -> None:
    # A Surrey officer disclosing about a Sussex subject to a service both forces use, where
    # only one partnership holds the two organisations.
    pilots = [("Only pilot", {1, 2, 3})]
    assert choose_agreement(pilots, from_id=1, to_id=2, force_id=9) == (
        "Only pilot information-sharing agreement"
    )


def test_migration_corrects_existing_rows_and_leaves_unresolved_ones(
    two_pilots: Any, make_org: Any
) -> None:
    t = two_pilots
    wrong = f"{FIRST_BY_NAME} information-sharing agreement"
    common = {
        "what": "Alert",
        "purpose": "To protect the victim",
        "lawful_basis": LawfulBasis.GDPR_6_1_E,
    }
    about_zebra = Disclosure.objects.create(
        from_organisation=t["provider"],
        to_organisation=t["advocacy"],
        subject=t["subject"],
        agreement=wrong,
        **common,
    )
    # No subject and no police side: two partnerships match, so it is left alone.
    unresolved = Disclosure.objects.create(
        from_organisation=t["provider"], to_organisation=t["advocacy"], agreement=wrong, **common
    )
    outsider = make_org(OrganisationKind.ADVOCACY)
    no_partner = Disclosure.objects.create(
        from_organisation=t["provider"], to_organisation=outsider, agreement="Old text", **common
    )
    migration = importlib.import_module(
        "desist.sharing.migrations.0004_disclosure_agreement_by_subject"
    )
    migration.recompute(apps, None)
    about_zebra.refresh_from_db()
    unresolved.refresh_from_db()
    no_partner.refresh_from_db()
    assert about_zebra.agreement == f"{SUBJECTS_OWN} information-sharing agreement"
    assert unresolved.agreement == wrong
    assert no_partner.agreement == "Old text"


def test_a_retired_partnership_names_no_agreement(two_pilots: Any) -> None:
    """Issue 16: a retired partnership's agreement covers no new disclosure."""
    t = two_pilots
    Partnership.objects.filter(name=FIRST_BY_NAME).update(retired_at=timezone.now())
    # Only the live partnership holds both: no longer ambiguous.
    assert agreement_for(t["provider"], t["advocacy"]) == (
        f"{SUBJECTS_OWN} information-sharing agreement"
    )
    assert agreement_for(t["aardvark_force"], t["advocacy"]) == NO_AGREEMENT
