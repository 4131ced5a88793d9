"""The instruments shipped with Desist: written by the project, valid, synced idempotently."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desist.audit.models import AuditEvent
from desist.risk import engine, services
from desist.risk.loader import BUILTIN_PREFIX, builtin_files, read_instrument_file
from desist.risk.models import Instrument
from desist.risk.tests.conftest import SCREENING_CODE, SPJ_CODE, screening_answers

# The programme's self-report measure (an outcome measure, never offered for risk assessment).
MEASURE_CODE = "desist-progress-check"

FILES = builtin_files()


def test_there_are_built_in_instruments() -> None:
    codes = {
        engine.parse_definition(read_instrument_file(p.name, p.read_bytes())).code for p in FILES
    }
    assert codes == {SCREENING_CODE, SPJ_CODE, MEASURE_CODE}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_built_in_validates_and_is_project_authored(path: Any) -> None:
    d = engine.parse_definition(read_instrument_file(path.name, path.read_bytes()))
    assert d.authorship == "project"
    assert d.code.startswith(BUILTIN_PREFIX)
    assert not d.licence


def test_screening_shape() -> None:
    path = next(p for p in FILES if p.name.startswith(SCREENING_CODE))
    d = engine.parse_definition(read_instrument_file(path.name, path.read_bytes()))
    assert d.kind == "screening"
    assert len(d.items) == 12 and all(i.type == "yes_no" for i in d.items)
    assert [lv.code for lv in d.levels] == ["standard", "medium", "high"]
    assert [b.level for b in d.bands] == ["standard", "medium", "high"]


def test_spj_shape() -> None:
    path = next(p for p in FILES if p.name.startswith(SPJ_CODE))
    d = engine.parse_definition(read_instrument_file(path.name, path.read_bytes()))
    assert d.kind == "structured_judgement"
    motivation = d.item("motivation")
    assert motivation is not None and motivation.scale is not None
    assert {o.value for o in motivation.scale.options} >= {
        "rejected",
        "resentful",
        "intimacy_seeking",
        "incompetent_suitor",
        "predatory",
    }
    for item_id in ("violence", "persistence", "recurrence", "psychosocial_harm"):
        item = d.item(item_id)
        assert item is not None and item.scale is not None
        assert [o.value for o in item.scale.options] == ["low", "medium", "high"]
    assert d.judgement == engine.Judgement("overall", "rationale", "review_date")


def test_built_ins_are_synced_after_migrate(db: Any) -> None:
    rows = Instrument.objects.filter(owner=None, is_active=True)
    assert {r.code for r in rows} == {SCREENING_CODE, SPJ_CODE, MEASURE_CODE}
    assert all(r.definition["authorship"] == "project" for r in rows)


def test_sync_is_idempotent(db: Any) -> None:
    before = AuditEvent.objects.count()
    assert services.instruments_sync_builtin() == {
        "created": 0,
        "updated": 0,
        "skipped": 0,
        "withdrawn": 0,
    }
    assert AuditEvent.objects.count() == before
    assert Instrument.objects.filter(owner=None).count() == 3


def test_sync_repairs_unused_and_keeps_used_versions(
    db: Any, screening: Instrument, spj: Instrument, subject: Any, officer: Any
) -> None:
    services.assessment_record(
        actor=officer,
        subject=subject,
        instrument=screening,
        answers=screening_answers(3),
        assessed_on=dt.date.today(),
        context="initial",
        review_date=dt.date.today() + dt.timedelta(days=30),
    )
    Instrument.objects.filter(pk__in=[screening.pk, spj.pk]).update(sha256="changed")
    old = Instrument.objects.create(
        code=SCREENING_CODE, version="0", kind="screening", definition={}, sha256="x"
    )
    summary = services.instruments_sync_builtin()
    assert summary == {"created": 0, "updated": 1, "skipped": 1, "withdrawn": 1}
    spj.refresh_from_db()
    screening.refresh_from_db()
    old.refresh_from_db()
    assert spj.sha256 != "changed"
    assert screening.sha256 == "changed"  # used: never rewritten
    assert not old.is_active


def test_outcome_measures_are_not_offered_for_risk_assessment(users: Any) -> None:
    from desist.core.roles import RoleCode
    from desist.risk import selectors

    codes = {
        i.code for i in selectors.instrument_list_available(actor=users[RoleCode.POLICE_OFFICER])
    }
    assert MEASURE_CODE not in codes
    assert {SCREENING_CODE, SPJ_CODE} <= codes
