"""`desist import`: the command line's checks, its progress bar and its error report."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from desist.audit.models import AuditEvent
from desist.cases.models import Case
from desist.imports import synthetic

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "integration" / "samples"


def _call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_then_again_changes_nothing(supervisor: Any, tmp_path: Path) -> None:
    items = list(synthetic.rows(30, source="niche"))
    items[4]["DOB"] = "31/13/1980"
    path = tmp_path / "niche.csv"
    path.write_bytes(synthetic.as_csv(items, source="niche"))
    args = ("--source", "niche", "--file", str(path), "--force", supervisor.organisation.code)

    out, err = _call(*args, "--as", supervisor.username, "--progress")

    assert "Imported 30 rows: 29 created, 0 updated, 0 unchanged, 1 with errors" in out
    assert "Row 6: The date of birth must be a real date, like 27 3 1985" in out
    assert "30/30" in err  # tqdm's bar
    report = (tmp_path / "niche.csv.errors.csv").read_text()
    assert "C00000004" in report
    out, _ = _call(*args, "--as", supervisor.username)
    assert "0 created, 0 updated, 29 unchanged, 1 with errors" in out
    assert Case.objects.count() == 29


def test_dry_run_writes_nothing(supervisor: Any, tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_bytes(synthetic.as_json(list(synthetic.rows(5))))
    out, _ = _call(
        "--source", "generic", "--file", str(path), "--force", supervisor.organisation.code,
        "--as", supervisor.username, "--dry-run",
    )  # fmt: skip
    assert "Dry run (nothing written): would have 5 rows: 5 created" in out
    assert not Case.objects.exists()
    assert AuditEvent.objects.filter(verb="records.import").get().new_values["dry_run"] is True


def test_another_forces_code_is_refused(supervisor: Any, orgs: Any, tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes(synthetic.as_csv(list(synthetic.rows(2))))
    with pytest.raises(CommandError, match="may not import into"):
        _call(
            "--source", "generic", "--file", str(path),
            "--force", orgs["other_police_force"].code, "--as", supervisor.username,
        )  # fmt: skip
    assert not Case.objects.exists()


def test_a_file_of_the_wrong_kind_is_refused(supervisor: Any, tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(CommandError, match="CSV or JSON"):
        _call(
            "--source", "generic", "--file", str(path), "--force", supervisor.organisation.code,
            "--as", supervisor.username,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("source", "name"),
    [("niche", "niche.csv"), ("athena", "athena.json"), ("generic", "generic.csv")],
)
def test_the_sample_files_import_cleanly(supervisor: Any, source: str, name: str) -> None:
    out, _ = _call(
        "--source", source, "--file", str(SAMPLES / name),
        "--force", supervisor.organisation.code, "--as", supervisor.username,
    )  # fmt: skip
    assert "0 with errors" in out
    assert Case.objects.count() >= 3
