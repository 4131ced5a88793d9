"""Reading instrument files (JSON or YAML) and the definitions stored on Instrument rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from desist.risk import engine

MAX_FILE_BYTES = 1024 * 1024
BUILTIN_DIR = Path(__file__).resolve().parent / "instruments"
BUILTIN_PREFIX = "desist-"
# An instrument is about five levels deep (instrument, items, item, options, option) and holds
# hundreds of values; far beyond either is a malformed or hostile file, refused before the
# parsers or the engine recurse into it.
MAX_DEPTH = 32
MAX_NODES = 100_000
TOO_DEEP = "The file is nested too deeply"
# Python refuses to convert integers of more than 4,300 digits (a denial-of-service guard).
TOO_LONG_NUMBER = "The file has a number that is too long (over 4,300 digits)"


def read_instrument_file(name: str, content: bytes) -> dict[str, Any]:
    """Parse a JSON or YAML file into a mapping. Raises DefinitionError with a clear message."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in {".json", ".yaml", ".yml"}:
        raise engine.DefinitionError(["The selected file must be a JSON or YAML file"])
    if len(content) > MAX_FILE_BYTES:
        raise engine.DefinitionError(["The selected file must be smaller than 1MB"])
    if not content.strip():
        raise engine.DefinitionError(["The selected file is empty"])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise engine.DefinitionError(["The selected file must be saved as UTF-8 text"]) from None
    data: Any
    if suffix == ".json":
        try:
            data = json.loads(text)
        except RecursionError:
            raise engine.DefinitionError([TOO_DEEP]) from None
        except json.JSONDecodeError as exc:
            raise engine.DefinitionError(
                [
                    f"The selected file is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
                ]
            ) from None
        except ValueError:
            raise engine.DefinitionError([TOO_LONG_NUMBER]) from None
    else:
        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise engine.DefinitionError([TOO_DEEP]) from None
        except yaml.YAMLError as exc:
            where = ""
            mark = getattr(exc, "problem_mark", None)
            if mark is not None:
                where = f" at line {mark.line + 1}, column {mark.column + 1}"
            problem = getattr(exc, "problem", None) or "it could not be read"
            raise engine.DefinitionError(
                [f"The selected file is not valid YAML{where}: {problem}"]
            ) from None
        except ValueError:
            raise engine.DefinitionError([TOO_LONG_NUMBER]) from None
    if not isinstance(data, dict):
        raise engine.DefinitionError(
            ["The file must hold one instrument: an object with named fields"]
        )
    _check_shape(data)
    return data


def _check_shape(data: Any) -> None:
    """Refuse deep nesting, and YAML aliases that multiply into huge trees, without recursing."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if depth > MAX_DEPTH:
            raise engine.DefinitionError([TOO_DEEP])
        if seen > MAX_NODES:
            raise engine.DefinitionError(["The file has too many entries to be an instrument"])
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def fingerprint(normalised: dict[str, Any]) -> str:
    canonical = json.dumps(normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


_CACHE: dict[str, engine.Definition] = {}


def definition_of(instrument: Any) -> engine.Definition:
    """The parsed definition of a stored Instrument (cached by content hash)."""
    key = instrument.sha256 or fingerprint(instrument.definition)
    found = _CACHE.get(key)
    if found is None:
        found = engine.parse_definition(instrument.definition)
        if len(_CACHE) > 500:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def builtin_files() -> list[Path]:
    return sorted(
        p for p in BUILTIN_DIR.iterdir() if p.suffix.lower() in {".json", ".yaml", ".yml"}
    )
