"""Django's {# #} comment ends at the end of its line: one spread over lines is printed on the
page as text (tester finding: base.html's comment above the marking on every page)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import desist

OPEN = re.compile(r"\{#")


def multi_line_comments(text: str) -> list[int]:
    """Line numbers of each {# whose #} is not on the same line."""
    found = []
    for match in OPEN.finditer(text):
        line_end = text.find("\n", match.start())
        line = text[match.start() : line_end if line_end != -1 else len(text)]
        if "#}" not in line:
            found.append(text.count("\n", 0, match.start()) + 1)
    return found


def test_the_check_finds_a_comment_over_two_lines() -> None:
    assert multi_line_comments("a\n{# one\n two #}\n{# fine #}") == [2]
    assert multi_line_comments("{# fine #} {# also fine #}") == []


def test_no_template_has_a_comment_over_several_lines() -> None:
    root = Path(desist.__file__).parent
    found = [
        f"{path.relative_to(root)}:{line}"
        for path in sorted(root.rglob("*.html"))
        for line in multi_line_comments(path.read_text())
    ]
    assert found == [], "use {% comment %} for these:\n" + "\n".join(found)


@pytest.mark.django_db
def test_the_sign_in_page_prints_no_template_comment(client: Any) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "{#" not in page and "#}" not in page
