"""Plain-language names for the record types in the audit log (issue 20): an evaluator filters
by "Programme session", not by the model label "programme.ProgrammeSession". The log keeps the
label (it is what the filter matches); only what people read changes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from django.apps import apps
from django.utils.text import capfirst


def record_type_name(label: str) -> str:
    """The model's verbose name ('Advocacy case'); for a label that names no model (a list or
    a page), its last part in words ('programme.Session' -> 'Session')."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label.rpartition(".")[2]).lower()
        return capfirst(words.replace("_", " ")) or label
    return capfirst(str(model._meta.verbose_name))


def record_type_names(labels: Iterable[str]) -> dict[str, str]:
    """label -> name; two labels with one name each add their app's name to tell them apart."""
    names = {label: record_type_name(label) for label in labels}
    shared = {n for n, count in Counter(names.values()).items() if count > 1}
    for label, name in names.items():
        if name in shared:
            app = label.partition(".")[0]
            app_name = apps.app_configs[app].verbose_name if app in apps.app_configs else app
            names[label] = f"{name} ({app_name})"
    return names


def record_type_choices(labels: Iterable[str]) -> list[tuple[str, str]]:
    """(label, name) pairs in alphabetical order of the names, for the filter."""
    names = record_type_names(labels)
    return sorted(names.items(), key=lambda pair: (pair[1].lower(), pair[0]))
