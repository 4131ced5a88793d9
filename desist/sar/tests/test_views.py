"""The data owner's pages: log (with GOV.UK errors), run, download, release."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import zlib
from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.evaluation.tests import helpers
from desist.sar import services
from desist.sar.models import AccessRequest


def _tagged(pdf: bytes) -> bool:
    """A structure tree, and the file says it is marked: a screen reader can read it in order.
    WeasyPrint compresses objects, so deflated streams are read too."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue  # not deflated (an image, say)
    text = b"".join(parts)
    return b"/StructTreeRoot" in text and re.search(rb"/Marked\s+true", text) is not None


def test_empty_form_gives_govuk_errors(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[RoleCode.POLICE_SUPERVISOR])
    page = client.post(reverse("sar:new"), {})
    text = page.content.decode()
    assert page.status_code == 200
    assert "govuk-error-summary" in text
    for message in (
        "Select whose data is asked for",
        "Enter their ID in Desist",
        "Select who made the request",
        "Enter the date the request was received",
    ):
        assert message in text


def test_clinical_supervisor_is_offered_subjects_only(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    client.force_login(users[RoleCode.CLINICAL_SUPERVISOR])
    text = client.get(reverse("sar:new")).content.decode()
    assert 'value="subject"' in text and 'value="victim"' not in text


def test_log_run_download_release(
    client: Any, orgs: dict[str, Any], users: dict[RoleCode, Any]
) -> None:
    subject = helpers.make_subject(orgs["police_force"], first="Ambrose", last="Quennell")
    helpers.make_order(subject, made=dt.date(2025, 2, 1), full=True)
    client.force_login(users[RoleCode.POLICE_SUPERVISOR])
    received = timezone.localdate() - dt.timedelta(days=3)
    page = client.post(
        reverse("sar:new"),
        {
            "person_kind": "subject",
            "person_id": subject.pk,
            "requester": "person",
            "received_on": received.isoformat(),
        },
    )
    made = AccessRequest.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("sar:detail", args=[made.pk])
    assert client.get(reverse("sar:bundle_json", args=[made.pk])).status_code == 404
    assert client.post(reverse("sar:run", args=[made.pk])).status_code == 302
    detail = client.get(reverse("sar:detail", args=[made.pk])).content.decode()
    assert "Quennell" in detail and "Download the bundle (PDF)" in detail
    got = client.get(reverse("sar:bundle_json", args=[made.pk]))
    assert got["Content-Disposition"].startswith('attachment; filename="OFFICIAL-SENSITIVE_')
    assert json.loads(got.content)["record_count"] >= 2
    pdf = client.get(reverse("sar:bundle_pdf", args=[made.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert _tagged(pdf.content), "the bundle PDF has no structure tree (untagged)"
    today = timezone.localdate()
    release = {"released_on": today.isoformat(), "confirm": "on"}
    assert client.post(reverse("sar:release", args=[made.pk]), release).status_code == 302
    made.refresh_from_db()
    assert made.released_at is not None and made.released_on == today
    again = client.post(reverse("sar:release", args=[made.pk]), release)
    assert again.status_code == 400
    assert "This request has already been released" in again.content.decode()


def _tags(html: str) -> list[str]:
    return re.findall(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>', html)


def test_overdue_then_released_late_is_tagged_and_audited(
    client: Any, orgs: dict[str, Any], users: dict[RoleCode, Any]
) -> None:
    """Past the due date, a request is tagged "Overdue" on the list and its page; released
    after it, "Released late", and the release's audit row says by how many days."""
    subject = helpers.make_subject(orgs["police_force"], first="Ambrose", last="Quennell")
    actor = users[RoleCode.POLICE_SUPERVISOR]
    client.force_login(actor)
    late = services.access_request_log(
        actor=actor,
        person_kind="subject",
        person_id=subject.pk,
        requester="person",
        received_on=timezone.localdate() - dt.timedelta(days=45),
    )
    on_time = services.access_request_log(
        actor=actor,
        person_kind="subject",
        person_id=subject.pk,
        requester="person",
        received_on=timezone.localdate() - dt.timedelta(days=2),
    )
    days = (timezone.localdate() - late.due_on).days
    assert days > 0
    assert _tags(client.get(reverse("sar:list")).content.decode()) == ["Overdue"]
    assert _tags(client.get(reverse("sar:detail", args=[late.pk])).content.decode()) == ["Overdue"]
    assert _tags(client.get(reverse("sar:detail", args=[on_time.pk])).content.decode()) == []
    for made in (late, on_time):
        services.access_request_run(actor=actor, request=made)
        services.access_request_release(actor=actor, request=made)
    assert _tags(client.get(reverse("sar:list")).content.decode()) == ["Released late"]
    page = client.get(reverse("sar:detail", args=[late.pk])).content.decode()
    assert _tags(page) == ["Released late"] and f"{days} days after the due date" in page
    released = AuditEvent.objects.get(verb="sar.request_release", object_id=str(late.pk))
    assert released.new_values["days_late"] == days and released.new_values["on_time"] is False
    prompt = AuditEvent.objects.get(verb="sar.request_release", object_id=str(on_time.pk))
    assert prompt.new_values["days_late"] == 0 and prompt.new_values["on_time"] is True


def test_another_forces_subject_is_refused_on_the_page_as_if_unknown(
    client: Any, orgs: dict[str, Any], make_user: Any
) -> None:
    subject = helpers.make_subject(orgs["police_force"], first="Ambrose", last="Quennell")
    client.force_login(make_user(RoleCode.POLICE_SUPERVISOR, orgs["other_police_force"]))
    pages = [
        client.post(
            reverse("sar:new"),
            {
                "person_kind": "subject",
                "person_id": person_id,
                "requester": "person",
                "received_on": timezone.localdate().isoformat(),
            },
        )
        for person_id in (subject.pk, 999999)
    ]
    message = services.unknown_person_message("subject")
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200 and "govuk-error-summary" in text and message in text
        assert "Quennell" not in text
    assert not AccessRequest.objects.exists()


def test_release_asks_the_date_and_a_confirmation(
    client: Any, orgs: dict[str, Any], users: dict[RoleCode, Any]
) -> None:
    """Releasing cannot be undone, so it is not one click recording today: the data owner gives
    the day the bundle went (today or earlier, not before the request was received) and
    confirms; the audit row is written now with that day (tester finding). Seen red: a bare
    POST released the request, dated today."""
    supervisor = users[RoleCode.POLICE_SUPERVISOR]
    subject = helpers.make_subject(orgs["police_force"], first="Ambrose", last="Quennell")
    today = timezone.localdate()
    received = today - dt.timedelta(days=10)
    made = services.access_request_log(
        actor=supervisor,
        person_kind="subject",
        person_id=subject.pk,
        requester="person",
        received_on=received,
    )
    services.access_request_run(actor=supervisor, request=made)
    # Run five days ago: the bundle cannot have gone before that day.
    AccessRequest.objects.filter(pk=made.pk).update(run_at=timezone.now() - dt.timedelta(days=5))
    client.force_login(supervisor)
    url = reverse("sar:release", args=[made.pk])
    page = client.get(reverse("sar:detail", args=[made.pk])).content.decode()
    assert "Date the bundle was released to the person" in page and 'type="checkbox"' in page
    for data, message in (
        ({}, "Enter the date the bundle was released"),
        ({"released_on": "2026-02-31", "confirm": "on"}, "must be a real date"),
        ({"released_on": today.isoformat()}, "Confirm that you have checked and sent the bundle"),
        (
            {"released_on": (today + dt.timedelta(days=1)).isoformat(), "confirm": "on"},
            "must be today or in the past",
        ),
        (
            {"released_on": (received - dt.timedelta(days=1)).isoformat(), "confirm": "on"},
            "must be on or after the date the request was received",
        ),
        (
            {"released_on": (today - dt.timedelta(days=6)).isoformat(), "confirm": "on"},
            "must be on or after the day it was run",
        ),
    ):
        refused = client.post(url, data)
        body = html.unescape(refused.content.decode())
        assert refused.status_code == 400 and "There is a problem" in body, data
        assert message in body, (data, message)
        made.refresh_from_db()
        assert made.released_at is None, data
    went = today - dt.timedelta(days=3)
    done = client.post(url, {"released_on": went.isoformat(), "confirm": "on"})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.released_on == went and timezone.localdate(made.released_at) == today
    event = AuditEvent.objects.filter(verb="sar.request_release").latest("id")
    assert event.new_values["released_on"] == went.isoformat()
    assert timezone.localdate(event.occurred_at) == today  # audited as now
