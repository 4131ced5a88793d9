"""The instrument engine: definition validation, answer validation, scoring and thresholds."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desist.risk import engine

# --- definitions used by the tests (synthetic wording) --------------------------------------


def checklist(
    n: int = 4,
    *,
    weights: dict[str, Any] | None = None,
    bands: list[tuple[str, Any]] | None = None,
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "code": "test-checklist",
        "name": "Test checklist",
        "version": "1",
        "kind": "screening",
        "authorship": "organisation",
        "items": [
            {"id": f"q{i + 1}", "type": "yes_no", "text": f"Item {i + 1}?"} for i in range(n)
        ],
        "levels": [
            {"code": "standard", "label": "Standard"},
            {"code": "medium", "label": "Medium"},
            {"code": "high", "label": "High"},
        ],
        "thresholds": [{"level": lv, "min": m} for lv, m in (bands or [("standard", 0)])],
    }
    if weights:
        d["scoring"] = {"method": "sum", "weights": weights}
    return d


def frequency_measure() -> dict[str, Any]:
    return {
        "code": "test-frequency",
        "name": "Test frequency measure",
        "version": "2",
        "kind": "outcome_measure",
        "authorship": "licensed",
        "licence": "Synthetic test instrument",
        "scales": {
            "freq5": {
                "options": [
                    {"value": "never", "label": "Never", "score": 0},
                    {"value": "rarely", "label": "Rarely", "score": 1},
                    {"value": "sometimes", "label": "Sometimes", "score": 2},
                    {"value": "often", "label": "Often", "score": 3},
                    {"value": "always", "label": "Always", "score": 4},
                ]
            },
            "known": {
                "options": [
                    {"value": "yes", "label": "Yes", "score": 2},
                    {"value": "no", "label": "No", "score": 0},
                    {"value": "not_known", "label": "Not known"},
                ]
            },
        },
        "items": [
            {"id": "a", "type": "scale", "scale": "freq5", "text": "A"},
            {"id": "b", "type": "scale", "scale": "freq5", "text": "B"},
            {"id": "c", "type": "choice", "scale": "known", "text": "C"},
            {"id": "d", "type": "scale", "scale": "freq5", "text": "D", "required": False},
            {"id": "notes", "type": "text", "text": "Notes", "required": False, "max_length": 20},
            {"id": "when", "type": "date", "text": "When", "date_rule": "not_after_assessment"},
        ],
        "scoring": {
            "method": "sum",
            "items": ["a", "b", "c", "d"],
            "weights": {"b": 2},
            "reverse": ["a"],
        },
        "levels": [{"code": "low", "label": "Low"}, {"code": "high", "label": "High"}],
        "thresholds": [{"level": "low", "min": 0}, {"level": "high", "min": 10}],
    }


def errors_of(data: Any) -> list[str]:
    with pytest.raises(engine.DefinitionError) as info:
        engine.parse_definition(data)
    return info.value.errors


# --- definition validation -------------------------------------------------------------------


def test_valid_definitions_parse() -> None:
    d = engine.parse_definition(checklist(12, bands=[("standard", 0), ("medium", 4), ("high", 8)]))
    assert d.score_range == (Decimal(0), Decimal(12))
    assert [i.number for i in d.items] == list(range(1, 13))
    assert engine.parse_definition(frequency_measure()).kind == "outcome_measure"


def test_error_names_the_path_of_an_unknown_scale() -> None:
    data = frequency_measure()
    data["items"][3]["scale"] = "freq6"
    del data["scales"]["freq5"]
    errors = errors_of(data)
    assert "items[3].scale: unknown scale 'freq6'" in errors
    assert "items[0].scale: unknown scale 'freq5'" in errors


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(colour="red"), "colour: unknown key"),
        (lambda d: d.pop("name"), "name: is required"),
        (lambda d: d.update(kind="quiz"), "kind: must be one of"),
        (lambda d: d.update(code="Bad Code"), "code: must be lower-case"),
        (lambda d: d.update(version=1.1), 'version: must be text, like "1.2"'),
        (lambda d: d.update(items=[]), "items: must be a list of at least one item"),
        (lambda d: d["items"][1].update(id="q1"), "items[1].id: 'q1' is used by another item"),
        (lambda d: d["items"][2].update(type="slider"), "items[2].type: must be one of"),
        (lambda d: d["items"][0].update(texts="x"), "items[0].texts: unknown key"),
        (lambda d: d["items"][0].update(text=""), "items[0].text: must not be empty"),
        (
            lambda d: d["items"][0].update(required="yes"),
            "items[0].required: must be true or false",
        ),
        (lambda d: d.pop("thresholds"), "thresholds: a screening instrument must map scores"),
        (
            lambda d: d["thresholds"].append({"level": "severe", "min": 3}),
            "thresholds[1].level: unknown level 'severe'",
        ),
        (
            lambda d: d.update(thresholds=[{"level": "standard", "min": 1}]),
            "thresholds[0].min: must be 0 or less",
        ),
        (
            lambda d: d.update(
                thresholds=[{"level": "standard", "min": 0}, {"level": "high", "min": 9}]
            ),
            "thresholds[1].min: 9 is more than the highest possible score (4)",
        ),
        (
            lambda d: d.update(
                thresholds=[{"level": "high", "min": 0}, {"level": "standard", "min": 2}]
            ),
            "thresholds: bands must go from the lowest level to the highest",
        ),
        (
            lambda d: d.update(
                thresholds=[{"level": "standard", "min": 0}, {"level": "medium", "min": 0}]
            ),
            "thresholds[1].min: must be greater than the minimum of the band before it",
        ),
        (
            lambda d: d.update(scoring={"weights": {"q1": 0}}),
            "scoring.weights.q1: must be a number greater than 0",
        ),
        (
            lambda d: d.update(scoring={"items": ["q1", "zz"]}),
            "scoring.items[1]: unknown item 'zz'",
        ),
        (
            lambda d: d.update(scoring={"method": "average"}),
            "scoring.method: must be 'sum'",
        ),
        (
            lambda d: d.update(judgement={"level_item": "q1"}),
            "judgement: only a structured_judgement instrument",
        ),
    ],
)
def test_definition_errors_name_their_path(change: Any, expected: str) -> None:
    data = checklist()
    change(data)
    errors = errors_of(data)
    assert any(e.startswith(expected) for e in errors), errors


def test_yaml_booleans_get_a_helpful_message() -> None:
    data = frequency_measure()
    data["scales"]["known"]["options"][0]["value"] = True
    assert (
        "scales.known.options[0].value: must be text; in YAML put yes, no, true and false in quotes"
        in errors_of(data)
    )


def test_yes_no_scale_must_be_yes_and_no() -> None:
    data = checklist()
    data["scales"] = {"yn": {"options": [{"value": "y", "label": "Y", "score": 1}]}}
    data["items"][0]["scale"] = "yn"
    assert any(
        e.startswith("items[0].scale: a yes_no item's scale must have exactly")
        for e in errors_of(data)
    )


def test_scale_items_need_scores_on_every_option() -> None:
    data = frequency_measure()
    data["items"][0]["scale"] = "known"
    assert any("every option of a scale item's scale needs a score" in e for e in errors_of(data))


def test_licensed_needs_a_licence() -> None:
    data = frequency_measure()
    del data["licence"]
    assert any(e.startswith("licence: is required") for e in errors_of(data))


def test_structured_judgement_requirements() -> None:
    data: dict[str, Any] = {
        "code": "spj",
        "name": "SPJ",
        "version": "1",
        "kind": "structured_judgement",
        "authorship": "organisation",
        "scales": {
            "lmh": {"options": [{"value": "low", "label": "Low"}, {"value": "top", "label": "Top"}]}
        },
        "items": [
            {"id": "overall", "type": "category", "scale": "lmh", "text": "Overall"},
            {"id": "why", "type": "text", "text": "Why"},
            {"id": "review", "type": "date", "text": "Review"},
        ],
        "levels": [{"code": "low", "label": "Low"}, {"code": "high", "label": "High"}],
        "judgement": {
            "level_item": "overall",
            "rationale_item": "review",
            "review_date_item": "review",
        },
    }
    errors = errors_of(data)
    assert "judgement.level_item: option 'top' of scale 'lmh' is not one of the levels" in errors
    assert "judgement.rationale_item: item 'review' must be a text item, not date" in errors
    assert (
        "judgement.review_date_item: item 'review' must have date_rule 'after_assessment'" in errors
    )
    data["thresholds"] = [{"level": "low", "min": 0}]
    assert any(e.startswith("thresholds: a structured judgement") for e in errors_of(data))


def test_not_an_object() -> None:
    assert errors_of(["a", "list"]) == [
        "The file must hold one instrument: an object with named fields"
    ]


def test_normalised_definition_round_trips() -> None:
    d = engine.parse_definition(frequency_measure())
    again = engine.parse_definition(copy.deepcopy(d.data))
    assert again.data == d.data


# --- scoring and thresholds ------------------------------------------------------------------


def test_checklist_scores_yes_answers() -> None:
    d = engine.parse_definition(checklist(4, bands=[("standard", 0), ("medium", 2), ("high", 4)]))
    cleaned, errors = d.check_answers({"q1": "yes", "q2": "no", "q3": "yes", "q4": "no"})
    assert errors == {}
    outcome = d.score(cleaned)
    assert outcome.score == 2
    assert outcome.level == "medium"
    assert (outcome.min_score, outcome.max_score) == (0, 4)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "standard"),
        (3, "standard"),
        (3.99, "standard"),
        (4, "medium"),
        (7.5, "medium"),
        (8, "high"),
        (12, "high"),
    ],
)
def test_threshold_boundaries(score: float, level: str) -> None:
    d = engine.parse_definition(checklist(12, bands=[("standard", 0), ("medium", 4), ("high", 8)]))
    assert d.level_for_score(Decimal(str(score))) == level


def test_weights_reverse_counted_items_and_not_known() -> None:
    d = engine.parse_definition(frequency_measure())
    assert d.score_range == (Decimal(0), Decimal(4 + 8 + 2 + 4))
    answers = {"a": "never", "b": "often", "c": "not_known", "when": "2025-01-01"}
    cleaned, errors = d.check_answers(answers, assessed_on=dt.date(2025, 1, 2))
    assert errors == {}
    outcome = d.score(cleaned)
    # a is reversed (never -> 4), b is weighted (3 x 2), c is not known (nothing), d unanswered.
    assert outcome.item_scores == {"a": Decimal(4), "b": Decimal(6)}
    assert outcome.score == 10
    assert outcome.level == "high"


def test_structured_judgement_level_comes_from_the_item() -> None:
    from desist.risk.loader import BUILTIN_DIR, read_instrument_file

    path = BUILTIN_DIR / "desist-spj-summary.json"
    d = engine.parse_definition(read_instrument_file(path.name, path.read_bytes()))
    answers = {
        "overall": "high",
        "motivation": "rejected",
        "violence": "medium",
        "persistence": "high",
        "recurrence": "high",
        "psychosocial_harm": "medium",
        "rationale": "Synthetic reasons.",
        "review_date": "2025-03-01",
    }
    cleaned, errors = d.check_answers(answers, assessed_on=dt.date(2025, 1, 1))
    assert errors == {}
    outcome = d.score(cleaned)
    assert outcome.level == "high" and outcome.score is None


# --- answers ---------------------------------------------------------------------------------


def test_answer_errors_are_per_item_and_numbered() -> None:
    d = engine.parse_definition(frequency_measure())
    answers = {"a": "sometimes", "b": "loudly", "notes": "x" * 21, "when": "2025-02-30", "zz": "1"}
    _, errors = d.check_answers(answers, assessed_on=dt.date(2025, 1, 1))
    assert errors == {
        "b": "Answer question 2: select one of the options shown",
        "c": "Answer question 3: select one option",
        "notes": "Answer question 5: use 20 characters or fewer",
        "when": "Answer question 6: enter a real date",
        "zz": "There is no question 'zz' in this instrument",
    }


def test_missing_yes_no_and_date_rules() -> None:
    d = engine.parse_definition(checklist(2))
    _, errors = d.check_answers({"q1": "yes"})
    assert errors == {"q2": "Answer question 2: select yes or no"}
    m = engine.parse_definition(frequency_measure())
    _, errors = m.check_answers(
        {"a": "never", "b": "never", "c": "no", "when": "2025-01-05"},
        assessed_on=dt.date(2025, 1, 1),
    )
    assert errors == {
        "when": "Answer question 6: the date must be the same as or before the date of the assessment"
    }


# --- properties ------------------------------------------------------------------------------

weights_st = st.lists(
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal(10), places=1), min_size=1, max_size=20
)


@given(weights=weights_st, data=st.data())
def test_score_is_monotonic_in_yes_answers(weights: list[Decimal], data: Any) -> None:
    n = len(weights)
    d = engine.parse_definition(
        checklist(n, weights={f"q{i + 1}": float(w) for i, w in enumerate(weights)})
    )
    answers = {f"q{i + 1}": data.draw(st.sampled_from(["yes", "no"])) for i in range(n)}
    base = d.score(d.check_answers(answers)[0]).score
    assert base is not None
    for key, value in answers.items():
        if value == "no":
            flipped = {**answers, key: "yes"}
            higher = d.score(d.check_answers(flipped)[0]).score
            assert higher is not None and higher > base


@st.composite
def banded_checklists(draw: Any) -> engine.Definition:
    n = draw(st.integers(min_value=1, max_value=30))
    k = draw(st.integers(min_value=1, max_value=min(3, n + 1)))
    cuts = sorted(
        draw(st.sets(st.integers(min_value=1, max_value=n), min_size=k - 1, max_size=k - 1))
    )
    codes = ["standard", "medium", "high"][:k]
    bands = list(zip(codes, [0, *cuts], strict=True))
    return engine.parse_definition(checklist(n, bands=bands))


@given(d=banded_checklists(), data=st.data())
def test_every_score_maps_to_exactly_one_level(d: engine.Definition, data: Any) -> None:
    lo, hi = d.score_range or (Decimal(0), Decimal(0))
    score = data.draw(st.decimals(min_value=lo, max_value=hi, places=2))
    containing = [
        b
        for i, b in enumerate(d.bands)
        if score >= b.min and (i + 1 == len(d.bands) or score < d.bands[i + 1].min)
    ]
    assert len(containing) == 1
    assert d.level_for_score(score) == containing[0].level


@given(d=banded_checklists(), data=st.data())
def test_level_never_falls_as_the_score_rises(d: engine.Definition, data: Any) -> None:
    lo, hi = d.score_range or (Decimal(0), Decimal(0))
    a = data.draw(st.decimals(min_value=lo, max_value=hi, places=2))
    b = data.draw(st.decimals(min_value=a, max_value=hi, places=2))
    rank = {lv.code: lv.rank for lv in d.levels}
    assert rank[d.level_for_score(a) or ""] <= rank[d.level_for_score(b) or ""]


@given(data=st.data())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_score_stays_within_the_possible_range(data: Any) -> None:
    d = engine.parse_definition(frequency_measure())
    answers = {}
    for item in d.items:
        if item.scale is not None:
            choices = [o.value for o in item.scale.options] + ([""] if not item.required else [])
            answers[item.id] = data.draw(st.sampled_from(choices))
    answers["when"] = "2025-01-01"
    cleaned, errors = d.check_answers(answers, assessed_on=dt.date(2025, 1, 1))
    assert errors == {}
    outcome = d.score(cleaned)
    assert (
        outcome.score is not None
        and outcome.min_score is not None
        and outcome.max_score is not None
    )
    assert outcome.min_score <= outcome.score <= outcome.max_score


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "code",
                    "name",
                    "version",
                    "kind",
                    "items",
                    "scales",
                    "levels",
                    "thresholds",
                    "scoring",
                    "judgement",
                    "id",
                    "type",
                    "text",
                    "scale",
                    "options",
                    "value",
                    "label",
                    "score",
                    "min",
                    "level",
                    "weights",
                    "reverse",
                    "authorship",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@given(value=json_values)
def test_validation_never_crashes_on_junk(value: Any) -> None:
    try:
        engine.parse_definition(value)
    except engine.DefinitionError as exc:
        assert exc.errors and all(isinstance(e, str) for e in exc.errors)


@given(
    value=st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=3, allow_nan=False)
)
def test_format_score(value: Decimal) -> None:
    assert Decimal(engine.format_score(value)) == value
