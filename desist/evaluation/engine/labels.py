"""Plain-language labels for the engine's covariate codes, one definition for every reader.

The engine names its columns by code (``risk_level``; one-hot ``sex[female]``); anything a
person reads (warnings, the report's tables, chart axes) says ``Risk level: high`` instead.
Codes not listed here still read as words (``index_year`` -> ``Index year``), never as a code.
"""

from __future__ import annotations

import re

# Covariate -> (label, unit or ""). The unit goes in brackets after a numeric covariate's label.
COVARIATES: dict[str, tuple[str, str]] = {
    "programme": ("Programme (compared with the comparison group)", ""),
    "age": ("Age at the index date", "years"),
    "sex": ("Sex", ""),
    "relationship": ("Relationship to the victim", ""),
    "risk_level": ("Risk level at the index date", ""),
    "prior_offences": ("Proven offences before the index date", "number"),
    "order_type": ("Order in force at the index date", ""),
    "index_year": ("Calendar year of the index date", ""),
    "index_period": ("Calendar period of the index date", "year, quarters as .25"),
    "calendar_period": ("Calendar period of the index date", ""),
}
LEVELS: dict[str, str] = {
    "ex_partner": "ex-partner",
    "not_recorded": "not recorded",
    "not_assessed": "not assessed",
    "interim": "interim order",
    "full": "full order",
}
_ONE_HOT = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<level>[^\[\]]*)\]$")


def _words(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def level_label(level: str) -> str:
    return LEVELS.get(level, level.replace("_", " "))


def reference_note(code: str, references: dict[str, str]) -> str:
    """`` (compared with: not assessed)`` for a dummy of a categorical covariate, else ``""``."""
    one_hot = _ONE_HOT.match(str(code))
    if not one_hot or one_hot["name"] not in references:
        return ""
    return f" (compared with: {level_label(references[one_hot['name']])})"


def covariate_label(code: str, *, unit: bool = True) -> str:
    """``sex[female]`` -> ``Sex: female``; ``age`` -> ``Age at the index date (years)``."""
    code = str(code)
    one_hot = _ONE_HOT.match(code)
    if one_hot:
        name, level = one_hot["name"], one_hot["level"]
        label = COVARIATES.get(name, (_words(name), ""))[0]
        return f"{label}: {level_label(level)}"
    label, u = COVARIATES.get(code, (_words(code), ""))
    return f"{label} ({u})" if unit and u else label


def covariate_list(codes: list[str] | tuple[str, ...]) -> str:
    """Labels joined for a sentence, separated by semicolons (labels may hold commas)."""
    return "; ".join(covariate_label(c, unit=False) for c in codes)


_QUOTED_CODE = re.compile(r"'(?P<code>[a-z][a-z0-9_]*(?:\[[^\[\]']*\])?)'")


def label_codes(text: str) -> str:
    """The engine's messages quote the covariates they name (``'sex[female]'``), which suits a
    cohort file's own column names; a report for people names them by label instead."""
    return _QUOTED_CODE.sub(lambda m: covariate_label(m["code"], unit=False), text)
