"""Synthetic input frames with a known programme effect, for tests and the benchmark.

The data are invented. People get covariates; the chance of being put forward depends on them
(so a naive comparison is biased and matching has work to do); re-offending follows an
exponential hazard that depends on the covariates and, for starters, is multiplied by
``effect`` (default 0.7: starters re-offend at 70% of the hazard they would otherwise have).
Put-forward people who never start get no effect, so the intention-to-treat hazard ratio is
diluted towards 1.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

RELATIONSHIPS = ("ex_partner", "acquaintance", "stranger", "family", "colleague")
RISK = ("low", "medium", "high")


def synthetic_frames(
    n: int = 2000,
    *,
    seed: int = 0,
    effect: float = 0.7,
    start: dt.date = dt.date(2019, 1, 1),
    end: dt.date = dt.date(2024, 6, 30),
    sessions: bool = True,
) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    # The draws come in a fixed order (people, offences, programme): the seeded data, and the
    # results checked against it, depend on it.
    people, rate = _synthetic_people(rng, n, effect=effect, start=start, end=end)
    frames = {"people": people, "outcomes": _synthetic_outcomes(rng, people, rate)}
    started = people["started"].to_numpy()
    if sessions and started.any():
        frames.update(_synthetic_programme(rng, people))
    return frames


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _synthetic_people(
    rng: np.random.Generator, n: int, *, effect: float, start: dt.date, end: dt.date
) -> tuple[pd.DataFrame, np.ndarray]:
    """The people frame, and each person's daily re-offending hazard."""
    ids = np.array([f"P{i:07d}" for i in range(n)])
    span = (end - start).days
    index_date = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, span, n), unit="D")
    age = np.round(18 + rng.gamma(4.0, 4.5, n), 0)
    sex = rng.choice(["male", "female"], n, p=[0.85, 0.15])
    relationship = rng.choice(RELATIONSHIPS, n, p=[0.5, 0.2, 0.1, 0.1, 0.1])
    risk_code = rng.choice(3, n, p=[0.3, 0.45, 0.25])
    risk = np.array(RISK)[risk_code]
    prior = rng.poisson(1.0 + 0.8 * risk_code)
    order_type = rng.choice(["full", "interim"], n, p=[0.7, 0.3])

    considered = rng.random(n) < _expit(0.2 + 0.4 * risk_code)
    lp_forward = (
        -0.8 + 0.5 * (risk_code - 1) - 0.02 * (age - 35) + 0.4 * (relationship == "ex_partner")
    )
    put_forward = considered & (rng.random(n) < _expit(lp_forward))
    consented = put_forward & (rng.random(n) < 0.75)
    started = consented & (rng.random(n) < 0.9)
    completed = started & (rng.random(n) < _expit(0.9 - 0.3 * (risk_code - 1) + 0.02 * (age - 35)))

    lp = (
        -0.025 * (age - 35)
        + 0.35 * (risk_code - 1)
        + 0.12 * prior
        + 0.2 * (relationship == "ex_partner")
        - 0.2 * (sex == "female")
    )
    base_daily = 0.35 / 365  # about 30% re-offend within a year at the mean
    rate = base_daily * np.exp(lp) * np.where(started, effect, 1.0)
    people = pd.DataFrame(
        {
            "person_id": ids,
            "index_date": index_date,
            "considered": considered,
            "put_forward": put_forward,
            "consented": consented,
            "declined": put_forward & ~consented,
            "started": started,
            "completed": completed,
            "age": age,
            "sex": sex,
            "relationship": relationship,
            "risk_level": risk,
            "prior_offences": prior,
            "order_type": order_type,
        }
    )
    return people, rate


def _synthetic_outcomes(
    rng: np.random.Generator, people: pd.DataFrame, rate: np.ndarray
) -> pd.DataFrame:
    """Up to three offences each: a Poisson process over three years."""
    n = len(people)
    ids = people["person_id"].to_numpy()
    index_date = pd.DatetimeIndex(people["index_date"])
    k = 3
    gaps = rng.exponential(1.0, (n, k)) / rate[:, None]
    times = np.ceil(np.cumsum(gaps, axis=1))
    within = times <= 3 * 365
    who = np.repeat(np.arange(n), k)[within.ravel()]
    days = times.ravel()[within.ravel()].astype(int)
    m = len(who)
    offence_date = index_date.to_numpy()[who] + days.astype("timedelta64[D]")
    proven = rng.random(m) < 0.8
    lag = np.ceil(rng.gamma(2.0, 45.0, m)).astype(int)
    proven_date = np.where(
        proven, offence_date + lag.astype("timedelta64[D]"), np.datetime64("NaT")
    )
    return pd.DataFrame(
        {
            "person_id": ids[who],
            "offence_date": offence_date,
            "proven_date": pd.to_datetime(proven_date),
            "stalking_related": rng.random(m) < 0.6,
            "breach": rng.random(m) < 0.3,
        }
    )


def _synthetic_programme(rng: np.random.Generator, people: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Sessions, victims' ratings, a measure and costs for the starters."""
    ids = people["person_id"].to_numpy()
    index_date = pd.DatetimeIndex(people["index_date"])
    completed = people["completed"].to_numpy()
    st = np.flatnonzero(people["started"].to_numpy())
    frames: dict[str, pd.DataFrame] = {}
    s = 12
    pid = np.repeat(ids[st], s)
    sess_date = np.repeat(index_date.to_numpy()[st], s) + np.tile(
        (np.arange(s) * 14 + 14).astype("timedelta64[D]"), len(st)
    )
    p_attend = np.repeat(np.where(completed[st], 0.9, 0.45), s)
    frames["sessions"] = pd.DataFrame(
        {
            "person_id": pid,
            "session_date": sess_date,
            "attended": rng.random(len(pid)) < p_attend,
        }
    )
    vref = np.array([f"V{i:06d}" for i in range(len(st))])
    rows = []
    for measure, base, change in (("fear", 7.5, -2.0), ("safety", 3.5, 2.0)):
        b = np.clip(np.round(rng.normal(base, 1.5, len(st))), 0, 10)
        e = np.clip(np.round(b + rng.normal(change, 1.5, len(st))), 0, 10)
        mid = np.clip(np.round((b + e) / 2 + rng.normal(0, 1, len(st))), 0, 10)
        for tp, score, offset in (("baseline", b, 0), ("mid", mid, 90), ("end", e, 180)):
            rows.append(
                pd.DataFrame(
                    {
                        "person_id": ids[st],
                        "victim_ref": vref,
                        "rating_date": index_date.to_numpy()[st] + np.timedelta64(offset, "D"),
                        "measure": measure,
                        "score": score,
                        "timepoint": tp,
                    }
                )
            )
    frames["victim_ratings"] = pd.concat(rows, ignore_index=True)
    b = rng.normal(30, 8, len(st))
    frames["measures"] = pd.DataFrame(
        {
            "person_id": np.concatenate([ids[st], ids[st]]),
            "measure": "obsessive_relational_intrusion",
            "timepoint": ["baseline"] * len(st) + ["end"] * len(st),
            "score": np.concatenate([b, b + rng.normal(-4, 6, len(st))]),
        }
    )
    frames["costs"] = pd.DataFrame(
        {
            "person_id": np.concatenate([ids[st], [None]]),
            "amount": np.concatenate([np.full(len(st), 1450.0), [25000.0]]),
            "category": ["sessions"] * len(st) + ["overheads"],
        }
    )
    return frames
