"""Tester findings on account administration (issue 16): what an administrator is shown must
match what the account can really do."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.accounts import selectors, services
from desist.accounts.actions import organisations, people, reviews
from desist.accounts.models import AccessReview, Invitation, User
from desist.accounts.tests.test_two_factor import _enrol
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode as R
from desist.core.tests.exporting import csv_rows, download


def _export(client: Any) -> dict[str, list[str]]:
    rows = csv_rows(download(client, reverse("accounts:export")))
    status = rows[0].index("status")
    return {r[0]: r for r in rows[1:]} | {"__status__": [str(status)]}


def test_a_retired_organisations_people_are_not_shown_active(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    org = orgs["other_police_force"]
    officer = make_user(R.POLICE_OFFICER, organisation=org)
    organisations.organisation_retire(
        actor=admin, organisation=org, version=org.version, reason="Merged"
    )
    client.force_login(admin)
    listing = client.get(reverse("accounts:manage_list")).content.decode()
    row = listing[listing.index(f">{officer.username}</a>") :]
    row = row[: row.index("</tr>")]
    assert "Organisation retired" in row and "Active" not in row
    detail = client.get(reverse("accounts:manage_detail", args=[officer.pk])).content.decode()
    status = detail[detail.index(">Status</dt>") :]
    status = status[: status.index("</div>")]
    assert "Organisation retired" in status and "Active" not in status
    exported = _export(client)
    column = int(exported["__status__"][0])
    assert exported[officer.username][column] == selectors.AccountStatus.ORGANISATION_RETIRED
    # Someone in a live organisation is still active, the same on all three.
    live = users[R.POLICE_OFFICER]
    assert exported[live.username][column] == "Active"


def test_two_factor_reset_is_not_offered_or_done_without_a_second_factor(
    client: Any, users: dict[R, Any]
) -> None:
    admin, person = users[R.SYSTEM_ADMIN], users[R.POLICE_OFFICER]
    assert not services.has_second_factor(person)
    url = reverse("accounts:manage_two_factor_reset", args=[person.pk])
    client.force_login(admin)
    detail = client.get(reverse("accounts:manage_detail", args=[person.pk])).content.decode()
    assert "Not set up" in detail and url not in detail
    session = client.session
    session["desist_password_confirmed_at"] = timezone.now().timestamp()
    session.save()
    refused = client.post(url, {"reason": "Phone lost"})
    assert refused.status_code == 409
    assert "nothing to reset" in refused.content.decode()
    with pytest.raises(ValidationError, match="nothing to reset"):
        services.two_factor_reset(actor=admin, user=person, reason="Phone lost")
    assert not AuditEvent.objects.filter(verb="account.2fa_reset").exists()
    # With a factor set up, the action is offered again.
    _enrol(person)
    detail = client.get(reverse("accounts:manage_detail", args=[person.pk])).content.decode()
    assert url in detail


def test_a_dead_invitation_link_answers_gone_with_what_to_do(
    client: Any, users: dict[R, Any], orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    joiner = people.Joiner(
        username="late.joiner",
        email="late.joiner@example.org",
        first_name="Sam",
        last_name="Wetherby",
        organisation=orgs["provider"],
        roles=(R.PRACTITIONER,),
    )
    user = people.user_invite(actor=admin, joiner=joiner, reason="x", link_base="http://t")
    withdrawn = people._invitation_make(actor=admin, user=user)
    live = people._invitation_make(actor=admin, user=user)  # withdraws the first
    assert client.get(reverse("accounts:invite_accept", args=[live])).status_code == 200
    Invitation.objects.filter(user=user, used_at__isnull=True, withdrawn_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    for token in (withdrawn, live, "never-issued"):  # withdrawn, expired, unknown
        for method in ("get", "post"):
            response = getattr(client, method)(reverse("accounts:invite_accept", args=[token]))
            assert response.status_code == 410, (token, method)
            page = response.content.decode()
            assert "This invitation link no longer works" in page
            assert "send you a new invitation" in page


@pytest.mark.parametrize("code", ["no-such-organisation", "police-without-sso"])
def test_an_address_for_single_sign_on_that_is_not_set_up_says_so(
    client: Any, orgs: Any, code: str
) -> None:
    if code == "police-without-sso":
        code = orgs["police_force"].code  # a real organisation, no single sign-on
    for name in ("accounts:sso_start", "accounts:sso_callback"):
        response = client.get(reverse(name, args=[code]))
        assert response.status_code == 404, name
        page = response.content.decode()
        assert "Single sign-on is not set up for this organisation" in page
        assert f'href="{reverse("accounts:login")}"' in page


def test_the_invite_form_offers_only_the_joined_organisations_staff_as_line_manager(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    provider_manager = users[R.CLINICAL_SUPERVISOR]
    police_manager = users[R.POLICE_SUPERVISOR]
    client.force_login(admin)
    url = reverse("accounts:invite")
    # An administrator of several organisations chooses the organisation first.
    first = client.get(url).content.decode()
    assert "Which organisation is the person joining?" in first
    assert police_manager.username not in first and provider_manager.username not in first
    unchosen = client.get(url, {"organisation": ""}).content.decode()
    assert "Choose the organisation the person is joining" in unchosen
    page = client.get(url, {"organisation": orgs["provider"].pk}).content.decode()
    assert f"({provider_manager.username}," in page
    assert f"({police_manager.username}," not in page
    # A line manager from elsewhere, posted anyway, is refused with a GOV.UK message.
    posted = client.post(
        url,
        {
            "first_name": "Robin",
            "last_name": "Ashdown",
            "email": "robin.ashdown@example.org",
            "username": "robin.ashdown",
            "organisation": orgs["provider"].pk,
            "roles": [R.PRACTITIONER.value],
            "line_manager": police_manager.pk,
            "reason": "New practitioner",
        },
    )
    assert posted.status_code == 200
    body = posted.content.decode()
    assert "There is a problem" in body
    assert "Choose a line manager who works in the person&#x27;s organisation" in body
    assert not User.objects.filter(username="robin.ashdown").exists()
    # And the command refuses it whatever the form does.
    joiner = people.Joiner(
        username="robin.ashdown",
        email="robin.ashdown@example.org",
        first_name="Robin",
        last_name="Ashdown",
        organisation=orgs["provider"],
        roles=(R.PRACTITIONER,),
        line_manager=police_manager,
    )
    with pytest.raises(ValidationError, match="same organisation"):
        people.user_invite(actor=admin, joiner=joiner, reason="x", link_base="http://t")


def test_an_organisation_administrator_goes_straight_to_the_invite_form(
    client: Any, users: dict[R, Any]
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    client.force_login(admin)
    page = client.get(reverse("accounts:invite")).content.decode()
    assert "Send invitation" in page and admin.organisation.name in page
    assert f"({users[R.POLICE_SUPERVISOR].username}," in page
    assert f"({users[R.CLINICAL_SUPERVISOR].username}," not in page


def test_oversight_dashboard_counts_never_reviewed_accounts_as_unreviewed(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    admin, overseer = users[R.SYSTEM_ADMIN], users[R.OVERSEER]
    organisations.partnership_create(
        actor=admin,
        name="Pilot",
        organisations=[overseer.organisation, orgs["police_force"]],
        reason="Pilot starts",
    )
    in_reach = [overseer.organisation_id, orgs["police_force"].pk]
    # Fresh accounts, none ever reviewed: every one of them is unreviewed.
    counts = selectors.unreviewed_accounts_by_organisation(organisation_ids=in_reach)
    assert counts["accounts"] > 0 and counts["due"] == counts["accounts"]
    client.force_login(overseer)
    page = client.get(reverse("evaluation:oversight")).content.decode()
    assert "Every account has been reviewed" not in page
    assert "been reviewed in the last" not in page
    assert f"{orgs['police_force'].name}: " in page and "never reviewed" in page
    # Review every one of them: then, and only then, all are reviewed.
    reviewer = users[R.SYSTEM_ADMIN]
    for person in User.objects.filter(organisation_id__in=in_reach, is_active=True):
        if person.role_codes and person != reviewer:
            reviews.access_review_record(
                actor=reviewer,
                user=person,
                keep=[R(c) for c in person.role_codes],
                version=person.version,
                reason="",
            )
    if reviewer.organisation_id in in_reach:  # nobody reviews their own account
        second = make_user(R.SYSTEM_ADMIN, organisation=orgs["other_police_force"])
        reviews.access_review_record(
            actor=second,
            user=reviewer,
            keep=[R(c) for c in reviewer.role_codes],
            version=reviewer.version,
            reason="",
        )
    counts = selectors.unreviewed_accounts_by_organisation(organisation_ids=in_reach)
    assert counts["due"] == 0, counts
    page = client.get(reverse("evaluation:oversight")).content.decode()
    assert f"All {counts['accounts']} accounts with a role have been reviewed" in page
    # A review older than 90 days is overdue again.
    old = timezone.now() - dt.timedelta(days=selectors.REVIEW_DAYS + 1)
    AccessReview.objects.filter(user=users[R.POLICE_OFFICER]).update(reviewed_at=old)
    counts = selectors.unreviewed_accounts_by_organisation(organisation_ids=in_reach)
    assert counts["due"] == 1 and counts["rows"][0]["overdue"] == 1


def test_a_review_opened_before_a_move_cannot_remove_the_role_the_move_granted(
    client: Any, users: dict[R, Any], make_user: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    person = make_user(R.POLICE_OFFICER, organisation=admin.organisation)
    client.force_login(admin)
    url = reverse("accounts:review", args=[person.pk])
    opened = client.get(url).content.decode()
    assert f'name="version" value="{person.version}"' in opened
    # Meanwhile another administrator promotes the person.
    people.user_move(
        actor=users[R.SYSTEM_ADMIN],
        user=person,
        move=people.Move(
            organisation=person.organisation,
            team="",
            roles=(R.POLICE_OFFICER, R.POLICE_SUPERVISOR),
            line_manager=None,
        ),
        version=person.version,
        reason="Promoted",
    )
    # The review, from the page opened before, unticks nothing it did not see: it would
    # otherwise set the roles back to the officer role alone.
    posted = client.post(
        url, {"keep": [R.POLICE_OFFICER.value], "version": person.version, "reason": "Checked"}
    )
    assert posted.status_code == 200
    body = posted.content.decode()
    assert "There is a problem" in body
    assert (
        "Someone else changed this person&#x27;s roles while you were reviewing them. "
        "Check the roles and confirm again." in body
    )
    person.refresh_from_db()
    assert person.role_codes == frozenset({R.POLICE_OFFICER.value, R.POLICE_SUPERVISOR.value})
    assert not AccessReview.objects.filter(user=person).exists()
    # The page now offers the roles as they are, against the new version: confirming works.
    assert f'name="version" value="{person.version}"' in body
    assert f'value="{R.POLICE_SUPERVISOR.value}"' in body
    again = client.post(
        url,
        {
            "keep": [R.POLICE_OFFICER.value, R.POLICE_SUPERVISOR.value],
            "version": person.version,
            "reason": "",
        },
    )
    assert again.status_code == 302
    assert AccessReview.objects.get(user=person).outcome == "confirmed"


def test_the_move_form_offers_only_the_staff_of_the_organisation_moved_to_as_line_manager(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    provider_manager = users[R.CLINICAL_SUPERVISOR]
    police_manager = users[R.POLICE_SUPERVISOR]
    person = make_user(R.POLICE_OFFICER, organisation=police_manager.organisation)
    client.force_login(admin)
    url = reverse("accounts:move", args=[person.pk])
    # By default the person stays: their own organisation's staff are offered.
    page = client.get(url).content.decode()
    assert f"({police_manager.username}," in page
    assert f"({provider_manager.username}," not in page
    # An administrator of several organisations may choose another one first.
    chooser = client.get(url, {"choose": "1"}).content.decode()
    assert "Which organisation is the person moving to?" in chooser
    assert police_manager.username not in chooser
    unchosen = client.get(url, {"organisation": ""}).content.decode()
    assert "Choose the organisation the person is moving to" in unchosen
    page = client.get(url, {"organisation": orgs["provider"].pk}).content.decode()
    assert f"({provider_manager.username}," in page
    assert f"({police_manager.username}," not in page
    # A line manager from elsewhere, posted anyway, is refused with a GOV.UK message.
    posted = client.post(
        url,
        {
            "organisation": orgs["provider"].pk,
            "team": "",
            "roles": [R.PRACTITIONER.value],
            "line_manager": police_manager.pk,
            "version": person.version,
            "reason": "Seconded to the provider",
        },
    )
    assert posted.status_code == 200
    body = posted.content.decode()
    assert "There is a problem" in body
    assert "Choose a line manager who works in the person&#x27;s organisation" in body
    person.refresh_from_db()
    assert person.organisation == police_manager.organisation and person.line_manager is None
    # With a line manager of the organisation moved to, the move is made.
    moved = client.post(
        url,
        {
            "organisation": orgs["provider"].pk,
            "team": "",
            "roles": [R.PRACTITIONER.value],
            "line_manager": provider_manager.pk,
            "version": person.version,
            "reason": "Seconded to the provider",
        },
    )
    assert moved.status_code == 302
    person.refresh_from_db()
    assert (person.organisation, person.line_manager) == (orgs["provider"], provider_manager)


def test_moving_a_line_manager_to_another_organisation_unlinks_the_reports_left_behind(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    from desist.sharing.recipients import managers_of

    admin = users[R.SYSTEM_ADMIN]
    manager = users[R.POLICE_SUPERVISOR]
    force = manager.organisation
    report = make_user(R.POLICE_OFFICER, organisation=force)
    report.line_manager = manager
    report.save(update_fields=["line_manager"])
    client.force_login(admin)
    response = client.post(
        reverse("accounts:move", args=[manager.pk]) + f"?organisation={orgs['provider'].pk}",
        {
            "organisation": orgs["provider"].pk,
            "team": "",
            "roles": [R.CLINICAL_SUPERVISOR.value],
            "line_manager": "",
            "version": manager.version,
            "reason": "Seconded to the provider",
        },
        follow=True,
    )
    manager.refresh_from_db()
    assert manager.organisation == orgs["provider"]
    report.refresh_from_db()
    assert report.line_manager is None
    assert f"1 person no longer has a line manager: {report.display_name()}" in (
        response.content.decode()
    )
    event = AuditEvent.objects.get(verb="account.line_manager_cleared")
    assert (event.actor_id, event.object_id) == (admin.pk, str(report.pk))
    assert event.old_values == {"line_manager": manager.pk}
    # Escalation never picks a line manager of another organisation, even from a stale row.
    User.objects.filter(pk=report.pk).update(line_manager=manager)
    report.refresh_from_db()
    assert manager not in managers_of(report)


def test_an_organisations_kind_cannot_be_changed_on_the_edit_page(
    client: Any, users: dict[R, Any], orgs: Any
) -> None:
    """A police force made an intervention provider would keep its police officers (the role
    rules are checked when roles are given): the kind is fixed at creation, a posted one is
    ignored."""
    force = orgs["police_force"]
    client.force_login(users[R.SYSTEM_ADMIN])
    url = reverse("accounts:organisation_edit", args=[force.pk])
    assert 'name="kind"' in client.get(url).content.decode()  # shown, disabled
    response = client.post(
        url,
        {"name": "Renamed Constabulary", "kind": "provider", "version": force.version,
         "reason": "Renamed"},
    )  # fmt: skip
    assert response.status_code == 302
    force.refresh_from_db()
    assert (force.name, force.kind) == ("Renamed Constabulary", "police_force")
    event = AuditEvent.objects.get(verb="organisation.edit", object_id=str(force.pk))
    assert "kind" not in event.new_values
