"""Turning stored answers and results into what a page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from desist.risk import engine


def level_tag_class(d: engine.Definition, code: str | None) -> str:
    level = d.level(code)
    if level is None:
        return "govuk-tag--grey"
    top = len(d.levels) - 1
    if level.rank == top and top > 0:
        return "govuk-tag--red"
    if level.rank == 0:
        return "govuk-tag--green"
    return "govuk-tag--orange"


def level_label(d: engine.Definition, code: str | None) -> str:
    level = d.level(code)
    return level.label if level else (code or "")


def answer_text(item: engine.Item, value: str | None) -> str:
    if not value:
        return "Not answered"
    if item.is_choice and item.scale is not None:
        option = item.scale.option(value)
        return option.label if option else value
    if item.type == engine.DATE:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day} {day:%B %Y}"
    return value


def answer_rows(
    d: engine.Definition,
    answers: Mapping[str, str],
    item_scores: Mapping[str, Decimal] | None = None,
    *,
    skip: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """One row per item: number, question, answer text, and the item's score if it counts."""
    scores = item_scores or {}
    rows = []
    section = ""
    for item in d.items:
        if item.id in skip:
            continue
        heading = item.section if item.section and item.section != section else ""
        section = item.section or section
        counted = item.id in d.counted
        rows.append(
            {
                "item": item,
                "heading": heading,
                "answer": answer_text(item, answers.get(item.id)),
                "is_long_text": item.type == engine.TEXT,
                "score": engine.format_score(scores.get(item.id, Decimal(0))) if counted else "",
            }
        )
    return rows


def score_text(d: engine.Definition, score: Decimal | None) -> str:
    if score is None:
        return ""
    rng = d.score_range
    text = engine.format_score(score)
    return f"{text} out of {engine.format_score(rng[1])}" if rng else text


def item_scores_for(d: engine.Definition, answers: Mapping[str, str]) -> dict[str, Decimal]:
    return d.score(answers).item_scores
