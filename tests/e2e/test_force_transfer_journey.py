"""Issue 19: a subject under a full order moves from Sussex to Surrey. The Sussex supervisor
proposes the transfer (an empty form is refused with the GOV.UK error summary); a Surrey
supervisor finds it on their home page and accepts; a Surrey officer sees the order and can
manage it; a Sussex officer sees the read-only history with the banner and no edit buttons.
A request made by mistake shows as waiting to Sussex officers and is withdrawn by the Sussex
supervisor, which frees the subject for a corrected one.
Every page is axe-checked, and the transfer pages are no wider than 375 px on a 375 px phone."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SUSSEX_SUPERVISOR = "police.supervisor"
SUSSEX_OFFICER = "police.sussex"
SURREY_OFFICER = "police.surrey"
# Seeded by the demo seed (the `seeded` fixture), as every account here.
SURREY_SUPERVISOR = "police.surrey.supervisor"


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _file(officer: Any) -> dict[str, Any]:
    """A Sussex subject with a case, a victim and a full order, made by the real services."""
    from desist.cases.services import case_create
    from desist.orders.models import Order
    from desist.orders.tests.helpers import ago, full, make_victim
    from desist.people.services import subject_create

    subject = subject_create(actor=officer, first_names="Morgan", last_name="Movedaway")
    case = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/MOVE/2026",
        relationship="ex_intimate",
        opened_on=ago(200),
    )
    make_victim(case)
    order = Order.objects.get(pk=full(officer, subject, made=ago(120), case=case).pk)
    return {"subject": subject, "case": case, "order": order}


def test_sussex_transfers_a_subject_to_surrey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.audit.models import AuditEvent

    file = _file(User.objects.get(username=SUSSEX_OFFICER))
    subject, case, order = file["subject"], file["case"], file["order"]

    def check(narrow: bool = False) -> None:
        assert_accessible(page)
        if narrow:
            page.set_viewport_size({"width": 375, "height": 800})
            assert _width(page) <= 375, (page.url, _width(page))
            assert_accessible(page)
            page.set_viewport_size({"width": 1280, "height": 900})

    # 1. The Sussex supervisor proposes the transfer from the subject's page.
    login(page, SUSSEX_SUPERVISOR)
    page.goto(f"/subjects/{subject.pk}/")
    check()
    with page.expect_navigation():
        page.get_by_role("link", name="Transfer to another force").click()
    check(narrow=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Ask the force to accept").click()
    summary = page.locator(".govuk-error-summary")
    assert "Select the force the subject has moved to" in summary.inner_text()
    assert "Enter why the subject's file is being transferred" in summary.inner_text()
    check()
    page.get_by_label("Which force has the subject moved to?").select_option(label="Surrey Police")
    page.get_by_label("Area they have moved to (optional)").fill("Guildford")
    page.get_by_label("Why is the file being transferred?").fill(
        "Notified a new address in Guildford; lives there with family."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Ask the force to accept").click()
    assert "Transfer requested" in page.locator(".govuk-notification-banner").first.inner_text()
    assert "Awaiting the receiving force" in page.inner_text("main")
    check(narrow=True)
    page.goto("/transfers/")
    assert "Morgan Movedaway" in page.inner_text("main")
    check(narrow=True)
    page.context.clear_cookies()

    # 2. A Surrey supervisor finds it on their home page; sees the summary, not the case.
    login(page, SURREY_SUPERVISOR)
    page.goto("/")
    check()
    home = page.inner_text("main")
    assert "Transfers to accept" in home and "Morgan Movedaway from Sussex Police" in home
    with page.expect_navigation():
        page.get_by_role("link", name="Morgan Movedaway from Sussex Police").click()
    body = page.inner_text("main")
    assert order.reference in body and "47/MOVE/2026" in body and "Guildford" in body
    check(narrow=True)
    response = page.goto(f"/cases/{case.pk}/")
    assert response is not None and response.status == 404
    # The browser logs the 404 as a console error: expected here, so taken before the check.
    e2e = sys.modules[assert_accessible.__module__]  # the conftest as pytest loaded it
    assert any("404" in p for p in e2e.page_problems(page).take())
    page.go_back()
    with page.expect_navigation():
        page.get_by_role("link", name="Accept the transfer").click()
    check(narrow=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Accept and take over the records").click()
    assert "Transfer accepted" in page.locator(".govuk-notification-banner").first.inner_text()
    assert f"/subjects/{subject.pk}/" in page.url
    assert "Transferred from Sussex Police on" in page.inner_text("main")
    check()
    page.context.clear_cookies()

    # 3. A Surrey officer sees the order and may manage it.
    login(page, SURREY_OFFICER)
    page.goto(f"/orders/{order.pk}/")
    check(narrow=True)
    main = page.inner_text("main")
    assert order.reference in main and "Transferred from Sussex Police on" in main
    assert page.get_by_role("link", name="Change officer in charge").count() == 0  # supervisors
    assert (
        page.locator("main a[href*='/edit/'], main a[href*='/actions/']").count()
        + page.locator("main form[method=post]").count()
        > 0
    ), "the owning force's officer is offered the order's actions"
    page.context.clear_cookies()

    # 4. A Sussex officer sees the read-only history: the banner and no edit buttons.
    login(page, SUSSEX_OFFICER)
    for url in (f"/subjects/{subject.pk}/", f"/cases/{case.pk}/", f"/orders/{order.pk}/"):
        page.goto(url)
        banner = page.get_by_test_id("transfer-banner").inner_text()
        assert "Transferred to Surrey Police on" in banner, url
        assert "You can read it but not change it" in banner
        editing = page.locator(
            "main a[href*='/edit/'], main a[href*='/assign/'], main a[href*='/new/'], "
            "main a[href*='/actions/'], main form[method=post]"
        )
        assert editing.count() == 0, (url, editing.all_inner_texts())
        # Issue 19 holds the order and case pages to 375 px; the subject page is not yet.
        check(narrow="/subjects/" not in url)
    assert AuditEvent.objects.filter(verb="transfer.accept").count() == 1
    assert AuditEvent.objects.filter(
        verb="order.view", actor_username=SUSSEX_OFFICER, object_id=str(order.pk)
    ).exists()


def test_surrey_declines_with_a_reason(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.transfers.services import transfer_propose

    file = _file(User.objects.get(username=SUSSEX_OFFICER))
    transfer = transfer_propose(
        actor=User.objects.get(username=SUSSEX_SUPERVISOR),
        subject=file["subject"],
        to_force_id=Organisation.objects.get(code="surrey-police").pk,
        reason="Believed to have moved to Woking.",
    )
    login(page, SURREY_SUPERVISOR)
    page.goto(f"/transfers/{transfer.pk}/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Decline").click()
    page.set_viewport_size({"width": 375, "height": 800})
    assert _width(page) <= 375, (page.url, _width(page))
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Decline the transfer").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter why you are declining the transfer" in summary.inner_text()
    assert_accessible(page)
    page.get_by_label("Why are you declining the transfer?").fill(
        "Our enquiries show the subject still lives in Sussex."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Decline the transfer").click()
    assert "Transfer declined" in page.locator(".govuk-notification-banner").first.inner_text()
    assert_accessible(page)
    page.context.clear_cookies()
    login(page, SUSSEX_SUPERVISOR)
    page.goto(f"/transfers/{transfer.pk}/")
    main = page.inner_text("main")
    assert "Declined" in main and "still lives in Sussex" in main
    assert_accessible(page)


def test_sussex_withdraws_a_mistaken_request(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.audit.models import AuditEvent
    from desist.core.models import Organisation
    from desist.transfers.models import ForceTransfer, TransferStatus
    from desist.transfers.services import transfer_propose

    file = _file(User.objects.get(username=SUSSEX_OFFICER))
    subject, order = file["subject"], file["order"]
    transfer = transfer_propose(
        actor=User.objects.get(username=SUSSEX_SUPERVISOR),
        subject=subject,
        to_force_id=Organisation.objects.get(code="surrey-police").pk,
        reason="Believed to have moved to Woking.",
    )

    # A Sussex officer sees that the transfer is waiting, on the subject and the order.
    login(page, SUSSEX_OFFICER)
    for url in (f"/subjects/{subject.pk}/", f"/orders/{order.pk}/"):
        page.goto(url)
        banner = page.get_by_test_id("transfer-pending-banner").inner_text()
        assert "A transfer to Surrey Police is waiting for acceptance (proposed on" in banner
        assert_accessible(page)
    page.context.clear_cookies()

    # The Sussex supervisor withdraws it: a reason in words is required.
    login(page, SUSSEX_SUPERVISOR)
    page.goto(f"/transfers/{transfer.pk}/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Withdraw this request").click()
    page.set_viewport_size({"width": 375, "height": 800})
    assert _width(page) <= 375, (page.url, _width(page))
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Why are you withdrawing the request?").fill("x")
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw this request").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Give the reason in words (at least 10 characters)" in summary
    assert_accessible(page)
    page.get_by_label("Why are you withdrawing the request?").fill(
        "Sent to the wrong force: the subject moved to Kent, not Surrey."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw this request").click()
    assert (
        "Transfer request withdrawn"
        in page.locator(".govuk-notification-banner").first.inner_text()
    )
    assert f"/subjects/{subject.pk}/" in page.url
    assert page.get_by_test_id("transfer-pending-banner").count() == 0
    # The subject is free for a corrected request.
    assert page.get_by_role("link", name="Transfer to another force").count() == 1
    assert_accessible(page)
    assert ForceTransfer.objects.get(pk=transfer.pk).status == TransferStatus.WITHDRAWN
    assert AuditEvent.objects.filter(verb="transfer.withdraw").count() == 1
