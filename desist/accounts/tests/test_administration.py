"""Account administration (issue 16): invitations by real e-mail, joiner/mover/leaver, retired
organisations, access reviews, CSV import and export, escalation to the line manager."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.accounts import selectors
from desist.accounts.actions import imports, organisations, people, reviews
from desist.accounts.models import AccessReview, Invitation, User
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode as R
from desist.core.tests.exporting import csv_rows, download
from desist.sharing import recipients
from desist.sharing.tests.test_mail_fault import Inbox, free_port

BASE = "http://testserver"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def _joiner(org: Any, username: str = "new.practitioner", **kw: Any) -> people.Joiner:
    fields: dict[str, Any] = {
        "username": username,
        "email": f"{username}@example.org",
        "first_name": "Robin",
        "last_name": "Ashdown",
        "organisation": org,
        "roles": (R.PRACTITIONER,),
    }
    fields.update(kw)
    return people.Joiner(**fields)


def _link(inbox: Inbox) -> str:
    body = inbox.envelopes[-1].content.decode()
    found = re.search(r"http://testserver/accounts/invite/[^/\s]+/", body)
    assert found, body
    return found.group(0).removeprefix(BASE)


class Clock:
    def __init__(self) -> None:
        self.at = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    moved = Clock()
    monkeypatch.setattr(people, "now", moved)
    return moved


# --- invitations ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_invitation_by_real_email_is_single_use(
    client: Any, users: dict[R, Any], orgs: Any, smtp: Inbox, settings: Any
) -> None:
    settings.DESIST_REQUIRE_2FA = True
    admin = users[R.SYSTEM_ADMIN]
    user = people.user_invite(
        actor=admin, joiner=_joiner(orgs["provider"]), reason="New starter", link_base=BASE
    )
    assert not user.has_usable_password()
    assert smtp.envelopes[-1].rcpt_tos == ["new.practitioner@example.org"]
    link = _link(smtp)
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert client.get(link).status_code == 200
    response = client.post(
        link, {"password1": "a long new passphrase 42", "password2": "a long new passphrase 42"}
    )
    assert response.status_code == 302
    # Signed in, and sent to set up two-factor authentication before anything else.
    assert client.get(reverse("core:home"))["Location"].startswith(
        reverse("accounts:two_factor_setup")
    )
    user.refresh_from_db()
    assert user.check_password("a long new passphrase 42")
    # The link is spent: a second use is refused and changes nothing.
    client.logout()
    again = client.post(
        link, {"password1": "another passphrase 77", "password2": "another passphrase 77"}
    )
    assert again.status_code == 410  # Gone, with what to do next
    assert "Ask your organisation's Desist administrator" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password("a long new passphrase 42")
    verbs = set(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("verb", flat=True))
    assert {"account.invite", "account.invite_accept"} <= verbs


def test_invitation_expires_after_72_hours(users: dict[R, Any], orgs: Any, clock: Clock) -> None:
    admin = users[R.SYSTEM_ADMIN]
    people.user_invite(actor=admin, joiner=_joiner(orgs["provider"]), reason="x", link_base=BASE)
    invitation = Invitation.objects.get()
    token = "not-known"
    assert people.invitation_for_token(token) is None
    # The token itself is never stored, so make a fresh one whose hash we know.
    token = people._invitation_make(actor=admin, user=invitation.user)
    clock.at += dt.timedelta(hours=72) - dt.timedelta(seconds=1)
    assert people.invitation_for_token(token) is not None
    clock.at += dt.timedelta(seconds=1)
    assert people.invitation_for_token(token) is None
    with pytest.raises(ValidationError, match="expired or has already been used"):
        people.invitation_accept(token=token, password="a long new passphrase 42")


def test_a_new_invitation_withdraws_the_old_link(users: dict[R, Any], orgs: Any) -> None:
    admin = users[R.SYSTEM_ADMIN]
    user = people.user_invite(
        actor=admin, joiner=_joiner(orgs["provider"]), reason="x", link_base=BASE
    )
    first = people._invitation_make(actor=admin, user=user)
    second = people._invitation_make(actor=admin, user=user)
    assert people.invitation_for_token(first) is None
    assert people.invitation_for_token(second) is not None


def test_invite_errors_are_gov_uk_messages(users: dict[R, Any], orgs: Any) -> None:
    bad = _joiner(orgs["police_force"], username="Bad Name", email="nope", first_name="", roles=())
    with pytest.raises(ValidationError) as exc:
        people.user_invite(actor=users[R.SYSTEM_ADMIN], joiner=bad, reason="", link_base=BASE)
    errors = exc.value.message_dict
    assert errors["email"] == [
        "Enter an email address in the correct format, like name@example.org"
    ]
    assert errors["first_name"] == ["Enter a first name"]
    assert errors["roles"] == ["Select at least one role"]
    assert errors["reason"] == ["Enter a reason for this change"]
    assert "Username must only include" in errors["username"][0]


# --- who may administer whom ------------------------------------------------------------------


def test_organisation_admin_reaches_only_their_own_organisation(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    """An organisation administrator of one force (Surrey) gets 404 for another's (Sussex)
    accounts, on every page, and cannot invite into it."""
    surrey_admin = users[R.ORGANISATION_ADMIN]
    sussex_officer = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    surrey_officer = make_user(R.POLICE_OFFICER, organisation=surrey_admin.organisation)
    client.force_login(surrey_admin)
    for name in ("manage_detail", "move", "review", "resend"):
        assert client.get(reverse(f"accounts:{name}", args=[sussex_officer.pk])).status_code == 404
        assert client.get(reverse(f"accounts:{name}", args=[surrey_officer.pk])).status_code == 200
    listed = client.get(reverse("accounts:manage_list")).content.decode()
    assert surrey_officer.username in listed and sussex_officer.username not in listed
    with pytest.raises(ValidationError, match="cannot add people to this organisation"):
        people.user_invite(
            actor=surrey_admin,
            joiner=_joiner(orgs["other_police_force"], roles=(R.POLICE_OFFICER,)),
            reason="x",
            link_base=BASE,
        )
    # Nor make anyone a system administrator, nor touch a system administrator's account.
    with pytest.raises(ValidationError, match="cannot give the role system administrator"):
        people.user_invite(
            actor=surrey_admin,
            joiner=_joiner(surrey_admin.organisation, roles=(R.SYSTEM_ADMIN,)),
            reason="x",
            link_base=BASE,
        )
    sysadmin = users[R.SYSTEM_ADMIN]
    assert sysadmin.organisation_id == surrey_admin.organisation_id
    assert client.get(reverse("accounts:manage_detail", args=[sysadmin.pk])).status_code == 404
    # Organisations and partnerships are the system administrator's alone.
    assert client.get(reverse("accounts:organisations")).status_code == 403
    with pytest.raises(PermissionDenied):
        organisations.organisation_create(
            actor=surrey_admin, name="Surrey Police", kind="police_force", reason="x"
        )


def test_system_admin_reaches_every_organisation(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    other = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    client.force_login(users[R.SYSTEM_ADMIN])
    assert client.get(reverse("accounts:manage_detail", args=[other.pk])).status_code == 200


# --- joiner, mover, leaver ----------------------------------------------------------------------


def test_mover_changes_team_roles_and_line_manager_with_a_reason(
    users: dict[R, Any], make_user: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    officer = make_user(R.POLICE_OFFICER, organisation=admin.organisation)
    sergeant = make_user(R.POLICE_SUPERVISOR, organisation=admin.organisation)
    change = people.Move(
        organisation=admin.organisation,
        team="Stalking unit",
        roles=(R.POLICE_SUPERVISOR,),
        line_manager=sergeant,
    )
    with pytest.raises(ValidationError, match="Enter a reason"):
        people.user_move(actor=admin, user=officer, move=change, version=officer.version, reason="")
    moved = people.user_move(
        actor=admin, user=officer, move=change, version=officer.version, reason="Promoted"
    )
    assert (moved.team, moved.line_manager, moved.role_codes) == (
        "Stalking unit",
        sergeant,
        frozenset({R.POLICE_SUPERVISOR.value}),
    )
    event = AuditEvent.objects.get(verb="account.move")
    assert (event.actor_id, event.justification) == (admin.pk, "Promoted")
    assert event.old_values["roles"] == [R.POLICE_OFFICER.value]
    # A second edit from the same stale form is refused, not silently applied.
    from desist.core.concurrency import StaleRecordError

    with pytest.raises(StaleRecordError):
        people.user_move(
            actor=admin, user=officer, move=change, version=officer.version, reason="again"
        )


def test_leaver_loses_their_session_on_the_next_request(
    client: Any, users: dict[R, Any], make_user: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    leaver = make_user(R.POLICE_OFFICER, organisation=admin.organisation)
    client.post(
        reverse("accounts:login"),
        {"username": leaver.username, "password": "correct-horse-battery-staple"},
    )
    assert client.get(reverse("core:home")).status_code == 200
    from desist.accounts.services import user_disable

    user_disable(actor=admin, user=leaver, reason="Left the force")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_retired_organisation_loses_access_at_once_and_keeps_its_records(
    client: Any, users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    officer = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    client.force_login(officer)
    assert client.get(reverse("core:home")).status_code == 200
    org = orgs["other_police_force"]
    organisations.organisation_retire(
        actor=users[R.SYSTEM_ADMIN], organisation=org, version=org.version, reason="Merged"
    )
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # The records stay: the organisation and its people, still linked.
    officer.refresh_from_db()
    assert officer.organisation_id == org.pk
    # Even a session opened some other way is refused on its next request.
    client.force_login(officer)
    assert client.get(reverse("core:home"))["Location"].startswith("/accounts/login/")
    assert not people.invitation_for_token("anything")


def test_retired_partnership_no_longer_links_forces(
    users: dict[R, Any], orgs: Any, make_user: Any
) -> None:
    from desist import policy

    admin = users[R.SYSTEM_ADMIN]
    overseer = users[R.OVERSEER]
    made = organisations.partnership_create(
        actor=admin,
        name="Pilot",
        organisations=[overseer.organisation, orgs["police_force"]],
        reason="Pilot starts",
    )
    assert policy.partnership_force_ids(overseer) == [orgs["police_force"].pk]
    organisations.partnership_retire(
        actor=admin, partnership=made, version=made.version, reason="Pilot ended"
    )
    assert policy.partnership_force_ids(overseer) == []


# --- access reviews ---------------------------------------------------------------------------


def test_access_review_confirms_or_removes_roles_and_clears_the_flag(
    users: dict[R, Any], make_user: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    person = make_user(R.POLICE_SUPERVISOR, organisation=admin.organisation)
    old = timezone.now() - dt.timedelta(days=selectors.REVIEW_DAYS + 1)
    User.objects.filter(pk=person.pk).update(date_joined=old)
    assert person in selectors.user_reviews_due_for(actor=admin)
    org_id = admin.organisation_id
    counts = selectors.unreviewed_accounts_by_organisation(organisation_ids=[org_id])
    assert counts["due"] >= 1 and counts["rows"][0]["never"] >= 1
    reviews.access_review_record(
        actor=admin, user=person, keep=[R.POLICE_SUPERVISOR], version=person.version, reason=""
    )
    assert person not in selectors.user_reviews_due_for(actor=admin)
    with pytest.raises(ValidationError, match="Enter why roles are being removed"):
        reviews.access_review_record(
            actor=admin, user=person, keep=[], version=person.version, reason=""
        )
    reviews.access_review_record(
        actor=admin, user=person, keep=[], version=person.version, reason="Moved to HR"
    )
    person = User.objects.get(pk=person.pk)
    assert person.role_codes == frozenset()
    assert list(AccessReview.objects.filter(user=person).values_list("outcome", flat=True)) == [
        "removed",
        "confirmed",
    ]


# --- bulk import and export ---------------------------------------------------------------------


def _csv(*rows: str) -> str:
    return "username,email,first_name,last_name,organisation,roles,team,line_manager\n" + "\n".join(
        rows
    )


def test_import_reports_every_bad_row_and_imports_nothing(users: dict[R, Any], orgs: Any) -> None:
    admin = users[R.SYSTEM_ADMIN]
    code = orgs["provider"].code
    text = _csv(
        f"ok.one,ok.one@example.org,Sam,Lee,{code},Practitioner,,",
        f"bad.two,not-an-email,Jo,Kay,{code},practitioner,,",
        f"bad.three,b3@example.org,Al,Day,{code},Police officer,,",
        "ok.one,dup@example.org,Sam,Lee,nowhere,wizard,,nobody",
    )
    result = imports.users_import(actor=admin, text=text, reason="Cohort", link_base=BASE)
    assert "Row 3: Enter an email address in the correct format, like name@example.org" in (
        result.errors
    )
    assert "Row 4: A police officer cannot belong to an intervention provider" in result.errors
    assert any(e.startswith("Row 5: The username ok.one is also on row 2") for e in result.errors)
    assert "Row 5: There is no organisation with the code nowhere" in result.errors
    assert "Row 5: There is no role called wizard" in result.errors
    assert not User.objects.filter(username="ok.one").exists()


def test_one_email_address_is_one_account(users: dict[R, Any], orgs: Any) -> None:
    """Password reset and single sign-on find a person by e-mail (tester finding)."""
    admin = users[R.SYSTEM_ADMIN]
    code = orgs["provider"].code
    existing = users[R.PRACTITIONER]
    existing.email = taken = "kim.kent@example.org"
    existing.save(update_fields=["email"])
    text = _csv(
        f"dup.one,dup@example.org,Sam,Lee,{code},Practitioner,,",
        f"dup.two,DUP@example.org,Jo,Kay,{code},Practitioner,,",
        f"dup.three,{taken.upper()},Al,Day,{code},Practitioner,,",
    )
    result = imports.users_import(actor=admin, text=text, reason="Cohort", link_base=BASE)
    assert "Row 3: The email address dup@example.org is also on row 2" in result.errors
    assert "Row 4: There is already an account with this email address" in result.errors
    assert not User.objects.filter(username__startswith="dup.").exists()


def test_user_create_refuses_an_address_another_account_has(users: dict[R, Any], orgs: Any) -> None:
    """Every way of making an account (single sign-on's just-in-time creation, the seeder)
    goes through user_create: it refuses an address in use in any case, and the database's
    unique index on the lower-cased address refuses what gets past it."""
    from django.db import IntegrityError, transaction

    from desist.accounts.services import user_create

    existing = users[R.PRACTITIONER]
    User.objects.filter(pk=existing.pk).update(email="Kim.Kent@example.org")
    with pytest.raises(ValidationError) as refused:
        user_create(
            actor=None,
            username="kim2",
            organisation=orgs["police_force"],
            roles=[R.POLICE_OFFICER],
            password=None,
            email=" kim.kent@EXAMPLE.org ",
        )
    assert refused.value.message_dict == {
        "email": ["There is already an account with this email address"]
    }
    assert not User.objects.filter(username="kim2").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=users[R.POLICE_OFFICER].pk).update(email="KIM.KENT@example.org")
    # Accounts without an address are many.
    assert User.objects.filter(email="").count() > 1


def test_import_cannot_probe_another_organisations_staff(
    users: dict[R, Any], orgs: Any, make_user: Any
) -> None:
    """Review minor 7: a line manager is looked up only in the importer's organisations, and
    someone elsewhere gets the same answer as nobody at all."""
    admin = users[R.ORGANISATION_ADMIN]
    make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"], username="far.away")
    code = admin.organisation.code
    text = _csv(
        f"new.one,new.one@example.org,Sam,Lee,{code},Police officer,,far.away",
        f"new.two,new.two@example.org,Jo,Kay,{code},Police officer,,no.such.person",
    )
    result = imports.users_import(actor=admin, text=text, reason="Cohort", link_base=BASE)
    assert result.errors == [
        f"Row {n}: There is no account called {name} in your organisation to be the line manager"
        for n, name in ((2, "far.away"), (3, "no.such.person"))
    ]


def test_import_invites_every_row_of_a_clean_file(users: dict[R, Any], orgs: Any) -> None:
    admin = users[R.SYSTEM_ADMIN]
    code = orgs["provider"].code
    text = _csv(
        f"ok.one,ok.one@example.org,Sam,Lee,{code},Practitioner,North,",
        f"ok.two,ok.two@example.org,Jo,Kay,{code},practitioner;clinical_supervisor,,ok.one",
    )
    # A line manager must already have an account: a later row cannot be named.
    result = imports.users_import(actor=admin, text=text, reason="Cohort", link_base=BASE)
    assert result.errors == [
        "Row 3: There is no account called ok.one in your organisation to be the line manager"
    ]
    text = _csv(
        f"ok.one,ok.one@example.org,Sam,Lee,{code},Practitioner,North,",
        f"ok.two,ok.two@example.org,Jo,Kay,{code},practitioner;clinical_supervisor,,",
    )
    result = imports.users_import(actor=admin, text=text, reason="Cohort", link_base=BASE)
    assert result.errors == [] and len(result.invited) == 2
    assert result.sent_message == "2 invitations sent"
    one = _csv(f"ok.three,ok.three@example.org,Al,Fox,{code},Practitioner,North,")
    result = imports.users_import(actor=admin, text=one, reason="Cohort", link_base=BASE)
    assert result.sent_message == "1 invitation sent"  # not "1 invitations"
    assert User.objects.get(username="ok.two").role_codes == {"practitioner", "clinical_supervisor"}


def test_export_escapes_formulas_and_shows_last_sign_in(
    client: Any, users: dict[R, Any], make_user: Any
) -> None:
    admin = users[R.ORGANISATION_ADMIN]
    planted = make_user(R.POLICE_OFFICER, organisation=admin.organisation)
    signed_in = dt.datetime(2026, 3, 4, 10, 15, tzinfo=dt.UTC)
    User.objects.filter(pk=planted.pk).update(
        first_name='=HYPERLINK("http://ev.il")', team="@SUM(1+1)", last_login=signed_in
    )
    client.force_login(admin)
    response = download(client, reverse("accounts:export"))
    rows = csv_rows(response)
    row = next(r for r in rows if r[0] == planted.username)
    assert row[1].startswith("'=HYPERLINK") and row[4] == "'@SUM(1+1)"
    assert row[8]  # last sign-in
    assert not [c for r in rows for c in r if c.startswith(("=", "+", "@"))]
    assert AuditEvent.objects.filter(verb="account.export", category="disclosure").exists()
    from django.utils.dateformat import format as date_format

    listing = client.get(reverse("accounts:manage_list")).content.decode()
    shown = date_format(timezone.localtime(signed_in), "j F Y, H:i")
    in_row = "(?:(?!</tr>).)*?"  # within the person's own table row
    assert re.search(rf">{re.escape(planted.username)}<{in_row}>{shown}<", listing, re.S)
    never = users[R.POLICE_SUPERVISOR]  # same organisation, never signed in
    assert re.search(rf">{re.escape(never.username)}<{in_row}>Never<", listing, re.S)


# --- escalation ---------------------------------------------------------------------------------


def test_escalation_goes_to_the_line_manager_first(users: dict[R, Any], make_user: Any) -> None:
    officer = users[R.POLICE_OFFICER]
    manager = make_user(R.POLICE_OFFICER, organisation=officer.organisation)
    assert recipients.managers_of(officer) == [users[R.POLICE_SUPERVISOR]]
    User.objects.filter(pk=officer.pk).update(line_manager=manager)
    officer.refresh_from_db()
    assert recipients.managers_of(officer) == [manager]
    User.objects.filter(pk=manager.pk).update(is_active=False)
    officer.refresh_from_db()
    assert recipients.managers_of(officer) == [users[R.POLICE_SUPERVISOR]]


def test_no_alert_goes_to_the_people_of_a_retired_organisation(
    users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    """Review major 5: recipients were filtered on is_active only."""
    from desist.core.models import Organisation
    from desist.people.tests.factories import make_subject

    officer = users[R.POLICE_OFFICER]
    subject = make_subject(officer)
    assert recipients.police_for_subject(subject, include_supervisors=True)
    # A line manager of another organisation (a stale row) is passed over for the supervisors,
    # retired or not (the move now unlinks such pairs; escalation never relies on that).
    elsewhere = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    User.objects.filter(pk=officer.pk).update(line_manager=elsewhere)
    officer.refresh_from_db()
    assert recipients.managers_of(officer) == [users[R.POLICE_SUPERVISOR]]
    retired = timezone.now()
    Organisation.objects.filter(pk=orgs["other_police_force"].pk).update(retired_at=retired)
    officer = User.objects.get(pk=officer.pk)
    assert recipients.managers_of(officer) == [users[R.POLICE_SUPERVISOR]]
    # The subject's own force retired: nobody there receives its alerts.
    Organisation.objects.filter(pk=officer.organisation_id).update(retired_at=retired)
    subject.refresh_from_db()
    assert recipients.police_for_subject(subject, include_supervisors=True) == []
    assert recipients.managers_of(User.objects.get(pk=officer.pk)) == []


def test_oversight_dashboard_flags_unreviewed_accounts(
    client: Any, users: dict[R, Any], orgs: Any
) -> None:
    admin, overseer = users[R.SYSTEM_ADMIN], users[R.OVERSEER]
    organisations.partnership_create(
        actor=admin,
        name="Pilot",
        organisations=[overseer.organisation, orgs["police_force"]],
        reason="Pilot starts",
    )
    old = timezone.now() - dt.timedelta(days=selectors.REVIEW_DAYS + 1)
    User.objects.filter(organisation=orgs["police_force"]).update(date_joined=old)
    client.force_login(overseer)
    page = client.get(reverse("evaluation:oversight")).content.decode()
    assert f"{orgs['police_force'].name}: " in page and "never reviewed" in page


def test_invitation_links_use_the_configured_address_not_the_request_host(
    settings: Any, rf: Any
) -> None:
    """Review minor 8: as alert e-mails do (a forged Host must not choose where links point)."""
    from desist.accounts.admin_views import _link_base

    request = rf.get("/accounts/manage/invite/", HTTP_HOST="testserver")
    settings.DESIST_BASE_URL = "https://desist.example.gov.uk/"
    assert _link_base(request) == "https://desist.example.gov.uk"
    settings.DESIST_BASE_URL = ""
    assert _link_base(request) == "http://testserver"


def test_an_sso_only_account_is_not_offered_an_invitation(
    client: Any, users: dict[R, Any], make_user: Any
) -> None:
    """Review minor 11: no local password for someone who signs in through their provider."""
    from desist.accounts.sso_models import ExternalIdentity

    admin = users[R.ORGANISATION_ADMIN]
    person = make_user(R.POLICE_OFFICER, organisation=admin.organisation)
    person.set_unusable_password()
    person.save()
    ExternalIdentity.objects.create(user=person, issuer="https://idp.example", subject="p-1")
    client.force_login(admin)
    page = client.get(reverse("accounts:manage_detail", args=[person.pk])).content.decode()
    assert "Send again" not in page
    with pytest.raises(ValidationError) as refused:
        people.invitation_resend(actor=admin, user=person, reason="Lost it", link_base=BASE)
    assert "signs in with their organisation" in str(refused.value)
    assert not Invitation.objects.filter(user=person).exists()
