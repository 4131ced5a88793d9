"""The report is complete, web and PDF alike: hazard ratios, the log-rank result, balance
(matched and analysed subset), the proportional-hazards check and the E-values, each covariate
by its label, from the one include both media render."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any
from unittest import mock

import pytest
import weasyprint
from django.urls import reverse
from django.utils import timezone
from weasyprint.formatting_structure import boxes

from desist.core.tests.exporting import download
from desist.evaluation.engine.jsonsafe import jsonable
from desist.evaluation.engine.labels import covariate_label, level_label
from desist.evaluation.engine.report import full_evaluation
from desist.evaluation.engine.synthetic import synthetic_frames
from desist.evaluation.models import RunStatus
from desist.evaluation.reporting import _is_count_column, blocks, report_view_model
from desist.evaluation.tests import helpers
from desist.evaluation.tests.test_report import _generate
from desist.people.models import InterventionDecision

# What a reader must find in both media. The log-rank p is matched with its value.
REQUIRED = {
    "hazard-ratio table": "Hazard ratios for first proven re-offence",
    "log-rank": "Comparison of the survival curves",
    "proportional-hazards check": "Proportional-hazards check per covariate",
    "balance": "Covariate balance of the matched groups, before and after matching",
    "analysed balance": "Balance of the analysed subset",
}
LOGRANK_P = re.compile(r"log-rank test: chi-squared [\d.]+ on 1 degree of freedom, p = [<\d.]+")


def report_population(force: Any, officer: Any, *, n: int = 90, seed: int = 14) -> None:
    """Synthetic SPO subjects with drawn (not patterned) characteristics and outcomes, so the
    Cox model fits as it would on the demo: about 40% put forward, about 40% re-offend."""
    rng = random.Random(seed)
    today = timezone.localdate()
    for _ in range(n):
        s = helpers.make_subject(
            force,
            dob=dt.date(rng.randint(1960, 2000), rng.randint(1, 12), 1),
            sex="female" if rng.random() < 0.2 else "male",
        )
        made = today - dt.timedelta(days=rng.randint(620, 1400))
        helpers.make_order(s, made=made, served=made, full=rng.random() < 0.6)
        decided = made + dt.timedelta(days=rng.randint(5, 20))
        put = rng.random() < 0.4
        decision = InterventionDecision.Decision
        helpers.decide(s, decision.PUT_FORWARD if put else decision.NOT_SUITABLE, decided, officer)
        if rng.random() < (0.3 if put else 0.45):
            on = decided + dt.timedelta(days=rng.randint(10, 360))
            helpers.offence(
                s, on=on, proven=on + dt.timedelta(days=60), stalking=rng.random() < 0.5
            )


def _pdf_layout(html: str) -> tuple[str, list[str]]:
    """The text WeasyPrint actually laid out on the PDF's pages, and any box that reaches past
    its page's content area (a chart or table too wide for the page)."""
    doc = weasyprint.HTML(string=html).render()
    text, spilled = [], []
    for n, page in enumerate(doc.pages, start=1):
        page_box = page._page_box
        limit = page_box.content_box_x() + page_box.width + 1
        for b in page_box.descendants():
            if isinstance(b, boxes.TextBox):
                text.append(b.text)
            if isinstance(b, boxes.PageBox | boxes.MarginBox) or b.width in (None, "auto"):
                continue
            if b.position_x + b.margin_width() > limit:
                spilled.append(f"page {n}: {type(b).__name__} {getattr(b, 'element_tag', '')}")
    return " ".join(text), spilled


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_web_and_pdf_reports_both_carry_every_result(
    client: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    report_population(force, officer)
    client.force_login(overseer)
    run = _generate(client)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    web = _squash(client.get(reverse("evaluation:run", args=[run.pk])).content.decode())

    fed: list[str] = []
    real = weasyprint.HTML

    def spy(*args: Any, **kwargs: Any) -> Any:
        fed.append(kwargs["string"])
        return real(*args, **kwargs)

    with mock.patch("weasyprint.HTML", side_effect=spy):
        response = download(client, reverse("evaluation:run_pdf", args=[run.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf_text, spilled = _pdf_layout(fed[0])
    assert spilled == [], "nothing wider than the page"
    pdf = _squash(pdf_text)

    for name, text in REQUIRED.items():
        assert text in web, f"web report lacks the {name}"
        assert text in pdf, f"PDF lacks the {name}"
    assert LOGRANK_P.search(web) and LOGRANK_P.search(pdf)
    for media in (web, pdf):
        assert "Hazard ratio for the programme:" in media
        assert "Calendar period of the index date" in media or "index_period" not in str(run.result)
        assert "The those" not in media
        assert "sex[" not in media and "risk_level" not in media
        assert "Days since the index date" in media


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return jsonable(full_evaluation(synthetic_frames(600, seed=7), {"data_end_date": END}))


END = dt.date(2026, 1, 1)


def _model(raw: dict[str, Any], aggregate: bool = False) -> dict[str, Any]:
    return report_view_model(
        {"engine": True, "raw": raw, "funnel": [], "params": {}, "sources": []},
        aggregate=aggregate,
    )


def _part(raw: dict[str, Any], cohort: str, part: str) -> dict[str, Any]:
    section = {s["id"]: s for s in _model(raw)["sections"]}[cohort]
    return {p["id"]: p for p in section["parts"]}[part]


def test_hazard_ratios_come_from_the_engine_with_labels(raw: dict[str, Any]) -> None:
    cox = raw["cohorts"]["starters"]["survival"]["cox"]
    table = _part(raw, "starters", "cox")["tables"][0]
    assert table["columns"] == ["Covariate", "Hazard ratio", "95% interval", "p"]
    assert len(table["rows"]) == len(cox["coefficients"])
    first = cox["coefficients"][0]
    assert table["rows"][0] == [
        covariate_label(first["covariate"]),
        f"{first['hazard_ratio']:.2f}",
        f"{first['ci_lower']:.2f} to {first['ci_upper']:.2f}",
        f"{first['p']:.3f}" if first["p"] >= 0.001 else "<0.001",
    ]
    for row in table["rows"]:
        assert "[" not in row[0] and "_" not in row[0], row
    # each categorical covariate's hazard ratios name the level they compare with
    refs = cox["reference_levels"]
    assert {"sex", "relationship", "risk_level"} <= set(refs)
    for c, row in zip(cox["coefficients"], table["rows"], strict=True):
        name = c["covariate"].split("[")[0]
        if "[" in c["covariate"]:
            assert row[0].endswith(f" (compared with: {level_label(refs[name])})"), row
            assert c["covariate"] != f"{name}[{refs[name]}]"
        else:
            assert "compared with:" not in row[0], row


def test_every_text_names_covariates_by_label(raw: dict[str, Any]) -> None:
    model = _model(raw)
    text = " ".join(
        [*model["methods"]]
        + [
            str(x)
            for s in model["sections"]
            for b in blocks(s)
            for x in [*b["paragraphs"], *b["warnings"], b["title"]]
        ]
    )
    assert "The those" not in text and "the those" not in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\[", text), "a one-hot code leaked into the text"
    for code in ("sex[female]", "risk_level[", "order_type["):
        assert code not in text


def test_units_on_every_survival_and_balance_column(raw: dict[str, Any]) -> None:
    survival = _part(raw, "itt", "survival")["charts"][0]["table"]
    assert survival["columns"][0] == "Days since the index date"
    balance = _part(raw, "itt", "matching")["charts"][0]["table"]
    assert "(standard deviations)" in balance["columns"][3]
    assert any(r[0].endswith("(% of the group)") for r in balance["rows"])
    assert any(r[0] == "Age at the index date (years)" for r in balance["rows"])


def test_ph_check_shows_each_covariate_and_warns_in_plain_words(raw: dict[str, Any]) -> None:
    cohort = raw["cohorts"]["itt"]
    ph = cohort["survival"]["cox"]["ph_test"]
    flagged = {**ph, "rows": [{**ph["rows"][0], "p": 0.01, "violated": True}, *ph["rows"][1:]]}
    flagged["warnings"] = ["The hazard ratio for Age may change over follow-up."]
    cohort = {**cohort, "survival": {**cohort["survival"], "cox": {**cohort["survival"]["cox"]}}}
    cohort["survival"]["cox"]["ph_test"] = flagged
    cohort["warnings"] = [*cohort["warnings"], *flagged["warnings"]]
    part = _part({**raw, "cohorts": {"itt": cohort}}, "itt", "ph")
    rows = part["tables"][0]["rows"]
    assert len(rows) == len(ph["rows"])
    assert rows[0][3].startswith("Doubtful") and rows[0][2] == "0.010"
    assert part["warnings"] == flagged["warnings"]
    section = {s["id"]: s for s in _model({**raw, "cohorts": {"itt": cohort}})["sections"]}["itt"]
    assert flagged["warnings"][0] not in section["warnings"], "shown once, in its part"


def test_ph_check_that_cannot_be_computed_gives_the_true_reason(raw: dict[str, Any]) -> None:
    """Not "too few re-offences" when the model had plenty: the engine's own reason."""
    cohort = raw["cohorts"]["itt"]
    ph = cohort["survival"]["cox"]["ph_test"]
    assert ph["rows"] and all(r["p"] is not None for r in ph["rows"])
    gap = {"statistic": None, "p": None, "reason": "the residual test gave no finite value"}
    cases = [
        ({**ph, "rows": [{**ph["rows"][0], **gap}, *ph["rows"][1:]]}, "no finite value"),
        ({**ph, "rows": [], "reason": "the test failed: singular matrix"}, "singular matrix"),
    ]
    for broken, why in cases:
        cox = {**cohort["survival"]["cox"], "ph_test": broken}
        c = {**cohort, "survival": {**cohort["survival"], "cox": cox}}
        part = _part({**raw, "cohorts": {"itt": c}}, "itt", "ph")
        text = " ".join([*part["paragraphs"], *(str(r) for t in part["tables"] for r in t["rows"])])
        assert why in text and "too few" not in text


def test_curve_comparison_names_the_weighted_test_once(raw: dict[str, Any]) -> None:
    from desist.evaluation.engine.weighted import SCORE_TEST

    cohort = raw["cohorts"]["itt"]
    plain = " ".join(_part(raw, "itt", "survival")["paragraphs"])
    assert "compared with the log-rank test: chi-squared" in plain
    lr = {**cohort["survival"]["logrank"], "test": SCORE_TEST}
    c = {**cohort, "survival": {**cohort["survival"], "logrank": lr}}
    text = " ".join(_part({**raw, "cohorts": {"itt": c}}, "itt", "survival")["paragraphs"])
    assert f"compared with the {SCORE_TEST}: chi-squared" in text
    assert "test) test" not in text


def test_sensitivity_and_analysed_balance_are_shown(raw: dict[str, Any]) -> None:
    s = raw["cohorts"]["itt"]["sensitivity"]
    part = _part(raw, "itt", "sensitivity")
    estimates = [r[0] for r in part["tables"][0]["rows"]]
    assert "Programme hazard ratio" in estimates
    hr = next(r for r in part["tables"][0]["rows"] if r[0] == "Programme hazard ratio")
    assert hr[3] == f"{s['hazard_ratio']['e_value']:.2f}"
    matching = _part(raw, "itt", "matching")
    captions = [t["caption"] for t in matching["tables"]]
    assert any(c.startswith("Balance of the analysed subset") for c in captions)
    assert any("Calendar period of the index date" in p for p in matching["paragraphs"])


def test_managers_see_no_small_counts_in_any_part(raw: dict[str, Any]) -> None:
    small = {**raw, "cohorts": {k: _shrunk(v) for k, v in raw["cohorts"].items()}}
    model = _model(small, aggregate=True)
    seen = 0
    for s in model["sections"]:
        for b in blocks(s):
            if b.get("counts"):
                assert b["paragraphs"] == [], "matching counts are not written out"
            for t in [c["table"] for c in b["charts"]] + b["tables"]:
                for row in t["rows"]:
                    for i, cell in enumerate(row):
                        if _is_count_column(t["columns"][i]) and isinstance(cell, int):
                            seen += 1
                            assert cell == 0 or cell >= 5, (t["caption"], row)
    assert seen, "the check looked at count cells"


def _shrunk(cohort: dict[str, Any]) -> dict[str, Any]:
    """A cohort whose programme group re-offended 3 times: a count managers must not see."""
    rates = cohort.get("rates")
    if not rates:
        return cohort
    return {**cohort, "rates": {**rates, "programme": {**rates["programme"], "events": 3}}}


def test_engine_messages_name_covariates_by_label(raw: dict[str, Any]) -> None:
    cohort = raw["cohorts"]["itt"]
    cox = {**cohort["survival"]["cox"], "warnings": ["Dropped covariate(s): 'prior_offences'."]}
    cohort = {
        **cohort,
        "survival": {**cohort["survival"], "cox": cox},
        "warnings": ["Separation on 'sex[female]' and 'order_type[interim]'."],
    }
    model = _model({**raw, "cohorts": {"itt": cohort}, "warnings": cohort["warnings"]})
    text = " ".join(w for s in model["sections"] for b in blocks(s) for w in b["warnings"])
    assert "Separation on Sex: female and Order in force at the index date: interim order." in text
    assert "Dropped covariate(s): Proven offences before the index date." in text
    assert "'" not in text and text.count("Separation on") == 1, "shown once, by label"


def test_cohort_file_report_shows_the_ph_check_and_the_time_unit(tmp_path: Any) -> None:
    from django.core.management import call_command
    from lifelines.datasets import load_rossi

    cohort = tmp_path / "rossi.csv"
    load_rossi().to_csv(cohort, index=False)
    out = tmp_path / "r.html"
    call_command(
        "evaluate",
        *("--cohort", str(cohort), "--time-column", "week", "--event-column", "arrest"),
        *("--group-column", "fin", "--format", "html", "--out", str(out)),
    )
    html = _squash(out.read_text())
    assert "Proportional-hazards check per covariate" in html
    assert "Time (week, in the file's own unit)" in html
    assert "Median time to event (week, in the file's own unit)" in html
