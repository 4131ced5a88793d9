"""Loading a licensed instrument from a file: the reader, the service and the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from desist.audit.models import AuditEvent, Category
from desist.core.roles import RoleCode
from desist.risk import engine, services
from desist.risk.loader import read_instrument_file
from desist.risk.models import Instrument
from desist.risk.tests.conftest import make_subject
from desist.risk.tests.test_engine import frequency_measure

R = RoleCode

GOOD_YAML = """
code: test-yaml
name: Synthetic YAML instrument
version: "1.0"
kind: screening
authorship: licensed
licence: Synthetic licence for testing
scales:
  yn:
    options:
      - {value: "yes", label: "Yes", score: 1}
      - {value: "no", label: "No", score: 0}
items:
  - {id: one, type: yes_no, scale: yn, text: "First synthetic question?"}
  - {id: two, type: yes_no, text: "Second synthetic question?"}
levels:
  - {code: low, label: Low}
  - {code: high, label: High}
thresholds:
  - {level: low, min: 0}
  - {level: high, min: 2}
"""


def json_bytes(data: Any) -> bytes:
    return json.dumps(data).encode()


# --- reading files ----------------------------------------------------------------------------


def test_reads_json_and_yaml() -> None:
    assert (
        read_instrument_file("m.json", json_bytes(frequency_measure()))["code"] == "test-frequency"
    )
    data = read_instrument_file("m.YAML", GOOD_YAML.encode())
    assert engine.parse_definition(data).version == "1.0"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.txt", b"{}", "The selected file must be a JSON or YAML file"),
        ("m.json", b"   ", "The selected file is empty"),
        ("m.json", b"\xff\xfe\x00", "The selected file must be saved as UTF-8 text"),
        (
            "m.json",
            b'{"code": "x",\n "name": }',
            "The selected file is not valid JSON: line 2, column 10",
        ),
        ("m.yaml", b"code: [unclosed\n", "The selected file is not valid YAML at line 2"),
        ("m.yaml", b"- just\n- a list\n", "The file must hold one instrument"),
        ("m.json", b" " * (1024 * 1024 + 1), "The selected file must be smaller than 1MB"),
    ],
)
def test_bad_files_get_clear_errors(name: str, content: bytes, message: str) -> None:
    with pytest.raises(engine.DefinitionError) as info:
        read_instrument_file(name, content)
    assert info.value.errors[0].startswith(message), info.value.errors


def test_yaml_unquoted_yes_is_explained() -> None:
    data = read_instrument_file("m.yaml", GOOD_YAML.replace('"yes"', "yes").encode())
    with pytest.raises(engine.DefinitionError) as info:
        engine.parse_definition(data)
    assert any("in YAML put yes, no, true and false in quotes" in e for e in info.value.errors)


def test_yaml_is_loaded_safely() -> None:
    evil = b"code: !!python/object/apply:os.system ['true']\n"
    with pytest.raises(engine.DefinitionError) as info:
        read_instrument_file("m.yaml", evil)
    assert "not valid YAML" in info.value.errors[0]


# --- the service ------------------------------------------------------------------------------


@pytest.fixture
def admin(users: dict[RoleCode, Any]) -> Any:
    return users[R.SYSTEM_ADMIN]


def test_load_creates_audits_and_is_idempotent(admin: Any) -> None:
    org = admin.organisation
    instrument, outcome = services.instrument_load_file(
        actor=admin, organisation=org, name="m.json", content=json_bytes(frequency_measure())
    )
    assert outcome == "created"
    assert instrument.owner == org and instrument.loaded_by == admin
    assert instrument.kind == "outcome_measure" and instrument.version == "2"
    event = AuditEvent.objects.get(verb="risk.instrument_load", object_id=str(instrument.pk))
    assert event.category == Category.COLLECTION
    assert event.new_values["code"] == "test-frequency"
    again, outcome = services.instrument_load_file(
        actor=admin, organisation=org, name="m.json", content=json_bytes(frequency_measure())
    )
    assert (again.pk, outcome) == (instrument.pk, "unchanged")


def test_unused_version_may_be_replaced_used_version_may_not(admin: Any, make_user: Any) -> None:
    org = admin.organisation
    instrument, _ = services.instrument_load(
        actor=admin, organisation=org, data=frequency_measure()
    )
    changed = frequency_measure()
    changed["items"][0]["text"] = "A, reworded"
    replaced, outcome = services.instrument_load(actor=admin, organisation=org, data=changed)
    assert (replaced.pk, outcome) == (instrument.pk, "replaced")

    officer = make_user(R.POLICE_OFFICER, organisation=org)
    services.assessment_record(
        actor=officer,
        subject=make_subject(org),
        instrument=replaced,
        answers={"a": "never", "b": "never", "c": "no", "when": "2025-01-01"},
        assessed_on=dt.date(2025, 1, 2),
        context="initial",
    )
    changed["items"][0]["text"] = "A, reworded again"
    with pytest.raises(ValidationError) as info:
        services.instrument_load(actor=admin, organisation=org, data=changed)
    assert info.value.message_dict["definition"][0].startswith(
        "version: version 2 of 'test-frequency' has been used in 1 assessment and cannot be changed"
    )


def test_project_authorship_and_reserved_codes_are_refused(admin: Any) -> None:
    data = frequency_measure()
    data["authorship"] = "project"
    data["code"] = "desist-mine"
    with pytest.raises(ValidationError) as info:
        services.instrument_load(actor=admin, organisation=admin.organisation, data=data)
    messages = info.value.message_dict["definition"]
    assert any(m.startswith("authorship: only instruments shipped with Desist") for m in messages)
    assert any(m.startswith("code: codes beginning 'desist-'") for m in messages)


def test_bad_definition_saves_nothing(admin: Any) -> None:
    data = frequency_measure()
    data["items"][3]["scale"] = "freq6"
    before = (Instrument.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as info:
        services.instrument_load(actor=admin, organisation=admin.organisation, data=data)
    assert "items[3].scale: unknown scale 'freq6'" in info.value.message_dict["definition"]
    assert (Instrument.objects.count(), AuditEvent.objects.count()) == before


def test_only_instrument_managers_load_and_only_for_their_organisation(
    users: dict[RoleCode, Any], orgs: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.instrument_load(
            actor=users[R.POLICE_OFFICER],
            organisation=users[R.POLICE_OFFICER].organisation,
            data=frequency_measure(),
        )
    with pytest.raises(PermissionDenied):
        services.instrument_load(
            actor=users[R.SYSTEM_ADMIN],
            organisation=orgs["other_police_force"],
            data=frequency_measure(),
        )


def test_instrument_is_available_only_to_its_organisation(
    admin: Any, make_user: Any, orgs: Any, screening: Instrument
) -> None:
    instrument, _ = services.instrument_load(
        actor=admin, organisation=admin.organisation, data=frequency_measure()
    )
    mine = make_user(R.POLICE_OFFICER, organisation=admin.organisation)
    other = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    assert services.instrument_available_to(mine, instrument)
    assert not services.instrument_available_to(other, instrument)
    assert services.instrument_available_to(other, screening)
    withdrawn = services.instrument_set_active(actor=admin, instrument=instrument, is_active=False)
    assert not services.instrument_available_to(mine, withdrawn)
    with pytest.raises(PermissionDenied):
        services.instrument_set_active(actor=admin, instrument=screening, is_active=False)


# --- the command ------------------------------------------------------------------------------


def test_command_loads_a_file(tmp_path: Path, orgs: Any) -> None:
    path = tmp_path / "licensed.yaml"
    path.write_text(GOOD_YAML)
    out = io.StringIO()
    call_command("load_instrument", str(path), organisation=orgs["provider"].code, stdout=out)
    assert "Loaded Synthetic YAML instrument (version 1.0)" in out.getvalue()
    instrument = Instrument.objects.get(code="test-yaml")
    assert instrument.owner == orgs["provider"] and instrument.loaded_by is None
    event = AuditEvent.objects.get(verb="risk.instrument_load", object_id=str(instrument.pk))
    assert event.actor_username == "command-line"


def test_command_reports_every_problem(tmp_path: Path, orgs: Any) -> None:
    data = frequency_measure()
    data["items"][3]["scale"] = "freq6"
    data["kind"] = "quiz"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as info:
        call_command("load_instrument", str(path), organisation=orgs["provider"].code)
    text = str(info.value)
    assert "bad.json was not loaded" in text
    assert "items[3].scale: unknown scale 'freq6'" in text
    assert "kind: must be one of" in text
    assert not Instrument.objects.filter(code="test-frequency").exists()


def test_command_exits_non_zero(tmp_path: Path, orgs: Any) -> None:
    # call_command, not ManagementUtility: run_from_argv closes the database connection,
    # which would break the test transaction on PostgreSQL. A CommandError exits with 1.

    path = tmp_path / "bad.txt"
    path.write_text("{}")
    messages = []
    for argv in (
        [str(path), "--organisation", orgs["provider"].code],
        [str(tmp_path / "missing.json"), "--organisation", orgs["provider"].code],
        [str(path), "--organisation", "no-such-org"],
    ):
        with pytest.raises(CommandError) as info:
            call_command("load_instrument", *argv)
        assert info.value.returncode == 1
        messages.append(str(info.value))
    err = "\n".join(messages)
    assert "The selected file must be a JSON or YAML file" in err
    assert "Cannot read" in err
    assert "There is no organisation with the code 'no-such-org'" in err
