"""The reader's fast path (pandas' typed parse) and its strict path read every file alike.

The fast path only accepts what it can prove clean and hands everything else to the strict
path; this generated test checks it never accepts a value the strict path would refuse or
read differently.
"""

from __future__ import annotations

import io

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from desist.evaluation.engine.cohortfile import read_cohort_file
from desist.evaluation.engine.errors import EngineInputError

TOKENS = [
    "0",
    "1",
    "2",
    "7",
    "10",
    "0.5",
    "3.25",
    "-1",
    "+4",
    "1e3",
    "1E-2",
    ".5",
    "5.",
    "inf",
    "-Infinity",
    "nan",
    "NA",
    "",
    " ",
    " 3 ",
    "1,5",
    "1,234",
    "1.234,5",
    "1_0",
    "\u0661",
    "0x1",
    "yes",
    "no",
    "true",
    "a",
    "b",
    "low",
    '"2"',
    '"x,y"',
    "1.0",
]


def _read(data: bytes, fast: bool, missing: str) -> tuple[str, object]:
    try:
        got = read_cohort_file(
            io.BytesIO(data), "t", "e", "g", ["c", "d"], missing=missing, fast=fast
        )
    except EngineInputError as exc:
        return "error", str(exc)
    return "frame", got.frame


rows = st.lists(st.lists(st.sampled_from(TOKENS), min_size=5, max_size=6), min_size=2, max_size=8)


@settings(max_examples=300, deadline=None)
@given(rows=rows, sep=st.sampled_from([",", ";", "\t"]), missing=st.sampled_from(["drop", "error"]))
def test_fast_and_strict_paths_agree(rows: list[list[str]], sep: str, missing: str) -> None:
    lines = [sep.join(["t", "e", "g", "c", "d"])] + [sep.join(r) for r in rows]
    data = ("\n".join(lines) + "\n").encode()
    fast_kind, fast = _read(data, True, missing)
    strict_kind, strict = _read(data, False, missing)
    assert fast_kind == strict_kind, (fast, strict)
    if fast_kind == "error":
        assert fast == strict
    else:
        assert isinstance(fast, pd.DataFrame) and isinstance(strict, pd.DataFrame)
        pd.testing.assert_frame_equal(fast, strict, check_dtype=False, check_index_type=False)
