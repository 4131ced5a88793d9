"""Write docs/workflows/programme-referral.svg and .md from the transition table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from desist.programme import workflow


def doc_files(root: Path) -> dict[Path, str]:
    folder = root / "docs" / "workflows"
    return {
        folder / "programme-referral.svg": workflow.diagram_svg(),
        folder / "programme-referral.md": workflow.diagram_markdown(),
    }


class Command(BaseCommand):
    help = "Generate the referral workflow diagram (SVG) and table (Markdown) into docs/workflows/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Fail if the files are missing or out of date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        stale = []
        for path, text in doc_files(root).items():
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
            raise CommandError(
                "Out of date (run `desist programme_workflow_docs`): " + ", ".join(stale)
            )
