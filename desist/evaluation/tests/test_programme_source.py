"""The adapter to the programme app's `programme_facts_for_evaluation()` (its real shape)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.evaluation.frames import build_frames
from desist.evaluation.privacy import pseudonym
from desist.evaluation.programme_source import programme_facts
from desist.evaluation.tests import helpers
from desist.people.models import InterventionDecision

TODAY = timezone.localdate()
D = dt.timedelta


def _fact(subject_id: int, status: str, **kw: Any) -> dict[str, Any]:
    """One referral as `programme_facts_for_evaluation` gives it (the keys used here)."""
    return {
        "referral_id": kw.get("referral_id", subject_id * 10),
        "subject_id": subject_id,
        "programme_id": kw.get("programme_id"),
        "final_status": status,
        "put_forward_on": kw.get("put_forward_on", TODAY - D(400)),
        "consent_on": kw.get("consent_on"),
        "started_on": kw.get("started_on"),
        "ended_on": kw.get("ended_on"),
        "sessions_attended": kw.get("attended", 0),
        # The programme's completion rule, applied by the selector (`programme.completion`).
        "completion": kw.get("completion", "completed" if status == "completed" else ""),
        "sessions": [
            {"date": TODAY - D(385), "attended": True},
            {"date": TODAY - D(378), "attended": False},
        ],
        "measures": [
            {"measure": "Progress", "on": TODAY - D(390), "timepoint": "before", "score": 30},
            {"measure": "Progress", "on": TODAY - D(340), "timepoint": "mid", "score": 26},
            {"measure": "Progress", "on": TODAY - D(300), "timepoint": "after", "score": 20},
        ],
    }


def _serve(monkeypatch: Any, rows: list[dict[str, Any]]) -> None:
    def fake(*, subject_ids: Any = None) -> list[dict[str, Any]]:
        return [r for r in rows if subject_ids is None or r["subject_id"] in subject_ids]

    monkeypatch.setattr("desist.programme.selectors.programme_facts_for_evaluation", fake)


def test_latest_referral_wins(monkeypatch: Any) -> None:
    rows = [
        _fact(1, "completed", started_on=TODAY - D(380), consent_on=TODAY - D(390)),
        _fact(1, "declined", put_forward_on=TODAY - D(500), referral_id=99),
    ]
    _serve(monkeypatch, rows)
    facts = programme_facts(subject_ids=[1, 2])
    assert set(facts) == {1}
    assert facts[1].completed and facts[1].started_on == TODAY - D(380)
    assert not facts[1].declined


def test_a_completed_status_short_of_the_rule_is_no_completer(monkeypatch: Any) -> None:
    """The evaluation's completers are those the programme's rule counts completed, not every
    referral whose status says so (issue 20)."""
    _serve(
        monkeypatch,
        [
            _fact(1, "completed", started_on=TODAY - D(380), completion="partial"),
            _fact(2, "completed", started_on=TODAY - D(380), completion="completed"),
        ],
    )
    facts = programme_facts()
    assert not facts[1].completed and facts[1].completion == "partial"
    assert facts[2].completed


def test_timepoints_become_the_engines(monkeypatch: Any) -> None:
    _serve(monkeypatch, [_fact(1, "completed", started_on=TODAY - D(380))])
    f = programme_facts()[1]
    assert [m["timepoint"] for m in f.measures] == ["baseline", "mid", "end"]
    assert f.sessions == [(TODAY - D(385), True), (TODAY - D(378), False)]


def test_frames_take_the_funnel_from_the_programme(
    monkeypatch: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    subjects = []
    for _ in range(3):
        s = helpers.make_subject(force)
        helpers.make_order(s, made=TODAY - D(420))
        helpers.decide(s, InterventionDecision.Decision.PUT_FORWARD, TODAY - D(410), officer)
        subjects.append(s)
    done, started, declined = subjects
    rows = [
        _fact(done.pk, "completed", consent_on=TODAY - D(400), started_on=TODAY - D(390)),
        _fact(started.pk, "disengaged", consent_on=TODAY - D(400), started_on=TODAY - D(390)),
        _fact(declined.pk, "declined"),
    ]
    _serve(monkeypatch, rows)
    frames = build_frames(actor=overseer)
    people = frames.people.set_index("person_id")
    assert bool(people.loc[pseudonym("subject", done.pk), "completed"])
    assert bool(people.loc[pseudonym("subject", started.pk), "started"])
    assert not bool(people.loc[pseudonym("subject", started.pk), "completed"])
    assert bool(people.loc[pseudonym("subject", declined.pk), "declined"])
    assert not bool(people.loc[pseudonym("subject", declined.pk), "consented"])
    # Index date stays the decision date (no immortal time credited to starting).
    assert people.loc[pseudonym("subject", done.pk), "index_date"] == TODAY - D(410)
    assert len(frames.frames["measures"]) == 9
    assert set(frames.frames["measures"]["timepoint"]) == {"baseline", "mid", "end"}
    assert len(frames.frames["sessions"]) == 6
    assert "programme" in frames.sources
