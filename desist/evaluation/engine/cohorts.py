"""Cohorts and follow-up: who is treated, who may be compared, and what happened to them.

Validates the ``people`` and ``outcomes`` frames (docs/evaluation.md, "Input frames") and
derives, per person, the Justice Data Lab style outcomes:

* ``window_end`` = ``index_date`` + follow-up months; ``proven_by`` = ``window_end`` + waiting
  months. A proven re-offence is an offence in (``index_date``, ``window_end``] proven on or
  before ``proven_by``.
* ``full_follow_up``: ``proven_by`` <= the data end date and the person was followable to
  ``window_end`` (no earlier ``exit_date``). Only these people enter the re-offending rate and
  frequency, so every one had the same chance to re-offend and be convicted.
* ``index_period``: the calendar year and quarter of ``index_date`` as a number (2024 Q2 is
  2024.25), added when the frame has no such column; a default matching covariate.
* For survival, follow-up runs to the earliest of ``window_end``, ``data_end_date`` minus the
  waiting period (so any offence counted had its full waiting period to be proven) and
  ``exit_date``; ``time`` is in days from ``index_date`` and ``event`` is a first proven
  re-offence within it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from desist.evaluation.engine.errors import EngineInputError
from desist.evaluation.engine.params import EvaluationParams

PEOPLE_REQUIRED = (
    "person_id",
    "index_date",
    "considered",
    "put_forward",
    "consented",
    "started",
    "completed",
)
FLAGS = ("considered", "put_forward", "consented", "declined", "started", "completed")
OUTCOMES_REQUIRED = ("person_id", "offence_date")


def _flag(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype(bool)
    mapping = {"true": True, "1": True, "yes": True, "y": True, "t": True}
    return s.map(
        lambda v: (
            False
            if v is None or v is pd.NA or v != v
            else (
                bool(v)
                if isinstance(v, int | float | np.integer | np.floating | bool | np.bool_)
                else str(v).strip().lower() in mapping
            )
        )
    ).astype(bool)


def _dates(
    df: pd.DataFrame, column: str, id_col: str = "person_id", required: bool = True
) -> pd.Series:
    raw = df[column]
    parsed = pd.to_datetime(raw, errors="coerce")
    if hasattr(parsed.dt, "tz") and parsed.dt.tz is not None:
        parsed = parsed.dt.tz_localize(None)
    parsed = parsed.dt.normalize()
    bad = parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        raise EngineInputError(
            f"{raw.iloc[i]!r} is not a date", row=str(df[id_col].iloc[i]), column=column
        )
    if required and parsed.isna().any():
        i = parsed.isna().to_numpy().nonzero()[0][0]
        raise EngineInputError("a date is required", row=str(df[id_col].iloc[i]), column=column)
    return parsed


def prepare_people(people: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the ``people`` frame (copies; the input is left alone)."""
    missing = [c for c in PEOPLE_REQUIRED if c not in people.columns]
    if missing:
        raise EngineInputError(
            "the people frame has no column(s) " + ", ".join(missing), column=missing[0]
        )
    df = people.copy().reset_index(drop=True)
    if df["person_id"].isna().any():
        i = int(df["person_id"].isna().to_numpy().nonzero()[0][0])
        raise EngineInputError(f"person_id is empty (row {i + 1} of the frame)", column="person_id")
    df["person_id"] = df["person_id"].astype(str)
    dup = df["person_id"].duplicated()
    if dup.any():
        raise EngineInputError(
            "person_id appears more than once",
            row=df.loc[dup, "person_id"].iloc[0],
            column="person_id",
        )
    for c in FLAGS:
        if c in df.columns:
            df[c] = _flag(df[c])
    if "declined" not in df.columns:
        df["declined"] = df["put_forward"] & ~df["consented"]
    df["index_date"] = _dates(df, "index_date")
    if "index_period" not in df.columns:
        df["index_period"] = index_period(df["index_date"])
    if "exit_date" in df.columns:
        df["exit_date"] = _dates(df, "exit_date", required=False)
    else:
        df["exit_date"] = pd.NaT
    chain = [
        ("completed", "started"),
        ("started", "consented"),
        ("consented", "put_forward"),
        ("put_forward", "considered"),
    ]
    for later, earlier in chain:
        bad = df[later] & ~df[earlier]
        if bad.any():
            raise EngineInputError(
                f"'{later}' is true but '{earlier}' is false",
                row=df.loc[bad, "person_id"].iloc[0],
                column=earlier,
            )
    bad = df["declined"] & df["consented"]
    if bad.any():
        raise EngineInputError(
            "'declined' and 'consented' are both true",
            row=df.loc[bad, "person_id"].iloc[0],
            column="declined",
        )
    return df


def index_period(dates: pd.Series) -> pd.Series:
    """The calendar period of each date as a number: year + (quarter - 1) / 4 (2024 Q2 = 2024.25)."""
    return (dates.dt.year + (dates.dt.quarter - 1) / 4).astype(float)


def treated_mask(people: pd.DataFrame, cohort: str) -> np.ndarray:
    if cohort == "itt":
        return people["put_forward"].to_numpy(dtype=bool)
    if cohort == "starters":
        return people["started"].to_numpy(dtype=bool)
    if cohort == "completers":
        return people["completed"].to_numpy(dtype=bool)
    raise ValueError(f"unknown cohort {cohort!r}")


def comparison_mask(people: pd.DataFrame, cohort: str, comparison: str) -> np.ndarray:
    """The comparison pool for ``cohort``: never anyone in the treated cohort itself."""
    not_forward = ~people["put_forward"].to_numpy(dtype=bool)
    declined = people["declined"].to_numpy(dtype=bool)
    if comparison == "not_put_forward":
        pool = not_forward
    elif comparison == "declined":
        pool = declined
    elif comparison == "both":
        pool = not_forward | declined
    else:
        raise ValueError(f"unknown comparison {comparison!r}")
    return pool & ~treated_mask(people, cohort)


def prepare_outcomes(
    outcomes: pd.DataFrame | None, people: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """Check the ``outcomes`` frame. Returns (frame, count of rows for unknown people)."""
    cols = ["person_id", "offence_date", "proven_date", "stalking_related", "breach"]
    if outcomes is None or len(outcomes) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}), 0
    missing = [c for c in OUTCOMES_REQUIRED if c not in outcomes.columns]
    if missing:
        raise EngineInputError(
            "the outcomes frame has no column(s) " + ", ".join(missing), column=missing[0]
        )
    df = outcomes.copy().reset_index(drop=True)
    df["person_id"] = df["person_id"].astype(str)
    df["offence_date"] = _dates(df, "offence_date")
    if "proven_date" in df.columns:
        df["proven_date"] = _dates(df, "proven_date", required=False)
    else:
        df["proven_date"] = pd.NaT
    for c in ("stalking_related", "breach"):
        df[c] = _flag(df[c]) if c in df.columns else False
    known = df["person_id"].isin(people["person_id"])
    return df[known].reset_index(drop=True), int((~known).sum())


def _offence_filter(outcomes: pd.DataFrame, outcome: str) -> pd.Series:
    if outcome == "any":
        return pd.Series(True, index=outcomes.index)
    if outcome == "stalking":
        return outcomes["stalking_related"]
    if outcome == "breach":
        return outcomes["breach"]
    if outcome == "stalking_or_breach":
        return outcomes["stalking_related"] | outcomes["breach"]
    raise ValueError(f"unknown outcome {outcome!r}")


def follow_up(
    people: pd.DataFrame, outcomes: pd.DataFrame, params: EvaluationParams
) -> pd.DataFrame:
    """Per-person outcome columns, aligned with ``people`` (same order and index).

    Columns: ``window_end``, ``proven_by``, ``full_follow_up`` (bool), ``reoffended`` (bool,
    meaningful where ``full_follow_up``), ``reoffences`` (count of proven re-offences in the
    window), ``time`` (days), ``event`` (0/1) and ``survival_eligible`` (follow-up > 0 days).
    """
    end = pd.Timestamp(params.data_end_date)
    index = people["index_date"]
    window_end = index + pd.DateOffset(months=params.follow_up_months)
    proven_by = window_end + pd.DateOffset(months=params.waiting_months)
    exit_date = people["exit_date"]
    full = (proven_by <= end) & (exit_date.isna() | (exit_date >= window_end))

    waiting_cut = end - pd.DateOffset(months=params.waiting_months)
    obs_end = window_end.where(window_end <= waiting_cut, waiting_cut)
    obs_end = obs_end.where(exit_date.isna() | (exit_date >= obs_end), exit_date)

    o = outcomes[_offence_filter(outcomes, params.outcome)]
    pos = pd.Series(np.arange(len(people)), index=people["person_id"].to_numpy())
    reoffences = np.zeros(len(people), dtype=int)
    first = pd.Series(pd.NaT, index=range(len(people)), dtype="datetime64[ns]")
    if len(o):
        p = pos.loc[o["person_id"].to_numpy()].to_numpy()
        od = o["offence_date"].to_numpy()
        pd_ = o["proven_date"].to_numpy()
        idx = index.to_numpy()[p]
        we = window_end.to_numpy()[p]
        pb = proven_by.to_numpy()[p]
        proven = ~pd.isna(pd_) & (pd_ <= pb) & (pd_ <= np.datetime64(end))
        in_window = (od > idx) & (od <= we) & proven
        np.add.at(reoffences, p[in_window], 1)
        # survival: the first counted offence within each person's observation period
        oe = obs_end.to_numpy()[p]
        counted = (od > idx) & (od <= oe) & proven
        if counted.any():
            s = pd.Series(od[counted]).groupby(p[counted]).min()
            first.iloc[s.index.to_numpy()] = s.to_numpy()
    first_np = first.to_numpy()
    has_event = ~pd.isna(first_np)
    stop = np.where(has_event, first_np, obs_end.to_numpy())
    time = (stop - index.to_numpy()) / np.timedelta64(1, "D")
    out = pd.DataFrame(
        {
            "window_end": window_end.to_numpy(),
            "proven_by": proven_by.to_numpy(),
            "full_follow_up": full.to_numpy(dtype=bool),
            "reoffended": reoffences > 0,
            "reoffences": reoffences,
            "time": time.astype(float),
            "event": has_event.astype(int),
        },
        index=people.index,
    )
    out["survival_eligible"] = out["time"] > 0
    return out


def funnel_counts(people: pd.DataFrame) -> dict[str, int]:
    return {
        "considered": int(people["considered"].sum()),
        "put_forward": int(people["put_forward"].sum()),
        "consented": int(people["consented"].sum()),
        "started": int(people["started"].sum()),
        "completed": int(people["completed"].sum()),
    }


def describe(people: pd.DataFrame) -> dict[str, Any]:
    return {"people": int(len(people)), **funnel_counts(people)}
