"""Tag colours by meaning (issue 19), one table for every page: red is urgent or overdue,
orange is due soon or needs someone, blue is waiting on someone else, green is done or in
force, turquoise is in force for now (an interim order), purple is done but late, grey is
ended or routine. Yellow is not used: it read the same for "Urgent" and "Awaiting hearing"."""

from __future__ import annotations

RED, ORANGE, BLUE, GREEN = (
    "govuk-tag--red",
    "govuk-tag--orange",
    "govuk-tag--blue",
    "govuk-tag--green",
)
TURQUOISE, PURPLE, GREY = "govuk-tag--turquoise", "govuk-tag--purple", "govuk-tag--grey"

# A work-queue row's tag text -> its colour. Texts that start with a key take its colour
# ("Overdue by 3 days"); anything else is blue (waiting on someone).
_QUEUE_TAGS: tuple[tuple[str, str], ...] = (
    ("Overdue", RED),
    ("Urgent", RED),
    ("End date passed", RED),
    ("Lapsed", RED),
    ("Lapses today", RED),
    ("Lapses in", ORANGE),
    ("Due today", ORANGE),
    ("Today", ORANGE),
    ("Due", ORANGE),
    ("Review for renewal", ORANGE),
    ("Decision needed", ORANGE),
    ("Not allocated", ORANGE),
    ("Full", GREY),
    ("Awaiting hearing", BLUE),
)


def queue_tag_class(text: str) -> str:
    for prefix, colour in _QUEUE_TAGS:
        if str(text).startswith(prefix):
            return colour
    return BLUE
