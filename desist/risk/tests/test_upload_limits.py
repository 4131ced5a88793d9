"""Hostile instrument files get a clear message, never a server error (issue 12, Low 1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from desist.core.roles import RoleCode
from desist.risk import engine
from desist.risk.loader import MAX_DEPTH, TOO_DEEP, TOO_LONG_NUMBER, read_instrument_file
from desist.risk.models import Instrument
from desist.risk.tests.test_engine import frequency_measure

DEEP = 100_000  # far past Python's recursion limit


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", ("[" * DEEP + "]" * DEEP).encode()),
        ("deep.json", ('{"a":' * DEEP + "1" + "}" * DEEP).encode()),
        ("deep.yaml", ("[" * DEEP + "]" * DEEP).encode()),
        ("deep.yml", ("{a: " * DEEP + "1" + "}" * DEEP).encode()),
    ],
)
def test_deep_nesting_is_refused_with_a_message(
    client: Any, users: Any, name: str, content: bytes
) -> None:
    client.force_login(users[RoleCode.SYSTEM_ADMIN])
    response = client.post(
        reverse("risk:instrument_load"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and TOO_DEEP in page
    assert not Instrument.objects.filter(owner__isnull=False).exists()


def test_nesting_the_parsers_survive_is_still_bounded() -> None:
    data = frequency_measure()
    inner: dict[str, Any] = {}
    data["notes"] = inner
    for _ in range(MAX_DEPTH):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(engine.DefinitionError) as exc:
        read_instrument_file("nested.json", json.dumps(data).encode())
    assert exc.value.errors == [TOO_DEEP]


def test_yaml_aliases_that_multiply_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    with pytest.raises(engine.DefinitionError) as exc:
        read_instrument_file("laughs.yaml", "\n".join(lines).encode())
    assert exc.value.errors == ["The file has too many entries to be an instrument"]


def test_an_ordinary_instrument_still_reads() -> None:
    data = frequency_measure()
    assert read_instrument_file("ok.json", json.dumps(data).encode()) == data


@pytest.mark.parametrize(
    ("name", "template"),
    [("long.json", '{{"name": "x", "version": {}}}'), ("long.yaml", "name: x\nversion: {}\n")],
)
def test_a_number_too_long_to_convert_is_refused_with_a_message(
    client: Any, users: Any, name: str, template: str
) -> None:
    """Python will not convert an integer over 4,300 digits (ValueError): once a 500."""
    content = template.format("9" * 5000).encode()
    client.force_login(users[RoleCode.SYSTEM_ADMIN])
    response = client.post(
        reverse("risk:instrument_load"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and TOO_LONG_NUMBER in page
    assert not Instrument.objects.filter(owner__isnull=False).exists()
