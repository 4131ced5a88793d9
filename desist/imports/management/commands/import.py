"""`desist import --source niche|athena|generic --file F.csv|F.json --force CODE --as USER
[--dry-run] [--report PATH]`: import subjects and their cases from a police record system's
export (docs/integration.md), as the "Import from a record system" page does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from desist.accounts.models import User
from desist.core.models import Organisation
from desist.imports import engine, reader
from desist.imports.report import error_report
from desist.imports.sources import SOURCES


class Command(BaseCommand):
    help = "Import subjects and their cases from a record system's CSV or JSON export."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--source", required=True, choices=SOURCES)
        parser.add_argument("--file", required=True, type=Path)
        parser.add_argument("--force", required=True, help="the force's organisation code")
        parser.add_argument("--as", dest="actor", required=True, help="your username (audited)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--report", type=Path, help="where to write the error report (default: F.errors.csv)"
        )
        parser.add_argument("--batch-size", type=int, default=engine.BATCH_SIZE)
        parser.add_argument(
            "--progress",
            action="store_true",
            help="show the progress bar even when not on a terminal (it shows on one anyway)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        actor = User.objects.filter(username=o["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"There is no active account called {o['actor']} (--as)")
        force = Organisation.objects.filter(code=o["force"]).first()
        if force is None:
            raise CommandError(f"There is no organisation with the code {o['force']} (--force)")
        path: Path = o["file"]
        fmt = reader.format_of(path.name)
        if fmt is None:
            raise CommandError("The file must be a CSV or JSON file (.csv or .json)")
        try:
            rows = reader.read(path.read_bytes(), fmt, o["source"])
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except reader.Unreadable as exc:
            raise CommandError(str(exc)) from None
        with tqdm(
            total=len(rows),
            unit="rows",
            file=self.stderr,
            disable=None if not o["progress"] else False,
        ) as bar:
            try:
                outcome = engine.import_rows(
                    actor=actor,
                    force=force,
                    source=o["source"],
                    rows=rows,
                    dry_run=o["dry_run"],
                    progress=lambda done: bar.update(done - bar.n),
                    batch_size=o["batch_size"],
                )
            except PermissionDenied:
                raise CommandError(
                    f"{actor.username} may not import into {force.name}: only a police "
                    "supervisor of that force may"
                ) from None
        self._report(outcome, path, o)

    def _report(self, outcome: engine.Outcome, path: Path, o: dict[str, Any]) -> None:
        counts = outcome.counts()
        what = "Dry run (nothing written): would have" if o["dry_run"] else "Imported"
        self.stdout.write(
            f"{what} {counts['rows']} rows: {counts['created']} created, "
            f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['errors']} with errors"
        )
        if outcome.problems:
            target = o["report"] or path.with_name(path.name + ".errors.csv")
            target.write_text(error_report(outcome.problems), encoding="utf-8")
            self.stdout.write(f"Error report: {target}")
            for problem in outcome.problems[:20]:
                self.stdout.write(problem.message)
            if len(outcome.problems) > 20:
                self.stdout.write(f"... and {len(outcome.problems) - 20} more in the report")
