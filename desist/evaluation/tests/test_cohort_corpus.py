"""Every file of the malformed-cohort corpus gives its documented message and exit status.

The corpus is ``data/cohorts/corpus.csv``: one row per case (file, extra arguments, exit
status, the message expected in the one-line error, and what the case is). ``{tmp}`` in the
arguments or the message stands for a fresh empty folder. Exit status 2 is a problem with the
input, 1 a model that cannot be fitted, 0 a file the reader must accept (then the message is
expected in the JSON).
"""

from __future__ import annotations

import csv
import io
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(__file__).parent / "data" / "cohorts"
BASE_ARGS = ["--time-column", "week", "--event-column", "arrest", "--no-progress"]


def _cases() -> list[dict[str, str]]:
    with open(DATA / "corpus.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


CASES = _cases()


def _param(case: dict[str, str]) -> object:
    return pytest.param(case, id=Path(case["file"]).name + ":" + case["what"][:30])


def test_the_corpus_is_large_and_documented() -> None:
    malformed = [c for c in CASES if c["exit"] != "0"]
    assert len(malformed) >= 60
    assert all(c["message"] and c["what"] for c in CASES)
    files = {c["file"] for c in CASES}
    on_disk = {f"files/{p.name}" for p in (DATA / "files").iterdir()}
    assert on_disk <= files, f"files with no documented outcome: {sorted(on_disk - files)}"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_file(case: dict[str, str], tmp_path: Path) -> None:
    fill = {"tmp": str(tmp_path)}
    args = ["--cohort", str(DATA / case["file"]), *BASE_ARGS]
    args += [a.format(**fill) for a in shlex.split(case["args"])]
    expected = case["message"].format(**fill)
    out, err = io.StringIO(), io.StringIO()
    if case["exit"] == "0":
        call_command("evaluate", *args, stdout=out, stderr=err)
        assert expected in out.getvalue()
        return
    with pytest.raises(CommandError) as caught:
        call_command("evaluate", *args, stdout=out, stderr=err)
    message = str(caught.value)
    assert caught.value.returncode == int(case["exit"]), message
    assert expected in message
    assert "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize(
    ("name", "extra", "status"),
    [
        ("files/time_continental.csv", [], 2),
        ("files/a_folder", [], 2),
        ("files/good.csv", ["--out"], 2),
        ("files/covariate_out_of_range.csv", ["--covariates", "age,prio"], 2),
        ("files/model_no_events.csv", ["--covariates", "age,prio"], 1),
    ],
)
def test_real_command_one_plain_line_and_its_status(
    name: str, extra: list[str], status: int, tmp_path: Path
) -> None:
    """The installed entry point: the documented status, one plain line on standard error (no
    "CommandError:" before it; seen red without Command.execute), no traceback."""
    if extra == ["--out"]:
        extra = ["--out", str(tmp_path / "missing" / "r.json")]
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("desist")), "evaluate", "--cohort", str(DATA / name)]
        + BASE_ARGS
        + extra,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert not line.startswith("CommandError"), line
    assert proc.stdout == ""
