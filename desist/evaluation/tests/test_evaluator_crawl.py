"""Done-when for issue 6: an evaluator never sees a subject's or a victim's name.

A seeded partnership, subjects and victims with distinctive names, casework that the police
record and view (so the audit log is full of it), an evaluation report generated. Then the
overseer (the evaluator) signs in and follows every internal link from the home page, every
page and every download reachable, and no subject or victim name appears anywhere: not in
HTML, not in CSV, not in the HTML the PDF is made from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from typing import Any
from unittest import mock
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.cases.services import case_create
from desist.core.models import Organisation
from desist.core.tests.exporting import answer, asks_purpose
from desist.evaluation.tests import helpers
from desist.people.models import InterventionDecision
from desist.safeguarding.services import victim_create

TODAY = timezone.localdate()
D = dt.timedelta

SUBJECT_NAMES = [
    ("Barnaby", "Quillfeather"),
    ("Ottoline", "Vandersnatch"),
    ("Cuthbert", "Ashdown-Grimsby"),
    ("Leopold", "Marchbanks"),
    ("Ignatius", "Fairweather-Drake"),
    ("Horatio", "Blackwood"),
]
VICTIM_NAMES = [
    ("Philippa", "Quartermaine"),
    ("Seraphina", "Holloway-Pike"),
    ("Clementine", "Ravensworth"),
]
ALL_NAMES = {w for pair in SUBJECT_NAMES + VICTIM_NAMES for w in pair}

HREF = re.compile(r'(?:href|hx-get)="([^"]+)"')
MAX_PAGES = 400
# Links the crawl does not follow: signing out ends the session it is crawling with.
SKIP = ("/accounts/logout/",)


def _build(officer: Any, force: Organisation) -> None:
    for i, (first, last) in enumerate(SUBJECT_NAMES):
        s = helpers.make_subject(force, first=first, last=last)
        case = case_create(
            actor=officer,
            subject=s,
            crime_reference=f"47/{1000 + i}/24",
            relationship="ex_intimate" if i % 2 else "acquaintance",
            opened_on=TODAY - D(800),
        )
        if i < len(VICTIM_NAMES):
            victim_create(
                actor=officer,
                case=case,
                first_names=VICTIM_NAMES[i][0],
                last_name=VICTIM_NAMES[i][1],
            )
        order = helpers.make_order(s, made=TODAY - D(700 + i), served=TODAY - D(698 + i))
        decision = (
            InterventionDecision.Decision.PUT_FORWARD
            if i % 2
            else InterventionDecision.Decision.NOT_SUITABLE
        )
        helpers.decide(s, decision, TODAY - D(690), officer)
        helpers.offence(s, on=TODAY - D(300 + i), proven=TODAY - D(200), stalking=True)
        helpers.breach(order, on=TODAY - D(400))
        helpers.late_notification(order, due=TODAY - D(695), received=None)


def _police_activity(officer: Any, subjects: list[Any]) -> None:
    """The police look at their records, as in real work: consultation events in the log."""
    police = Client()
    police.force_login(officer)
    for s in subjects:
        assert police.get(reverse("people:detail", args=[s.pk])).status_code == 200
        assert police.get(reverse("evaluation:outcomes", args=[s.pk])).status_code == 200


def _leaks(text: str) -> list[str]:
    return sorted(n for n in ALL_NAMES if n.lower() in text.lower())


def _crawl(client: Client, start: list[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue: deque[str] = deque(start)
    pdf_html: list[str] = []

    class FakeHTML:
        def __init__(self, string: str, **_: Any) -> None:
            pdf_html.append(string)

        def write_pdf(self) -> bytes:
            return b"%PDF-1.7 fake"

    with mock.patch("weasyprint.HTML", FakeHTML):
        while queue and len(seen) < MAX_PAGES:
            url = queue.popleft()
            if url in seen:
                continue
            response = client.get(url)
            seen[url] = response.status_code
            if response.status_code in (301, 302):
                target = urljoin(url, response["Location"])
                if urlsplit(target).path.startswith("/accounts/login"):
                    pytest.fail(f"crawl was signed out at {url}")
                queue.append(target)
                continue
            if response.status_code == 200 and asks_purpose(response):
                # A download asks its purpose first: answered as a user does, the file checked.
                download = answer(client, url, response)
                assert download.status_code == 200, url
                body = b"".join(download) if download.streaming else download.content
                assert not _leaks(body.decode("utf-8", errors="replace")), f"{url} file leaks"
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", errors="replace")
            leaks = _leaks(text)
            assert not leaks, f"{url} shows {leaks}"
            for html in pdf_html:
                assert not _leaks(html), f"the PDF from {url} shows {_leaks(html)}"
            pdf_html.clear()
            if "html" not in response.get("Content-Type", ""):
                continue
            for href in HREF.findall(text):
                href = href.replace("&amp;", "&")
                parts = urlsplit(urljoin(url, href))
                if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                    continue
                if parts.path.startswith(("/static/", "/assets/") + SKIP):
                    continue
                link = parts.path + (f"?{parts.query}" if parts.query else "")
                if link not in seen:
                    queue.append(link)
    return seen


@pytest.mark.django_db
def test_evaluator_sees_no_names_anywhere() -> None:
    from desist.demo.seed import seed

    seed(volume=False)
    force = Organisation.objects.get(code="sussex-police")
    officer = User.objects.get(username="police.sussex")
    _build(officer, force)
    from desist.people.models import Subject

    subjects = list(Subject.objects.filter(force=force).order_by("pk"))
    _police_activity(officer, subjects)

    evaluator = User.objects.get(username="evaluator")
    client = Client()
    client.force_login(evaluator)
    # Generate a report, so the run page and its downloads are reachable too.
    response = client.post(
        reverse("evaluation:report"),
        {
            "cohort": "all",
            "comparison": "both",
            "outcome": "any",
            "follow_up_months": "12",
            "waiting_months": "6",
            "caliper": "0.2",
        },
    )
    assert response.status_code == 302
    # From home; the dashboards are also entry points until the service navigation links
    # them (desist/navigation.py is the lead's to change).
    seen = _crawl(client, ["/", reverse("evaluation:oversight"), reverse("evaluation:report")])
    reached = set(seen)
    for name in (
        "evaluation:oversight",
        "evaluation:report",
        "evaluation:extract",
        "evaluation:extract_people",
        "evaluation:extract_aggregates",
        "audit:list",
    ):
        assert reverse(name) in reached, (name, sorted(reached))
    assert any(u.endswith("report.pdf") for u in reached)
    assert any(u.endswith("report.csv") for u in reached)
    assert all(code in (200, 302) for code in seen.values()), {
        u: c for u, c in seen.items() if c not in (200, 302)
    }


@pytest.mark.django_db
def test_crawl_reaches_many_pages_and_would_catch_a_name(client: Any) -> None:
    """The checker itself: a name in a page is caught."""
    assert _leaks("<p>Barnaby</p>") == ["Barnaby"]
    assert _leaks("<p>nothing</p>") == []


@pytest.mark.django_db
def test_crawl_after_a_police_name_search() -> None:
    """A police name search keeps its terms in the audit event (accountability); the
    overseer's audit browser and export must not show them."""
    from desist.demo.seed import seed

    seed(volume=False)
    force = Organisation.objects.get(code="sussex-police")
    officer = User.objects.get(username="police.sussex")
    _build(officer, force)
    police = Client()
    police.force_login(officer)
    police.get(reverse("people:search"), {"q": "Quillfeather"})
    from desist.audit.models import AuditEvent

    searches = AuditEvent.objects.filter(verb="subject.search")
    assert any("Quillfeather" in (e.new_values or {}).get("search", "") for e in searches)
    client = Client()
    client.force_login(User.objects.get(username="evaluator"))
    _crawl(client, ["/", reverse("evaluation:oversight")])


@pytest.mark.django_db
def test_programme_manager_sees_no_names_either() -> None:
    from desist.demo.seed import seed

    seed(volume=False)
    force = Organisation.objects.get(code="sussex-police")
    officer = User.objects.get(username="police.sussex")
    _build(officer, force)
    client = Client()
    client.force_login(User.objects.get(username="programme.manager"))
    client.post(
        reverse("evaluation:report"),
        {
            "cohort": "itt",
            "comparison": "both",
            "outcome": "any",
            "follow_up_months": "12",
            "waiting_months": "6",
            "caliper": "0.2",
        },
    )
    seen = _crawl(client, ["/", reverse("evaluation:programme_dashboard")])
    assert reverse("evaluation:report") in seen
    assert any(u.endswith("report.csv") for u in seen)
