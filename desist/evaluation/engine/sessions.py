"""Sessions attended against outcome (an association: attendance is not randomised)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from desist.evaluation.engine.errors import EngineInputError
from desist.evaluation.engine.rates import proportion

BANDS = ((0, 0, "0"), (1, 3, "1-3"), (4, 6, "4-6"), (7, 9, "7-9"), (10, None, "10 or more"))


def attendance(sessions: pd.DataFrame) -> pd.DataFrame:
    for c in ("person_id", "attended"):
        if c not in sessions.columns:
            raise EngineInputError("the sessions frame has no column " + c, column=c)
    s = sessions.copy()
    s["person_id"] = s["person_id"].astype(str)
    s["attended"] = s["attended"].fillna(False).astype(bool)
    g = s.groupby("person_id")["attended"]
    return pd.DataFrame({"scheduled": g.size(), "attended": g.sum()})


def sessions_vs_outcome(
    sessions: pd.DataFrame, starters: pd.DataFrame, outcomes: pd.DataFrame
) -> dict[str, Any]:
    """Re-offending by band of sessions attended, among starters with full follow-up.

    ``starters``: people frame rows (``person_id``) of starters; ``outcomes``: their
    ``follow_up`` rows (same order). Also Spearman's rho between sessions attended and the
    number of proven re-offences.
    """
    att = attendance(sessions)
    ids = starters["person_id"].astype(str).to_numpy()
    attended = att["attended"].reindex(ids).fillna(0).to_numpy(dtype=int)
    ok = outcomes["full_follow_up"].to_numpy(dtype=bool)
    y = outcomes["reoffended"].to_numpy(dtype=bool)
    cnt = outcomes["reoffences"].to_numpy(dtype=float)
    bands = []
    for lo, hi, label in BANDS:
        m = ok & (attended >= lo) & (attended <= (hi if hi is not None else np.iinfo(int).max))
        n = int(m.sum())
        bands.append({"sessions": label, **proportion(int(y[m].sum()), n)})
    rho = p = None
    if ok.sum() > 2 and np.ptp(attended[ok]) > 0 and np.ptp(cnt[ok]) > 0:
        res = stats.spearmanr(attended[ok], cnt[ok])
        rho, p = float(res.statistic), float(res.pvalue)
    return {
        "bands": bands,
        "spearman_rho": rho,
        "spearman_p": p,
        "n": int(ok.sum()),
        "mean_attended": float(attended.mean()) if len(attended) else None,
        "note": "Association only: people who attend more may differ in other ways.",
    }
