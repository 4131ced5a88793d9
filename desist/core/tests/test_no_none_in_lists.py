"""Issue 19: the word "None" never appears in a list or a page. An empty optional value reads
"Not recorded" (or a sentence saying what is missing), never Python's None nor the word used as
a placeholder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse

from desist.core.roles import RoleCode
from desist.orders.tests.helpers import applied, make_case, make_subject

TEMPLATES = Path(__file__).resolve().parents[2]
# Template tags, variables and comments: what is left is the text the page prints.
TAG = re.compile(r"{%.*?%}|{#.*?#}", re.S)
VARIABLE = re.compile(r"{{(.*?)}}", re.S)
NONE_DEFAULT = re.compile(r"""default(?:_if_none)?:\s*["']None""")


def test_no_template_prints_the_word_none() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for var in VARIABLE.findall(text):
            if NONE_DEFAULT.search(var):
                found.append(f"{path.relative_to(TEMPLATES)}: {var.strip()}")
        for tag in re.findall(r"{%.*?%}", text, re.S):
            if re.search(r"""["']None\b""", tag):  # e.g. empty="None available."
                found.append(f"{path.relative_to(TEMPLATES)}: {tag}")
        prose = VARIABLE.sub(" ", TAG.sub(" ", text))
        found += [f"{path.relative_to(TEMPLATES)}: text" for _ in re.findall(r"\bNone\b", prose)]
    assert not found, "\n".join(found)


def _main(client: Any, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_lists_with_empty_optional_fields_print_no_none(
    client: Any, users: dict[RoleCode, Any], orgs: dict[str, Any]
) -> None:
    """A subject with no PNC number, force reference, date of birth or address, a case and an
    application with nothing optional filled in: every list they appear in prints no None."""
    officer = users[RoleCode.POLICE_OFFICER]
    subject = make_subject(orgs["police_force"], last_name="Emptyfields")
    case = make_case(subject)
    applied(officer, subject, case=case)
    client.force_login(officer)
    pages = {
        "subjects": _main(client, reverse("people:list")),
        "search": _main(client, reverse("people:search"), q="Emptyfields"),
        "cases": _main(client, reverse("cases:list")),
        "register": _main(client, reverse("orders:list")),
        "subject": _main(client, reverse("people:detail", args=[subject.pk])),
        "case": _main(client, reverse("cases:detail", args=[case.pk])),
    }
    assert "EMPTYFIELDS" in pages["subjects"] and "Emptyfields" in pages["search"].title()
    assert "Not recorded" in pages["subjects"]
    for name, html in pages.items():
        assert not re.search(r"\bNone\b", html), name
