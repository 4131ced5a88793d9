"""`desist evaluate`: JSON for any cohort file, row-and-column errors, non-zero exit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from lifelines.datasets import load_rossi

ROSSI_COVARIATES = "age,race,wexp,mar,paro,prio"


@pytest.fixture(scope="module")
def rossi_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cohort") / "rossi.csv"
    load_rossi().to_csv(path, index=False)
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("evaluate", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_has_the_documented_keys(rossi_csv: Path) -> None:
    data = json.loads(
        run(
            "--cohort",
            str(rossi_csv),
            "--time-column",
            "week",
            "--event-column",
            "arrest",
            "--group-column",
            "fin",
            "--covariates",
            ROSSI_COVARIATES,
        )
    )
    assert data["n"] == 432 and data["events"] == 114
    cox = data["cox"]
    assert isinstance(cox["log_likelihood"], float)
    assert 0.6 < cox["concordance"] < 0.7
    names = [c["covariate"] for c in cox["coefficients"]]
    assert names == ["age", "race", "wexp", "mar", "paro", "prio", "fin"]
    for c in cox["coefficients"]:
        assert set(c) >= {"covariate", "coef", "se", "hazard_ratio", "ci_lower", "ci_upper", "p"}
    fin = cox["coefficients"][-1]
    assert fin["coef"] == pytest.approx(
        -0.37942, abs=1e-4
    )  # Fox & Weisberg (2018), as in test_engine_survival
    assert set(data["kaplan_meier"]) == {"0", "1"}
    point = data["kaplan_meier"]["1"][1]
    assert set(point) >= {"time", "survival", "ci_lower", "ci_upper", "at_risk"}
    assert data["logrank"]["df"] == 1
    assert "charts" not in data


def test_without_group_or_covariates(rossi_csv: Path) -> None:
    data = json.loads(
        run("--cohort", str(rossi_csv), "--time-column", "week", "--event-column", "arrest")
    )
    assert list(data["kaplan_meier"]) == ["all"]
    assert data["cox"]["coefficients"] == []
    assert data["logrank"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("week,arrest\n1,1\n2,0\nabc,1\n", "Row 4, column 'week': 'abc' is not a number"),
        (
            "week,arrest\n1,1\n2,maybe\n",
            "Row 3, column 'arrest': 'maybe' is not an event indicator",
        ),
        ("week,arrest\n1,1\n-2,0\n", "Row 3, column 'week': -2 is negative"),
        ("week,arrest\n1,1\n,0\n", "Row 3, column 'week': the value is missing"),
        ("week,arrest\n1,1\n2,0,7\n", "Row 3: has 3 fields but the header has 2"),
        ("wk,arrest\n1,1\n2,0\n", "Row 1, column 'week': there is no such column"),
        ("", "the file is empty"),
    ],
)
def test_malformed_file_names_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as e:
        run("--cohort", str(path), "--time-column", "week", "--event-column", "arrest")
    assert message in str(e.value)


def test_covariate_typo_is_reported(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 2},{20 + i}" for i in range(1, 30))
    path = tmp_path / "c.csv"
    path.write_text("week,arrest,age\n" + rows + "\n30,1,thirty\n")
    with pytest.raises(CommandError) as e:
        run(
            "--cohort",
            str(path),
            "--time-column",
            "week",
            "--event-column",
            "arrest",
            "--covariates",
            "age",
        )
    assert "Row 31, column 'age': 'thirty' is not a number" in str(e.value)


def test_bad_file_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("week,arrest\n1,1\n2,0\n14x,1\n")
    argv = [
        "desist",
        "evaluate",
        "--cohort",
        str(path),
        "--time-column",
        "week",
        "--event-column",
        "arrest",
    ]
    with pytest.raises(SystemExit) as e:
        ManagementUtility(argv).execute()
    assert e.value.code != 0
    assert "Row 4, column 'week': '14x' is not a number" in capsys.readouterr().err


def test_html_and_pdf(rossi_csv: Path, tmp_path: Path) -> None:
    html_path = tmp_path / "r.html"
    args = [
        "--cohort",
        str(rossi_csv),
        "--time-column",
        "week",
        "--event-column",
        "arrest",
        "--group-column",
        "fin",
    ]
    run(*args, "--format", "html", "--out", str(html_path))
    html = html_path.read_text()
    assert "<svg" in html and "Cox regression (Efron ties)" in html and "<table>" in html
    pdf_path = tmp_path / "r.pdf"
    run(*args, "--format", "pdf", "--out", str(pdf_path))
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(CommandError, match="needs --out"):
        run(*args, "--format", "pdf")
