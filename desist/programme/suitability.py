"""The suitability assessment as data (issue 20): the criteria a practitioner answers one by
one, the outcomes, the coded reasons each outcome allows, and the rule that ties them together.

The questions are the project's own words (no published tool's wording). The form shows them,
the assessment command checks answers against them, the referral workflow takes its reasons
for 'Not ready yet' and 'Not suitable' from here, and the migration's check constraint allows
exactly these reason codes for each outcome. Pure data and functions: no model imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

# Bump when the criteria change; each assessment keeps the version it was answered under
# (0: recorded before the criteria existed, so it has no answers).
CRITERIA_VERSION = 1

SUITABLE = "suitable"
NOT_READY = "not_ready"
NOT_SUITABLE = "not_suitable"
OUTCOMES: list[tuple[str, str]] = [
    (SUITABLE, "Suitable"),
    (NOT_READY, "Not ready yet"),
    (NOT_SUITABLE, "Not suitable"),
]
OUTCOME_LABELS = dict(OUTCOMES)

YES, NO, NOT_KNOWN = "yes", "no", "not_known"
ANSWERS: list[tuple[str, str]] = [(YES, "Yes"), (NO, "No"), (NOT_KNOWN, "Not known yet")]
ANSWER_LABELS = dict(ANSWERS)

# A criterion about whether the programme can help the person at all ("suitable"), or about
# whether now is the time ("ready").
FIT, TIMING = "fit", "timing"

NOT_SUITABLE_REASONS: list[tuple[str, str]] = [
    ("denies_all_behaviour", "Denies all of the behaviour and will not discuss it"),
    ("severe_mental_illness", "Needs treatment for a severe mental illness first"),
    ("substance_misuse", "Substance misuse would prevent taking part"),
    ("cognitive_needs", "Learning or cognitive needs the programme cannot meet"),
    ("other", "Another reason"),
]
NOT_READY_REASONS: list[tuple[str, str]] = [
    ("crisis", "In crisis now (housing, health or similar)"),
    ("proceedings_pending", "Criminal proceedings not yet concluded"),
    ("motivation", "Not yet motivated to take part"),
    ("other", "Another reason"),
]
REASONS_BY_OUTCOME: dict[str, list[tuple[str, str]]] = {
    SUITABLE: [],
    NOT_READY: NOT_READY_REASONS,
    NOT_SUITABLE: NOT_SUITABLE_REASONS,
}

# How far ahead a readiness review may be set.
REVIEW_WITHIN = dt.timedelta(days=366)
DEFAULT_REVIEW_AFTER = dt.timedelta(days=91)


@dataclass(frozen=True)
class Criterion:
    code: str
    question: str
    hint: str
    kind: str  # FIT or TIMING
    reason: str  # the coded reason a "No" to this question stands for
    what: str  # completes "Select whether ..." in the error message


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "discusses_behaviour",
        "Will the person talk about at least some of the behaviour behind the order?",
        "They need not accept every detail. Answer No if they deny all of it and will not "
        "discuss it.",
        FIT,
        "denies_all_behaviour",
        "the person will talk about the behaviour behind the order",
    ),
    Criterion(
        "mental_health",
        "Can the person take part without first being treated for a severe mental illness?",
        "",
        FIT,
        "severe_mental_illness",
        "the person can take part without treatment for a severe mental illness first",
    ),
    Criterion(
        "substance_use",
        "Would the person's use of alcohol or drugs still let them take part each week?",
        "Answer Yes if they use neither.",
        FIT,
        "substance_misuse",
        "the person's use of alcohol or drugs would let them take part",
    ),
    Criterion(
        "needs_met",
        "Can the programme meet the person's learning, language and cognitive needs?",
        "",
        FIT,
        "cognitive_needs",
        "the programme can meet the person's needs",
    ),
    Criterion(
        "circumstances_steady",
        "Are the person's circumstances steady enough for them to come every week?",
        "For example housing, health, money and work.",
        TIMING,
        "crisis",
        "the person's circumstances are steady enough",
    ),
    Criterion(
        "proceedings_decided",
        "Have all criminal proceedings against the person been decided?",
        "Answer Yes if there are none.",
        TIMING,
        "proceedings_pending",
        "all criminal proceedings against the person have been decided",
    ),
    Criterion(
        "willing",
        "Does the person say they are willing to come and take part?",
        "",
        TIMING,
        "motivation",
        "the person says they are willing to take part",
    ),
)
CRITERIA_BY_CODE = {c.code: c for c in CRITERIA}
CRITERION_FOR_REASON = {c.reason: c for c in CRITERIA}


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def reason_label(code: str) -> str:
    for options in REASONS_BY_OUTCOME.values():
        for value, label in options:
            if value == code:
                return label
    return code


def answer_errors(answers: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Every criterion answered Yes, No or Not known yet; a note where the answer is not known
    (what is still to be found out). Keys are the form's field names."""
    errors: dict[str, str] = {}
    for c in CRITERIA:
        given = answers.get(c.code) or {}
        answer = given.get("answer", "")
        if answer not in ANSWER_LABELS:
            errors[f"c_{c.code}"] = f"Select whether {c.what}"
        elif answer == NOT_KNOWN and not (given.get("note") or "").strip():
            errors[f"c_{c.code}_note"] = "Enter what is still to be found out"
    return errors


def _first(answers: Mapping[str, Mapping[str, str]], kinds: set[str], values: set[str]) -> str:
    """The question of the first criterion of `kinds` answered with one of `values`."""
    for c in CRITERIA:
        if c.kind in kinds and (answers.get(c.code) or {}).get("answer") in values:
            return c.question
    return ""


def outcome_error(outcome: str, answers: Mapping[str, Mapping[str, str]]) -> str:
    """The outcome must follow from the answers: suitable only when every answer is Yes; not
    suitable only with a No to a question about fit; not ready yet when something is still in
    the way (a No about timing, or anything not known yet) and nothing rules the person out."""
    if outcome not in OUTCOME_LABELS:
        return "Select the outcome of the suitability assessment"
    if outcome == SUITABLE:
        if q := _first(answers, {FIT, TIMING}, {NO, NOT_KNOWN}):
            return f"Select 'Suitable' only when every answer is Yes. Check: {q}"
    elif outcome == NOT_SUITABLE:
        if not _first(answers, {FIT}, {NO}):
            return (
                "Select 'Not suitable' only when a question about fit (the first "
                f"{sum(c.kind == FIT for c in CRITERIA)}) is answered No"
            )
    elif q := _first(answers, {FIT}, {NO}):
        return f"A No means the person is not suitable: select 'Not suitable'. Check: {q}"
    elif not _first(answers, {FIT, TIMING}, {NO, NOT_KNOWN}):
        return "Every answer is Yes: select 'Suitable'"
    return ""


def reason_error(outcome: str, reason_code: str, answers: Mapping[str, Mapping[str, str]]) -> str:
    """Only a reason of the outcome's own list, and one the answers bear out."""
    label = outcome_label(outcome)
    allowed = {code for code, _ in REASONS_BY_OUTCOME.get(outcome, [])}
    if outcome == SUITABLE:
        return f"Select a reason that fits '{label}': it needs none" if reason_code else ""
    if not reason_code:
        return f"Select the main reason for '{label}'"
    if reason_code not in allowed:
        return f"Select a reason that fits '{label}'"
    criterion = CRITERION_FOR_REASON.get(reason_code)
    if criterion is not None:
        answer = (answers.get(criterion.code) or {}).get("answer")
        fits = {NO} if outcome == NOT_SUITABLE else {NO, NOT_KNOWN}
        if answer not in fits:
            return (
                f"Select a reason that fits your answers: you answered "
                f"{ANSWER_LABELS.get(answer or '', 'nothing')} to '{criterion.question}'"
            )
    return ""


def review_error(outcome: str, review_on: dt.date | None, *, today: dt.date) -> str:
    """'Not ready yet' needs a review date, after today and within a year."""
    if outcome != NOT_READY:
        return ""
    if review_on is None:
        return "Enter the date to review whether the person is ready"
    if review_on <= today:
        return "The review date must be in the future"
    if review_on > today + REVIEW_WITHIN:
        return "The review date must be within a year"
    return ""


def clean_answers(answers: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Only the known criteria, each answer with its note (trimmed)."""
    out: dict[str, dict[str, str]] = {}
    for c in CRITERIA:
        given = answers.get(c.code) or {}
        out[c.code] = {
            "answer": given.get("answer", ""),
            "note": (given.get("note") or "").strip(),
        }
    return out


def answers_for(outcome: str, reason_code: str = "") -> dict[str, dict[str, str]]:
    """A set of answers an outcome follows from: Yes throughout, and No to the question the
    reason stands for (for the demo seed and tests; a practitioner answers each one)."""
    answers = {c.code: {"answer": YES, "note": ""} for c in CRITERIA}
    criterion = CRITERION_FOR_REASON.get(reason_code)
    if outcome != SUITABLE and criterion is not None:
        answers[criterion.code]["answer"] = NO
    elif outcome == NOT_READY:  # "another reason": what is in the way is not known yet
        answers["circumstances_steady"] = {"answer": NOT_KNOWN, "note": "To be checked"}
    elif outcome == NOT_SUITABLE:
        answers["needs_met"]["answer"] = NO
    return answers
