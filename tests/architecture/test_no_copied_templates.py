"""No template is copied between apps (issue 13): a shared include lives once, under
desist/templates/includes/, and every app points at it."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

DESIST = Path(__file__).resolve().parents[2] / "desist"


def _owner(path: Path, root: Path) -> str:
    """The app a template belongs to ('' for the project-wide desist/templates)."""
    parts = path.relative_to(root).parts
    return "" if parts[0] == "templates" else parts[0]


def copies(root: Path = DESIST) -> list[list[str]]:
    """Groups of template files in different apps whose text is the same, whitespace aside."""
    by_text: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(root.glob("**/templates/**/*")):
        if path.is_file():
            text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8")).strip()
            by_text[text].append(path)
    return [
        [str(p.relative_to(root.parent)) for p in paths]
        for paths in by_text.values()
        if len({_owner(p, root) for p in paths}) > 1
    ]


def test_no_template_is_copied_between_apps() -> None:
    found = copies()
    assert not found, (
        "Templates copied between apps (keep one under desist/templates/includes/ and "
        "include it from each app):\n" + "\n".join(", ".join(group) for group in found)
    )


def test_the_finder_sees_a_copy_whatever_its_whitespace(tmp_path: Path) -> None:
    # The check must catch a copy that differs only in indentation or line breaks.
    root = tmp_path / "desist"
    for app, text in (
        ("orders", "<nav>\n  {{ page }}\n</nav>\n"),
        ("people", "<nav> {{ page }} </nav>"),
    ):
        folder = root / app / "templates" / app
        folder.mkdir(parents=True)
        (folder / "pager.html").write_text(text)
    (root / "people" / "templates" / "people" / "other.html").write_text("<p>different</p>")
    assert copies(root) == [
        ["desist/orders/templates/orders/pager.html", "desist/people/templates/people/pager.html"]
    ]
