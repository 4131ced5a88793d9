"""Evaluation parameters, with the defaults documented in docs/evaluation.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# index_period (calendar year and quarter of the index date, derived by prepare_people) lets
# matching compare people from the same period of policing and court practice.
DEFAULT_COVARIATES = (
    "age",
    "sex",
    "relationship",
    "risk_level",
    "prior_offences",
    "order_type",
    "index_period",
)
COHORTS = ("itt", "starters", "completers")
COMPARISONS = ("not_put_forward", "declined", "both")
OUTCOMES = ("any", "stalking", "breach", "stalking_or_breach")


@dataclass(frozen=True)
class EvaluationParams:
    data_end_date: dt.date = field(default_factory=dt.date.today)
    follow_up_months: int = 12
    waiting_months: int = 6
    outcome: str = "any"
    cohorts: tuple[str, ...] = COHORTS
    comparison: str = "both"
    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    caliper: float | None = 0.2
    replacement: bool = False
    ratio: int = 1
    min_cohort: int = 60
    seed: int = 0
    charts: bool = True

    def __post_init__(self) -> None:
        if self.follow_up_months < 1:
            raise ValueError("follow_up_months must be at least 1")
        if self.waiting_months < 0:
            raise ValueError("waiting_months cannot be negative")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if self.comparison not in COMPARISONS:
            raise ValueError(f"comparison must be one of {', '.join(COMPARISONS)}")
        bad = [c for c in self.cohorts if c not in COHORTS]
        if bad:
            raise ValueError(f"unknown cohort(s) {bad}; choose from {', '.join(COHORTS)}")
        if self.caliper is not None and self.caliper <= 0:
            raise ValueError("caliper must be positive (or None for no caliper)")
        if self.ratio < 1:
            raise ValueError("ratio must be at least 1")
        if self.min_cohort < 1:
            raise ValueError("min_cohort must be at least 1")

    @classmethod
    def from_value(cls, value: EvaluationParams | Mapping[str, Any] | None) -> EvaluationParams:
        if value is None:
            return cls()
        if isinstance(value, EvaluationParams):
            return value
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        kwargs = dict(value)
        for name in ("cohorts", "covariates"):
            if name in kwargs and kwargs[name] is not None:
                kwargs[name] = tuple(kwargs[name])
        if isinstance(kwargs.get("data_end_date"), str):
            kwargs["data_end_date"] = dt.date.fromisoformat(kwargs["data_end_date"])
        return cls(**kwargs)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["data_end_date"] = self.data_end_date.isoformat()
        d["cohorts"] = list(self.cohorts)
        d["covariates"] = list(self.covariates)
        return d
