"""The evaluation report: parameters, the run, the progress page, the report and downloads."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.core.tests.exporting import asks_purpose, csv_rows, download
from desist.evaluation import reporting
from desist.evaluation.models import EvaluationRun, RunStatus
from desist.evaluation.tests import helpers
from desist.people.models import InterventionDecision

TODAY = timezone.localdate()
D = dt.timedelta
PARAMS = {
    "cohort": "all",
    "comparison": "both",
    "outcome": "any",
    "follow_up_months": "12",
    "waiting_months": "6",
    "caliper": "0.2",
}


def population(force: Any, officer: Any, n: int = 40) -> None:
    for i in range(n):
        s = helpers.make_subject(
            force, dob=dt.date(1970 + i % 30, 1 + i % 12, 1), sex="male" if i % 4 else "female"
        )
        helpers.make_order(s, made=TODAY - D(900 + i), served=TODAY - D(898 + i), full=i % 2 == 0)
        decision = (
            InterventionDecision.Decision.PUT_FORWARD
            if i % 3 == 0
            else InterventionDecision.Decision.NOT_SUITABLE
        )
        helpers.decide(s, decision, TODAY - D(880 + i), officer)
        if i % 2:
            helpers.offence(s, on=TODAY - D(700 - i), proven=TODAY - D(600), stalking=i % 4 == 1)


def _generate(client: Any) -> EvaluationRun:
    response = client.post(reverse("evaluation:report"), PARAMS)
    assert response.status_code == 302, response.content.decode()[:2000]
    run = EvaluationRun.objects.latest("id")
    assert response["Location"] == reverse("evaluation:run", args=[run.pk])
    return run


def test_report_runs_and_renders(
    client: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    population(force, officer)
    client.force_login(overseer)
    assert client.get(reverse("evaluation:report")).status_code == 200
    started = time.perf_counter()
    run = _generate(client)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.people_count == 40
    page = client.get(reverse("evaluation:run", args=[run.pk]))
    assert time.perf_counter() - started < 30
    html = page.content.decode()
    assert page.status_code == 200
    assert "Referral, uptake and completion" in html
    assert "Methods" in html
    assert "data:image/svg+xml;base64," in html
    assert "<caption" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[-1]
    assert "style=" not in html
    report = page.context["report"]
    assert report["methods"]
    titles = [s["title"] for s in report["sections"]]
    assert any("Intention to treat" in t or "itt" in t.lower() for t in titles), titles
    # Every chart has a data table beside it.
    for s in report["sections"]:
        for c in s["charts"]:
            assert c["table"]["columns"], c["title"]


def test_report_form_errors(client: Any, overseer: Any) -> None:
    client.force_login(overseer)
    response = client.post(
        reverse("evaluation:report"), {**PARAMS, "follow_up_months": "0", "caliper": "x"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "The follow-up window must be at least 1 month" in body
    assert not EvaluationRun.objects.exists()


def test_csv_and_pdf_downloads(
    client: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    population(force, officer)
    client.force_login(overseer)
    run = _generate(client)
    response = download(client, reverse("evaluation:run_csv", args=[run.pk]))
    assert response.status_code == 200
    rows = csv_rows(response.content.decode())
    assert rows[0] == ["section", "table", "column", "row", "value"]
    assert len(rows) > 10
    pdf = download(client, reverse("evaluation:run_pdf", args=[run.pk]), purpose="evaluation")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # The PDF asked, as its CSV did, and its audit row records why (tester finding).
    assert asks_purpose(client.get(reverse("evaluation:run_pdf", args=[run.pk])))
    pdf_row = AuditEvent.objects.filter(verb="evaluation.report_export").latest("id")
    assert pdf_row.new_values["format"] == "pdf"
    assert pdf_row.new_values["purpose"] == "evaluation"


def test_programme_manager_sees_suppressed_aggregates(
    client: Any, manager: Any, officer: Any, force: Any, pilot: Any
) -> None:
    population(force, officer, n=30)
    client.force_login(manager)
    run = _generate(client)
    page = client.get(reverse("evaluation:run", args=[run.pk]))
    assert page.context["aggregate"] is True
    for s in page.context["report"]["sections"]:
        for t in [c["table"] for c in s["charts"]] + s["tables"]:
            for row in t["rows"]:
                for i, cell in enumerate(row):
                    if reporting._is_count_column(t["columns"][i]) and isinstance(cell, int):
                        assert cell == 0 or cell >= 5, (t["caption"], row)


def test_progress_page_polls_until_finished(client: Any, overseer: Any) -> None:
    run = EvaluationRun.objects.create(
        organisation=overseer.organisation,
        created_by=overseer,
        params={},
        progress=40,
        status=RunStatus.RUNNING,
        stage="Matching",
    )
    client.force_login(overseer)
    page = client.get(reverse("evaluation:run", args=[run.pk]))
    html = page.content.decode()
    assert 'hx-get="' + reverse("evaluation:run_progress", args=[run.pk]) in html
    assert 'hx-trigger="every 2s"' in html
    partial = client.get(reverse("evaluation:run_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in partial
    EvaluationRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, progress=100)
    partial = client.get(reverse("evaluation:run_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"
    assert "hx-get" not in partial.content.decode()
    # Downloads wait for the result.
    EvaluationRun.objects.filter(pk=run.pk).update(result=None)
    assert download(client, reverse("evaluation:run_csv", args=[run.pk])).status_code == 404


@override_settings(DESIST_EVALUATION_SYNC_MAX=5)
def test_large_cohorts_run_in_the_background(
    client: Any,
    overseer: Any,
    officer: Any,
    force: Any,
    pilot: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    population(force, officer, n=8)
    client.force_login(overseer)
    with django_capture_on_commit_callbacks(execute=True):
        run = _generate(client)
    # On the job queue (desist worker runs it), not in a thread of the web process.
    [queued] = DBTaskResult.objects.filter(queue_name="evaluation")
    assert queued.args_kwargs["kwargs"]["kwargs"] == {"run_id": run.pk}
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


def test_failure_is_recorded(client: Any, overseer: Any, pilot: Any) -> None:
    client.force_login(overseer)
    with mock.patch("desist.evaluation.reporting.build_frames", side_effect=RuntimeError("boom")):
        run = _generate(client)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "boom" in run.error
    page = client.get(reverse("evaluation:run", args=[run.pk]))
    assert "could not be generated" in page.content.decode()


def test_runs_are_scoped_to_the_organisation(
    client: Any, overseer: Any, make_user: Any, make_org: Any
) -> None:
    run = EvaluationRun.objects.create(
        organisation=overseer.organisation, created_by=overseer, params={}
    )
    other = make_user(RoleCode.OVERSEER, organisation=make_org("oversight"))
    client.force_login(other)
    assert client.get(reverse("evaluation:run", args=[run.pk])).status_code == 404


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_report_ladder(client: Any, users: dict[RoleCode, Any], role: RoleCode) -> None:
    client.force_login(users[role])
    response = client.get(reverse("evaluation:report"))
    allowed = {RoleCode.OVERSEER, RoleCode.PROGRAMME_MANAGER}
    assert response.status_code == (200 if role in allowed else 403)


def test_report_list_query_count(client: Any, overseer: Any) -> None:
    client.force_login(overseer)
    url = reverse("evaluation:report")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        EvaluationRun.objects.create(
            organisation=overseer.organisation, created_by=overseer, params={"cohorts": ["itt"]}
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_no_data_says_so(client: Any, overseer: Any) -> None:
    client.force_login(overseer)
    run = _generate(client)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "There are no SPO subjects in your partnerships' data yet."


def test_report_list_says_month_for_one(client: Any, overseer: Any) -> None:
    client.force_login(overseer)
    for months in (1, 12):
        EvaluationRun.objects.create(
            organisation=overseer.organisation,
            created_by=overseer,
            params={"cohorts": ["itt"], "follow_up_months": months},
        )
    html = client.get(reverse("evaluation:report")).content.decode()
    assert ">1 month</td>" in html and ">12 months</td>" in html and "1 months" not in html
    text = " ".join(reporting.methods_text({"follow_up_months": 1, "waiting_months": 1}, []))
    assert "1 month from the index date" in text and "1 months" not in text
