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
        except json.JSONDecodeError as exc:
            raise engine.DefinitionError(
                [
                    f"The selected file is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
                ]
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where = ""
            mark = getattr(exc, "problem_mark", None)
            if mark is not None:
                where = f" at line {mark.line + 1}, column {mark.column + 1}"
            problem = getattr(exc, "problem", None) or "it could not be read"
            raise engine.DefinitionError(
                [f"The selected file is not valid YAML{where}: {problem}"]
            ) from None
    if not isinstance(data, dict):
        raise engine.DefinitionError(
            ["The file must hold one instrument: an object with named fields"]
        )
    return data


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
