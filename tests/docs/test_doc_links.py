"""Docs link only to files in the repository (issue 13): every Markdown link in README.md and
docs/ that is not a web address resolves to a file or directory here, and no page sends the
reader outside the repository (the shared design notes are not shipped with it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def broken_links(pages: list[Path], root: Path = ROOT) -> list[str]:
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(root) or not path.exists():
                broken.append(f"{page.relative_to(root)}: {target}")
        if "../shared/" in text:
            broken.append(f"{page.relative_to(root)}: mentions ../shared/ (outside the repository)")
    return broken


def test_docs_link_only_to_files_in_the_repository() -> None:
    assert not broken_links(_pages())


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See [gone](missing.md) and [design](../shared/design.md).", encoding="utf-8")
    assert broken_links([page], root=tmp_path) == [
        "page.md: missing.md",
        "page.md: ../shared/design.md",
        "page.md: mentions ../shared/ (outside the repository)",
    ]
