"""The instrument engine: validate an instrument definition and score answers against it.

Pure Python (no Django), so it can be tested in isolation and reused by the loader, the
services and any batch job. The definition format is documented in docs/instruments.md.

Three entry points:
- `parse_definition(data)` -> `Definition`, or raises `DefinitionError` whose `errors` each
  name the path of the problem, e.g. "items[3].scale: unknown scale 'freq5'".
- `Definition.check_answers(answers, assessed_on=...)` -> (cleaned answers, errors by item id).
- `Definition.score(cleaned)` -> `Outcome` (score, level, lowest and highest possible score).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

SCHEMA_VERSION = 1

SCREENING = "screening"
STRUCTURED_JUDGEMENT = "structured_judgement"
OUTCOME_MEASURE = "outcome_measure"
KINDS = (SCREENING, STRUCTURED_JUDGEMENT, OUTCOME_MEASURE)

YES_NO = "yes_no"
CHOICE = "choice"
SCALE = "scale"
CATEGORY = "category"
TEXT = "text"
DATE = "date"
ITEM_TYPES = (YES_NO, CHOICE, SCALE, CATEGORY, TEXT, DATE)
_CHOICE_TYPES = (YES_NO, CHOICE, SCALE, CATEGORY)

DATE_RULES = ("any", "after_assessment", "not_after_assessment")
AUTHORSHIPS = ("project", "organisation", "licensed")

MAX_ITEMS = 300
MAX_SCALES = 50
MAX_OPTIONS = 30
MAX_LEVELS = 10
MAX_SHORT = 200
MAX_LONG = 2000
DEFAULT_TEXT_LENGTH = 5000
MAX_TEXT_LENGTH = 20000
MAX_ERRORS = 100

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")

_TOP_KEYS = {
    "schema",
    "code",
    "name",
    "version",
    "kind",
    "description",
    "authorship",
    "licence",
    "scales",
    "items",
    "scoring",
    "levels",
    "thresholds",
    "judgement",
}
_ITEM_KEYS = {
    "id",
    "text",
    "help",
    "type",
    "scale",
    "required",
    "section",
    "date_rule",
    "max_length",
}


class DefinitionError(Exception):
    """The definition is not valid. `errors` lists every problem found, each with its path."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- the parsed definition -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    score: Decimal | None


@dataclass(frozen=True)
class Scale:
    id: str
    options: tuple[Option, ...]

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def scored(self) -> bool:
        return any(o.score is not None for o in self.options)


IMPLICIT_YES_NO = Scale(
    id="yes_no",
    options=(Option("yes", "Yes", Decimal(1)), Option("no", "No", Decimal(0))),
)


@dataclass(frozen=True)
class Item:
    id: str
    number: int  # 1-based position, as shown to users ("question 3")
    text: str
    help: str
    type: str
    scale: Scale | None
    required: bool
    section: str
    date_rule: str
    max_length: int

    @property
    def is_choice(self) -> bool:
        return self.type in _CHOICE_TYPES

    @property
    def scorable(self) -> bool:
        return self.type in (YES_NO, CHOICE, SCALE) and self.scale is not None and self.scale.scored


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    rank: int  # 0 is the lowest level


@dataclass(frozen=True)
class Band:
    level: str
    min: Decimal


@dataclass(frozen=True)
class Judgement:
    level_item: str
    rationale_item: str
    review_date_item: str


@dataclass(frozen=True)
class Outcome:
    score: Decimal | None
    level: str | None
    min_score: Decimal | None
    max_score: Decimal | None
    item_scores: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    version: str
    kind: str
    description: str
    authorship: str
    licence: str
    scales: dict[str, Scale]
    items: tuple[Item, ...]
    levels: tuple[Level, ...]
    counted: tuple[str, ...]  # ids of the items whose scores are summed
    weights: dict[str, Decimal]
    reverse: frozenset[str]
    bands: tuple[Band, ...]
    judgement: Judgement | None
    data: dict[str, Any]  # the normalised definition, for storage

    # -- lookups --
    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def level(self, code: str | None) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def is_scored(self) -> bool:
        return bool(self.counted)

    # -- scoring --
    def item_score_range(self, item: Item) -> tuple[Decimal, Decimal]:
        """Lowest and highest contribution of one counted item to the total."""
        values = self._contributions(item)
        return min(values), max(values)

    def _contributions(self, item: Item) -> list[Decimal]:
        assert item.scale is not None
        values = [self._weighted(item, o.score) for o in item.scale.options if o.score is not None]
        # An unanswered optional item, or an option without a score ("not known"), adds nothing.
        if not item.required or any(o.score is None for o in item.scale.options):
            values.append(Decimal(0))
        return values

    def _weighted(self, item: Item, score: Decimal) -> Decimal:
        assert item.scale is not None
        if item.id in self.reverse:
            scores = [o.score for o in item.scale.options if o.score is not None]
            score = max(scores) + min(scores) - score
        return score * self.weights.get(item.id, Decimal(1))

    @property
    def score_range(self) -> tuple[Decimal, Decimal] | None:
        if not self.counted:
            return None
        lo = hi = Decimal(0)
        for item_id in self.counted:
            item = self.item(item_id)
            assert item is not None
            a, b = self.item_score_range(item)
            lo, hi = lo + a, hi + b
        return lo, hi

    def level_for_score(self, score: Decimal) -> str | None:
        """The level of the highest band whose minimum the score reaches."""
        found = None
        for band in self.bands:
            if score >= band.min:
                found = band.level
        if found is None and self.bands:
            # Below the first band's minimum cannot happen for a valid definition (the first
            # band starts at or below the lowest possible score); fall back to the lowest band.
            found = self.bands[0].level
        return found

    def score(self, cleaned: Mapping[str, str]) -> Outcome:
        """Score answers already passed through `check_answers`."""
        item_scores: dict[str, Decimal] = {}
        total: Decimal | None = None
        rng = self.score_range
        if self.counted:
            total = Decimal(0)
            for item_id in self.counted:
                item = self.item(item_id)
                assert item is not None and item.scale is not None
                option = item.scale.option(cleaned.get(item_id, ""))
                if option is None or option.score is None:
                    continue
                s = self._weighted(item, option.score)
                item_scores[item_id] = s
                total += s
        level: str | None = None
        if self.judgement is not None:
            level = cleaned.get(self.judgement.level_item) or None
        elif total is not None and self.bands:
            level = self.level_for_score(total)
        return Outcome(
            score=total,
            level=level,
            min_score=rng[0] if rng else None,
            max_score=rng[1] if rng else None,
            item_scores=item_scores,
        )

    # -- answers --
    def check_answers(
        self, answers: Mapping[str, Any], *, assessed_on: dt.date | None = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Validate answers. Returns (cleaned answers, errors keyed by item id).

        Cleaned answers hold only answered items, as text (dates in ISO format).
        """
        cleaned: dict[str, str] = {}
        errors: dict[str, str] = {}
        known = {i.id for i in self.items}
        for key in answers:
            if key not in known:
                errors[str(key)] = f"There is no question '{key}' in this instrument"
        for item in self.items:
            value = answers.get(item.id)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                if item.required:
                    errors[item.id] = f"Answer question {item.number}: {_missing(item)}"
                continue
            problem, clean = _check_value(item, value, assessed_on)
            if problem:
                errors[item.id] = f"Answer question {item.number}: {problem}"
            else:
                cleaned[item.id] = clean
        return cleaned, errors


def _missing(item: Item) -> str:
    if item.type == YES_NO:
        return "select yes or no"
    if item.is_choice:
        return "select one option"
    if item.type == DATE:
        return "enter a date"
    return "enter your answer"


def _check_value(item: Item, value: Any, assessed_on: dt.date | None) -> tuple[str, str]:
    if item.is_choice:
        assert item.scale is not None
        if not isinstance(value, str) or item.scale.option(value) is None:
            return "select one of the options shown", ""
        return "", value
    if item.type == DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return "enter a real date", ""
        if not isinstance(value, dt.date):
            return "enter a real date", ""
        if assessed_on is not None:
            if item.date_rule == "after_assessment" and value <= assessed_on:
                return "the date must be after the date of the assessment", ""
            if item.date_rule == "not_after_assessment" and value > assessed_on:
                return "the date must be the same as or before the date of the assessment", ""
        return "", value.isoformat()
    # text
    if not isinstance(value, str):
        return "enter your answer as text", ""
    if len(value) > item.max_length:
        return f"use {item.max_length:,} characters or fewer", ""
    return "", value


# --- validation --------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{path}: {message}" if path else message)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _to_decimal(value: Any) -> Decimal:
    try:
        d = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - guarded by _is_number
        return Decimal(0)
    return d


def _finite(value: Any) -> bool:
    return _is_number(value) and _to_decimal(value).is_finite()


def _text(
    c: _Collector,
    obj: Mapping[str, Any],
    key: str,
    path: str,
    *,
    required: bool = True,
    limit: int = MAX_SHORT,
) -> str:
    value = obj.get(key)
    p = f"{path}.{key}" if path else key
    if value is None:
        if required:
            c.add(p, "is required")
        return ""
    if not isinstance(value, str):
        c.add(p, "must be text")
        return ""
    value = value.strip()
    if required and not value:
        c.add(p, "must not be empty")
    if len(value) > limit:
        c.add(p, f"must be {limit:,} characters or fewer")
    return value


def _unknown_keys(c: _Collector, obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            c.add(where, f"unknown key (expected one of: {', '.join(sorted(allowed))})")


def _parse_scale(c: _Collector, scale_id: Any, raw: Any) -> tuple[Scale | None, dict[str, Any]]:
    path = f"scales.{scale_id}"
    if not isinstance(scale_id, str) or not _ID_RE.match(scale_id):
        c.add(path, "a scale name must be letters, digits, '-' or '_' (up to 40)")
        return None, {}
    if not isinstance(raw, Mapping):
        c.add(path, "must be an object with 'options'")
        return None, {}
    _unknown_keys(c, raw, {"options"}, path)
    options_raw = raw.get("options")
    if not isinstance(options_raw, list) or not options_raw:
        c.add(f"{path}.options", "must be a list of at least one option")
        return None, {}
    if len(options_raw) > MAX_OPTIONS:
        c.add(f"{path}.options", f"must have {MAX_OPTIONS} options or fewer")
        return None, {}
    options: list[Option] = []
    data: list[dict[str, Any]] = []
    seen: set[str] = set()
    ok = True
    for n, opt in enumerate(options_raw):
        op = f"{path}.options[{n}]"
        if not isinstance(opt, Mapping):
            c.add(op, "must be an object with 'value' and 'label'")
            ok = False
            continue
        _unknown_keys(c, opt, {"value", "label", "score"}, op)
        value = opt.get("value")
        if isinstance(value, bool):
            c.add(
                f"{op}.value",
                "must be text; in YAML put yes, no, true and false in quotes",
            )
            ok = False
            continue
        if not isinstance(value, str) or not _ID_RE.match(value):
            c.add(f"{op}.value", "must be text of letters, digits, '-' or '_' (up to 40)")
            ok = False
            continue
        if value in seen:
            c.add(f"{op}.value", f"'{value}' is used by another option of this scale")
            ok = False
        seen.add(value)
        label = _text(c, opt, "label", op)
        score = opt.get("score")
        if score is not None and not _finite(score):
            c.add(f"{op}.score", "must be a number, or left out for an option that is not scored")
            ok = False
            score = None
        options.append(Option(value, label, _to_decimal(score) if score is not None else None))
        entry: dict[str, Any] = {"value": value, "label": label}
        if score is not None:
            entry["score"] = score
        data.append(entry)
    if not ok:
        return None, {}
    return Scale(scale_id, tuple(options)), {"options": data}


def parse_definition(data: Any) -> Definition:
    """Validate a definition and return it parsed. Raises DefinitionError listing every problem."""
    c = _Collector()
    if not isinstance(data, Mapping):
        raise DefinitionError(["The file must hold one instrument: an object with named fields"])
    _unknown_keys(c, data, _TOP_KEYS, "")
    head = _parse_header(c, data)
    kind = head["kind"]
    scales, scales_data = _parse_scales(c, data)
    items, items_data = _parse_items(c, data, scales)
    by_id = {i.id: i for i in items}
    levels, levels_data = _parse_levels(c, data)
    level_codes = {lv.code for lv in levels}
    counted, weights, reverse, scoring_data = _parse_scoring(c, data, items, by_id)
    judgement, judgement_data = _parse_judgement(c, data, kind, by_id, level_codes)
    bands, thresholds_data = _parse_threshold_section(c, data, kind, levels, level_codes)
    _check_kind_needs(c, data, kind, counted)
    if c.errors:
        raise DefinitionError(c.errors)

    normalised: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        **{k: head[k] for k in ("code", "name", "version", "kind", "description", "authorship")},
        "scales": scales_data,
        "items": items_data,
    }
    optional = {
        "licence": head["licence"],
        "levels": levels_data,
        "scoring": scoring_data,
        "thresholds": thresholds_data,
        "judgement": judgement_data,
    }
    normalised.update({k: v for k, v in optional.items() if v})
    definition = Definition(
        code=head["code"],
        name=head["name"],
        version=head["version"],
        kind=str(kind),
        description=head["description"],
        authorship=str(head["authorship"]),
        licence=head["licence"],
        scales=scales,
        items=tuple(items),
        levels=tuple(levels),
        counted=tuple(counted),
        weights=weights,
        reverse=frozenset(reverse),
        bands=tuple(bands),
        judgement=judgement,
        data=normalised,
    )
    _check_bands_reachable(c, definition)
    if c.errors:
        raise DefinitionError(c.errors)
    return definition


def _parse_header(c: _Collector, data: Mapping[str, Any]) -> dict[str, Any]:
    """Schema, code, name, version, kind, description, authorship and licence."""
    schema = data.get("schema", SCHEMA_VERSION)
    if schema != SCHEMA_VERSION or isinstance(schema, bool):
        c.add("schema", f"must be {SCHEMA_VERSION} (the only schema version this Desist reads)")
    code = _text(c, data, "code", "", limit=50)
    if code and not _CODE_RE.match(code):
        c.add(
            "code",
            "must be lower-case letters, digits, '-' or '_', starting with a letter or digit",
        )
    name = _text(c, data, "name", "")
    version = _parse_version(c, data.get("version"))
    kind = data.get("kind")
    if kind not in KINDS:
        c.add("kind", f"must be one of: {', '.join(KINDS)}")
    description = _text(c, data, "description", "", required=False, limit=MAX_LONG)
    authorship = data.get("authorship")
    if authorship not in AUTHORSHIPS:
        c.add("authorship", f"must be one of: {', '.join(AUTHORSHIPS)}")
    licence = _text(c, data, "licence", "", required=False, limit=MAX_LONG)
    if authorship == "licensed" and not licence:
        c.add(
            "licence",
            "is required for a licensed instrument: say who licenses it and on what terms",
        )
    return {
        "code": code,
        "name": name,
        "version": version,
        "kind": kind,
        "description": description,
        "authorship": authorship,
        "licence": licence,
    }


def _parse_version(c: _Collector, version_raw: Any) -> str:
    version = ""
    if isinstance(version_raw, int) and not isinstance(version_raw, bool):
        version = str(version_raw)
    elif isinstance(version_raw, str):
        version = version_raw.strip()
    elif version_raw is None:
        c.add("version", "is required")
    else:
        c.add("version", 'must be text, like "1.2" (in YAML, put it in quotes)')
    if version and not _VERSION_RE.match(version):
        c.add("version", "must be letters, digits, '.', '-' or '_' (up to 20), like 1.2")
    return version


def _parse_scales(
    c: _Collector, data: Mapping[str, Any]
) -> tuple[dict[str, Scale], dict[str, Any]]:
    scales: dict[str, Scale] = {}
    scales_data: dict[str, Any] = {}
    raw_scales = data.get("scales", {})
    if not isinstance(raw_scales, Mapping):
        c.add("scales", "must be an object mapping scale names to scales")
        raw_scales = {}
    if len(raw_scales) > MAX_SCALES:
        c.add("scales", f"must have {MAX_SCALES} scales or fewer")
        raw_scales = {}
    for scale_id, raw in raw_scales.items():
        scale, sdata = _parse_scale(c, scale_id, raw)
        if scale is not None:
            scales[scale.id] = scale
            scales_data[scale.id] = sdata
    return scales, scales_data


def _parse_items(
    c: _Collector, data: Mapping[str, Any], scales: dict[str, Scale]
) -> tuple[list[Item], list[dict[str, Any]]]:
    items: list[Item] = []
    items_data: list[dict[str, Any]] = []
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        c.add("items", "must be a list of at least one item")
        raw_items = []
    if len(raw_items) > MAX_ITEMS:
        c.add("items", f"must have {MAX_ITEMS} items or fewer")
        raw_items = []
    ids: set[str] = set()
    for n, raw in enumerate(raw_items):
        item, idata = _parse_item(c, n, raw, scales, ids)
        if item is not None:
            items.append(item)
            items_data.append(idata)
    return items, items_data


def _parse_levels(
    c: _Collector, data: Mapping[str, Any]
) -> tuple[list[Level], list[dict[str, str]]]:
    levels: list[Level] = []
    levels_data: list[dict[str, str]] = []
    raw_levels = data.get("levels", [])
    if not isinstance(raw_levels, list):
        c.add("levels", "must be a list of levels, lowest first")
        raw_levels = []
    if len(raw_levels) > MAX_LEVELS:
        c.add("levels", f"must have {MAX_LEVELS} levels or fewer")
        raw_levels = []
    for n, raw in enumerate(raw_levels):
        lp = f"levels[{n}]"
        if not isinstance(raw, Mapping):
            c.add(lp, "must be an object with 'code' and 'label'")
            continue
        _unknown_keys(c, raw, {"code", "label"}, lp)
        lcode = raw.get("code")
        if not isinstance(lcode, str) or not _ID_RE.match(lcode):
            c.add(f"{lp}.code", "must be text of letters, digits, '-' or '_' (up to 40)")
            continue
        if any(lv.code == lcode for lv in levels):
            c.add(f"{lp}.code", f"'{lcode}' is used by another level")
            continue
        label = _text(c, raw, "label", lp)
        levels.append(Level(lcode, label, len(levels)))
        levels_data.append({"code": lcode, "label": label})
    return levels, levels_data


def _parse_threshold_section(
    c: _Collector,
    data: Mapping[str, Any],
    kind: Any,
    levels: list[Level],
    level_codes: set[str],
) -> tuple[list[Band], list[dict[str, Any]]]:
    raw_thresholds = data.get("thresholds")
    if raw_thresholds is None:
        return [], []
    if kind == STRUCTURED_JUDGEMENT:
        c.add(
            "thresholds",
            "a structured judgement instrument takes its level from judgement.level_item; "
            "remove thresholds",
        )
    elif not isinstance(raw_thresholds, list) or not raw_thresholds:
        c.add("thresholds", "must be a list of bands, each with 'level' and 'min'")
    else:
        return _parse_thresholds(c, raw_thresholds, levels, level_codes)
    return [], []


def _check_kind_needs(
    c: _Collector, data: Mapping[str, Any], kind: Any, counted: list[str]
) -> None:
    """What screening instruments and outcome measures need beyond the general rules."""
    if kind == SCREENING:
        if not counted:
            c.add("items", "a screening instrument needs at least one scored item")
        if data.get("thresholds") is None:
            c.add("thresholds", "a screening instrument must map scores to levels")
    if kind == OUTCOME_MEASURE and not counted:
        c.add("items", "an outcome measure needs at least one scored item")


def _parse_item(
    c: _Collector, n: int, raw: Any, scales: dict[str, Scale], ids: set[str]
) -> tuple[Item | None, dict[str, Any]]:
    path = f"items[{n}]"
    if not isinstance(raw, Mapping):
        c.add(path, "must be an object with 'id', 'text' and 'type'")
        return None, {}
    _unknown_keys(c, raw, _ITEM_KEYS, path)
    errors_before = len(c.errors)
    item_id = _item_id(c, raw, n, path, ids)
    text = _text(c, raw, "text", path, limit=MAX_LONG)
    help_text = _text(c, raw, "help", path, required=False, limit=MAX_LONG)
    section = _text(c, raw, "section", path, required=False)
    item_type = raw.get("type")
    if item_type not in ITEM_TYPES:
        c.add(f"{path}.type", f"must be one of: {', '.join(ITEM_TYPES)}")
        return None, {}
    required = raw.get("required", True)
    if not isinstance(required, bool):
        c.add(f"{path}.required", "must be true or false")
        required = True
    scale = _item_scale(c, raw, item_type, path, scales)
    date_rule = _item_date_rule(c, raw, item_type, path)
    max_length = _item_max_length(c, raw, item_type, path)
    if len(c.errors) > errors_before:
        return None, {}
    item = Item(
        id=item_id,
        number=n + 1,
        text=text,
        help=help_text,
        type=str(item_type),
        scale=scale,
        required=required,
        section=section,
        date_rule=str(date_rule),
        max_length=int(max_length),
    )
    return item, _item_data(item, scale_ref=raw.get("scale"))


def _item_id(c: _Collector, raw: Mapping[str, Any], n: int, path: str, ids: set[str]) -> str:
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not _ID_RE.match(item_id):
        c.add(f"{path}.id", "must be text of letters, digits, '-' or '_' (up to 40)")
        item_id = f"#{n}"
    elif item_id in ids:
        c.add(f"{path}.id", f"'{item_id}' is used by another item")
    ids.add(item_id)
    return item_id


def _item_scale(
    c: _Collector, raw: Mapping[str, Any], item_type: str, path: str, scales: dict[str, Scale]
) -> Scale | None:
    scale_ref = raw.get("scale")
    if item_type not in _CHOICE_TYPES:
        if scale_ref is not None:
            c.add(f"{path}.scale", f"a {item_type} item has no scale; remove it")
        return None
    scale: Scale | None = None
    if scale_ref is None:
        if item_type == YES_NO:
            scale = IMPLICIT_YES_NO
        else:
            c.add(f"{path}.scale", f"a {item_type} item needs a scale")
    elif not isinstance(scale_ref, str):
        c.add(f"{path}.scale", "must be the name of a scale")
    elif scale_ref not in scales:
        c.add(f"{path}.scale", f"unknown scale '{scale_ref}'")
    else:
        scale = scales[scale_ref]
    if scale is not None:
        _check_item_scale(c, item_type, path, scale)
    return scale


def _check_item_scale(c: _Collector, item_type: str, path: str, scale: Scale) -> None:
    values = {o.value for o in scale.options}
    if item_type == YES_NO and values != {"yes", "no"}:
        c.add(
            f"{path}.scale",
            f"a yes_no item's scale must have exactly the options 'yes' and 'no' "
            f"(scale '{scale.id}' has {', '.join(sorted(values))})",
        )
    if item_type == SCALE and any(o.score is None for o in scale.options):
        c.add(
            f"{path}.scale",
            f"every option of a scale item's scale needs a score (scale '{scale.id}')",
        )


def _item_date_rule(c: _Collector, raw: Mapping[str, Any], item_type: str, path: str) -> Any:
    date_rule = raw.get("date_rule", "any")
    if "date_rule" in raw and item_type != DATE:
        c.add(f"{path}.date_rule", "only a date item has a date_rule")
    elif date_rule not in DATE_RULES:
        c.add(f"{path}.date_rule", f"must be one of: {', '.join(DATE_RULES)}")
        date_rule = "any"
    return date_rule


def _item_max_length(c: _Collector, raw: Mapping[str, Any], item_type: str, path: str) -> Any:
    max_length = raw.get("max_length", DEFAULT_TEXT_LENGTH)
    if "max_length" in raw and item_type != TEXT:
        c.add(f"{path}.max_length", "only a text item has a max_length")
    elif (
        not isinstance(max_length, int)
        or isinstance(max_length, bool)
        or not 1 <= max_length <= MAX_TEXT_LENGTH
    ):
        c.add(f"{path}.max_length", f"must be a whole number from 1 to {MAX_TEXT_LENGTH:,}")
        max_length = DEFAULT_TEXT_LENGTH
    return max_length


def _item_data(item: Item, *, scale_ref: Any) -> dict[str, Any]:
    """The item as normalised data: defaults left out."""
    idata: dict[str, Any] = {"id": item.id, "text": item.text, "type": item.type}
    if item.help:
        idata["help"] = item.help
    if item.section:
        idata["section"] = item.section
    if scale_ref is not None:
        idata["scale"] = scale_ref
    if not item.required:
        idata["required"] = False
    if item.type == DATE and item.date_rule != "any":
        idata["date_rule"] = item.date_rule
    if item.type == TEXT and item.max_length != DEFAULT_TEXT_LENGTH:
        idata["max_length"] = item.max_length
    return idata


def _id_list(c: _Collector, raw: Any, path: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        c.add(path, "must be a list of item ids")
        return []
    return list(raw)


def _parse_scoring(
    c: _Collector, data: Mapping[str, Any], items: list[Item], by_id: dict[str, Item]
) -> tuple[list[str], dict[str, Decimal], set[str], dict[str, Any]]:
    raw = data.get("scoring")
    default_counted = [i.id for i in items if i.scorable]
    if raw is None:
        return default_counted, {}, set(), {}
    if not isinstance(raw, Mapping):
        c.add("scoring", "must be an object")
        return [], {}, set(), {}
    _unknown_keys(c, raw, {"method", "items", "weights", "reverse"}, "scoring")
    method = raw.get("method", "sum")
    if method != "sum":
        c.add("scoring.method", "must be 'sum' (the only method this Desist supports)")
    out: dict[str, Any] = {"method": "sum"}
    counted = default_counted
    if "items" in raw:
        counted = _scoring_items(c, raw["items"], by_id)
        out["items"] = counted
    raw_weights = raw.get("weights", {})
    if not isinstance(raw_weights, Mapping):
        c.add("scoring.weights", "must be an object mapping item ids to numbers")
        raw_weights = {}
    weights = _scoring_weights(c, raw_weights, counted)
    if raw_weights:
        out["weights"] = dict(raw_weights)
    reverse: set[str] = set()
    if "reverse" in raw:
        for n, item_id in enumerate(_id_list(c, raw["reverse"], "scoring.reverse")):
            if item_id not in counted:
                c.add(f"scoring.reverse[{n}]", f"item '{item_id}' is not a counted item")
            else:
                reverse.add(item_id)
        out["reverse"] = sorted(reverse)
    return counted, weights, reverse, out


def _scoring_items(c: _Collector, raw: Any, by_id: dict[str, Item]) -> list[str]:
    counted: list[str] = []
    for n, item_id in enumerate(_id_list(c, raw, "scoring.items")):
        p = f"scoring.items[{n}]"
        item = by_id.get(item_id)
        if item is None:
            c.add(p, f"unknown item '{item_id}'")
        elif not item.scorable:
            c.add(p, f"item '{item_id}' is a {item.type} item without scores and cannot count")
        elif item_id in counted:
            c.add(p, f"item '{item_id}' is listed twice")
        else:
            counted.append(item_id)
    return counted


def _scoring_weights(
    c: _Collector, raw_weights: Mapping[str, Any], counted: list[str]
) -> dict[str, Decimal]:
    weights: dict[str, Decimal] = {}
    for item_id, w in raw_weights.items():
        p = f"scoring.weights.{item_id}"
        if item_id not in counted:
            c.add(p, f"item '{item_id}' is not a counted item")
        elif not _finite(w) or _to_decimal(w) <= 0:
            c.add(p, "must be a number greater than 0")
        else:
            weights[item_id] = _to_decimal(w)
    return weights


def _parse_judgement(
    c: _Collector,
    data: Mapping[str, Any],
    kind: Any,
    by_id: dict[str, Item],
    level_codes: set[str],
) -> tuple[Judgement | None, dict[str, str]]:
    raw = data.get("judgement")
    if kind != STRUCTURED_JUDGEMENT:
        if raw is not None:
            c.add("judgement", "only a structured_judgement instrument has a judgement section")
        return None, {}
    if not isinstance(raw, Mapping):
        c.add("judgement", "is required: name the item that records the overall level")
        return None, {}
    _unknown_keys(c, raw, {"level_item", "rationale_item", "review_date_item"}, "judgement")
    if not level_codes:
        c.add("levels", "a structured judgement instrument must list its levels")
    level_item = _judgement_ref(c, raw, by_id, "level_item", (CATEGORY, CHOICE), required=True)
    rationale_item = _judgement_ref(c, raw, by_id, "rationale_item", (TEXT,), required=False)
    review_item = _judgement_ref(c, raw, by_id, "review_date_item", (DATE,), required=False)
    if level_item:
        _check_level_item(c, by_id[level_item], level_codes)
    if review_item and by_id[review_item].date_rule != "after_assessment":
        c.add(
            "judgement.review_date_item",
            f"item '{review_item}' must have date_rule 'after_assessment'",
        )
    out = {"level_item": level_item}
    if rationale_item:
        out["rationale_item"] = rationale_item
    if review_item:
        out["review_date_item"] = review_item
    return Judgement(level_item, rationale_item, review_item), out


def _judgement_ref(
    c: _Collector,
    raw: Mapping[str, Any],
    by_id: dict[str, Item],
    key: str,
    types: tuple[str, ...],
    *,
    required: bool,
) -> str:
    """The id of the item a judgement key names, or "" (with the problem recorded)."""
    value = raw.get(key)
    p = f"judgement.{key}"
    if value is None:
        if required:
            c.add(p, "is required")
        return ""
    item = by_id.get(value) if isinstance(value, str) else None
    if item is None:
        c.add(p, f"unknown item '{value}'")
        return ""
    if item.type not in types:
        c.add(p, f"item '{value}' must be a {' or '.join(types)} item, not {item.type}")
        return ""
    return item.id


def _check_level_item(c: _Collector, item: Item, level_codes: set[str]) -> None:
    if not item.required:
        c.add("judgement.level_item", f"item '{item.id}' must be required")
    assert item.scale is not None
    for o in item.scale.options:
        if level_codes and o.value not in level_codes:
            c.add(
                "judgement.level_item",
                f"option '{o.value}' of scale '{item.scale.id}' is not one of the levels",
            )


def _parse_thresholds(
    c: _Collector, raw: list[Any], levels: list[Level], level_codes: set[str]
) -> tuple[list[Band], list[dict[str, Any]]]:
    if not levels:
        c.add("levels", "list the levels the thresholds map scores to, lowest first")
    bands: list[Band] = []
    out: list[dict[str, Any]] = []
    for n, band in enumerate(raw):
        p = f"thresholds[{n}]"
        if not isinstance(band, Mapping):
            c.add(p, "must be an object with 'level' and 'min'")
            continue
        _unknown_keys(c, band, {"level", "min"}, p)
        level = band.get("level")
        lo = band.get("min")
        if not isinstance(level, str) or level not in level_codes:
            c.add(f"{p}.level", f"unknown level '{level}'")
            continue
        if not _finite(lo):
            c.add(f"{p}.min", "must be a number: the lowest score in this band")
            continue
        if any(b.level == level for b in bands):
            c.add(f"{p}.level", f"level '{level}' has another band")
            continue
        if bands and _to_decimal(lo) <= bands[-1].min:
            c.add(f"{p}.min", "must be greater than the minimum of the band before it")
            continue
        bands.append(Band(level, _to_decimal(lo)))
        out.append({"level": level, "min": lo})
    rank = {lv.code: lv.rank for lv in levels}
    ranks = [rank[b.level] for b in bands]
    if ranks != sorted(ranks):
        c.add("thresholds", "bands must go from the lowest level to the highest, as in levels")
    return bands, out


def _check_bands_reachable(c: _Collector, d: Definition) -> None:
    rng = d.score_range
    if not d.bands or rng is None:
        return
    lo, hi = rng
    if d.bands[0].min > lo:
        c.add(
            "thresholds[0].min",
            f"must be {_fmt(lo)} or less, so that the lowest possible score ({_fmt(lo)}) has a level",
        )
    for n, band in enumerate(d.bands):
        if band.min > hi:
            c.add(
                f"thresholds[{n}].min",
                f"{_fmt(band.min)} is more than the highest possible score ({_fmt(hi)})",
            )


def _fmt(value: Decimal) -> str:
    return format_score(value)


def format_score(value: Decimal | None) -> str:
    """A score for display: no trailing zeros ("7", "7.5")."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")
