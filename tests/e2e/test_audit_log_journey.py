"""The evaluator reads the audit log, filters it and downloads the entries after saying why.

The retention job's row names the job ("Retention job (system)"), not another organisation,
and carries no break-glass tag. axe-core on every page: the log, the filtered log, the purpose
question and its error. The log's links in running text are underlined GOV.UK links
(axe's link-in-text-block), checked on the page itself as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from desist.core.tests.exporting import csv_dicts

pytestmark = pytest.mark.e2e

# Links inside a paragraph of the main content that a reader could tell apart only by colour.
UNDERLINED_JS = """() => Array.from(document.querySelectorAll('main p a')).map((a) => ({
  text: a.innerText.trim(),
  line: getComputedStyle(a).textDecorationLine,
}))"""


def test_evaluator_reads_filters_and_downloads_the_audit_log(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.retention.services import retention_list_due

    retention_list_due()  # the monthly job, as the scheduler runs it
    login(page, "evaluator")
    page.goto("/audit/")
    assert page.locator("h1").inner_text() == "Audit log"
    assert_accessible(page)
    links = page.evaluate(UNDERLINED_JS)
    assert links, "the log has a link in running text"
    assert all("underline" in link["line"] for link in links), links

    page.get_by_label("Action").select_option(label="Erasure")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    row = page.locator("tbody tr", has_text="retention.list_due").first
    who = row.locator("td").nth(1).inner_text()
    assert "Retention job (system)" in who
    assert "Another organisation" not in who and "Break-glass" not in who
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Download these entries as CSV").click()
    assert page.locator("h1").inner_text() == "Why are you exporting this?"
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Download").click()
    assert "There is a problem" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_label("Oversight or audit of how records are used").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    with open(info.value.path(), encoding="utf-8-sig", newline="") as fh:
        rows = csv_dicts(fh.read())
    assert rows and {r["category"] for r in rows} == {"erasure"}
    assert any(r["verb"] == "retention.list_due" for r in rows)

    from desist.audit.models import AuditEvent

    exported = AuditEvent.objects.filter(verb="audit.export").latest("id").new_values
    assert exported["purpose"] == "oversight" and exported["filters"]["Action"] == "Erasure"
