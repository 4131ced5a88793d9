"""Give terms recorded before 0002 a category where the court's wording makes it obvious.

Only the category (a code) is derived from the police's wording: exactly one set of cue words
must match, otherwise the term is 'other'. The provider-safe description is never derived
from police text; it stays blank, which every page shows as "Wording held by police".
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

# Category -> cue words, matched as whole words, case-insensitively.
CUES: dict[str, re.Pattern[str]] = {
    "online": re.compile(r"\b(social media|online|internet|facebook|instagram|post)\b", re.I),
    "no_approach": re.compile(r"\b(approach|within \d+ ?(m|metres|meters|yards|miles))\b", re.I),
    "exclusion_zone": re.compile(r"\b(enter|exclusion zone|go to|attend at)\b", re.I),
    "no_contact": re.compile(r"\b(contact|communicate)\b", re.I),
}
ATTEND = re.compile(r"\b(attend|engage|complete|participate)\b", re.I)


def category_for(kind: str, wording: str) -> str:
    """The one obvious category of a term, or 'other'."""
    if kind == "requirement":
        return "attend" if ATTEND.search(wording) else "other"
    found = [category for category, cue in CUES.items() if cue.search(wording)]
    return found[0] if len(found) == 1 else "other"


def forwards(apps: Any, schema_editor: Any) -> None:
    Term = apps.get_model("orders", "Term")
    changed = []
    for term in Term.objects.only("pk", "kind", "wording").iterator():
        term.category = category_for(term.kind, term.wording)
        if term.category != "other":
            changed.append(term)
    Term.objects.bulk_update(changed, ["category"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_term_category_provider_description")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
