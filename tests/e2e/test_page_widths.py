"""Issue 19: lists fit the screen. At 1,280 px wide the SPO register is no wider than the
window (its notification and breach columns used to fall off), and the home, order and case
pages and a form with a date input are no wider than 375 px on a 375 px phone. Each page is axe-checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

USERNAME = "police.sussex"


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_register_and_record_pages_fit_the_screen(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.cases.services import case_create
    from desist.orders import actions
    from desist.people.services import subject_create

    officer = User.objects.get(username=USERNAME)
    today = dt.date.today()
    subject = subject_create(
        actor=officer, first_names="Maximilian-Alexander", last_name="Widthcheck-Longsurname"
    )
    case = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/WIDTH/2026",
        relationship="stranger",
        opened_on=today - dt.timedelta(days=100),
    )
    order = actions.order_apply(
        actor=officer,
        subject=subject,
        case=case,
        application_date=today - dt.timedelta(days=90),
        court="Brighton Magistrates' Court",
    )
    login(page, USERNAME)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/orders/")
    assert_accessible(page)
    assert _width(page) <= 1280, _width(page)
    page.set_viewport_size({"width": 375, "height": 800})
    # The incident form: a GOV.UK date input's three boxes side by side (issue 19).
    for url in (
        "/",
        f"/orders/{order.pk}/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/incidents/new/",
    ):
        page.goto(url)
        assert_accessible(page)
        assert _width(page) <= 375, (url, _width(page))


def test_long_unbroken_typed_text_wraps(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """Tester finding (issue 18): a 200-character description with no spaces pushed the order
    page's Documents table off the right of the page, and a long 'why kept' the retention
    review's. Both wrap now, on a desk and on a phone."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from desist.accounts.models import User
    from desist.documents import content
    from desist.documents.services import TITLE_MAX, document_upload
    from desist.retention import clock, services
    from desist.retention.models import RetentionReview
    from tests.e2e.test_provider_safe_terms import _referred_subject

    officer = User.objects.get(username=USERNAME)
    order, _victim, _referral = _referred_subject()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 110, 60)).save(buffer, format="PNG")
    inspected, message = content.inspect(SimpleUploadedFile("zone.png", buffer.getvalue()))
    assert inspected is not None, message
    document_upload(actor=officer, record=order, kind="map", title="W" * TITLE_MAX, file=inspected)

    supervisor = User.objects.get(username="police.supervisor")
    review = RetentionReview.objects.create(
        record_class="cases.group-3",
        record_type="cases.Case",
        record_id=987654,
        reference="CR/WIDTH",
        organisation=supervisor.organisation,
        due_on=clock.today(),
        listed_at=clock.now(),
    )
    services.retention_keep(
        actor=supervisor,
        review=review,
        reason="K" * services.REASON_MAX,
        next_review_on=clock.today() + dt.timedelta(days=365),
    )

    for username, url in (
        (USERNAME, f"/orders/{order.pk}/"),
        ("police.supervisor", f"/retention/{review.pk}/"),
    ):
        page.context.clear_cookies()
        login(page, username)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert_accessible(page)
            assert _width(page) <= width, (url, width, _width(page))


def test_provider_and_advocacy_lists_fit_a_phone(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """Tester finding (issue 20): at 375 px the referral list was 504 px wide and the advocacy
    caseload 484 px; their tables now scroll in their own region."""
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.safeguarding.models import AdvocacyCase
    from tests.e2e.pilot import put_forward
    from tests.e2e.test_contact_preferences_journey import _sussex_victim

    put_forward("Width pilot", "Bartholomew-Maximilian", "Featherstonehaugh", dt.date(1984, 3, 2))
    advocate = User.objects.get(username="advocate")
    AdvocacyCase.objects.create(
        victim=_sussex_victim(safe_channels=["phone"]),
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
    )
    for username, url in (
        ("clinical.supervisor", "/programme/"),
        ("advocate", "/safeguarding/advocacy/"),
    ):
        page.context.clear_cookies()
        login(page, username)
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(url)
        assert page.locator("table.govuk-table").count() >= 1, url
        assert_accessible(page)
        assert _width(page) <= 375, (url, _width(page))
