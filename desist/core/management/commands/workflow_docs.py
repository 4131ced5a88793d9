"""Write docs/workflows/<stem>.svg and .md for every registered workflow, from its table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from desist.core.workflow import registered


def doc_files(root: Path, names: tuple[str, ...] | None = None) -> dict[Path, str]:
    """The generated files of the named workflows (all of them by default)."""
    files: dict[Path, str] = {}
    for name, workflow in registered().items():
        if names is None or name in names:
            files.update(workflow.doc_files(root))
    return files


class Command(BaseCommand):
    help = "Generate each workflow's diagram (SVG) and table (Markdown) into docs/workflows/."
    # A subclass narrows this to one workflow and names itself in the hint.
    workflows: tuple[str, ...] | None = None
    command = "workflow_docs"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Fail if the files are missing or out of date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        stale = []
        for path, text in doc_files(root, self.workflows).items():
            current = path.read_text() if path.exists() else None
            if current == text:
                continue
            if options["check"]:
                stale.append(str(path.relative_to(root)))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            self.stdout.write(f"Wrote {path.relative_to(root)}")
        if stale:
            raise CommandError(f"Out of date (run `desist {self.command}`): " + ", ".join(stale))
