"""The structured rating a clinical supervisor gives a reviewed session (issue 20): how closely
it kept to the programme's plan (adherence) and how well it was delivered (competence), each on
0 to 3. The anchors are the project's own words, kept here as data: the review form shows them,
the supervision log and the supervisor's trend read them, and the migration's check constraint
allows exactly these values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    value: int
    label: str
    meaning: str


@dataclass(frozen=True)
class Scale:
    code: str
    question: str
    what: str  # completes "Select ..." in the error message
    anchors: tuple[Anchor, ...]

    def label_of(self, value: int | None) -> str:
        for anchor in self.anchors:
            if anchor.value == value:
                return f"{anchor.value}: {anchor.label}"
        return "Not rated"


ADHERENCE = Scale(
    code="adherence",
    question="How closely did the session keep to the plan?",
    what="how closely the session kept to the plan",
    anchors=(
        Anchor(
            0,
            "Off plan",
            "The planned module was not covered, and the session drifted with no reason noted.",
        ),
        Anchor(
            1,
            "Partly on plan",
            "Some of the module was covered, but core parts were left out, such as practising "
            "the skill or setting the week's practice.",
        ),
        Anchor(
            2,
            "Mostly on plan",
            "The module was covered with small gaps; any change of course was chosen for a "
            "reason the practitioner can explain.",
        ),
        Anchor(
            3,
            "Fully on plan",
            "The module was covered as planned: agenda, review of practice, the skill taught "
            "and rehearsed, the week's practice agreed and risk checked.",
        ),
    ),
)

COMPETENCE = Scale(
    code="competence",
    question="How well was the session delivered?",
    what="how well the session was delivered",
    anchors=(
        Anchor(
            0,
            "Not yet safe to deliver alone",
            "Explanations were unclear or wrong, or a risk was missed; needs joint working.",
        ),
        Anchor(
            1,
            "Developing",
            "The content was right but delivered by rote, with little use of the person's own "
            "examples or responses.",
        ),
        Anchor(
            2,
            "Competent",
            "Clear and paced to the person; used their examples, and handled resistance "
            "without losing the thread.",
        ),
        Anchor(
            3,
            "Skilled",
            "Adapted the material to the person with ease, and could show a colleague how it "
            "was done.",
        ),
    ),
)

SCALES: tuple[Scale, ...] = (ADHERENCE, COMPETENCE)
LOWEST, HIGHEST = 0, 3
