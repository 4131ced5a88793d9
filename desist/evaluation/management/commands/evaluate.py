"""``desist evaluate``: run the evaluation engine on any cohort file.

    desist evaluate --cohort FILE.csv --time-column COL --event-column COL
                    [--group-column COL] [--covariates a,b,c]
                    [--format json|html|pdf] [--out PATH]

Prints (or writes) the JSON documented in docs/evaluation.md, or an HTML/PDF report. A bad file
stops with an error naming the row and column, and a non-zero exit.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string

from desist.evaluation.engine.cohortfile import read_cohort
from desist.evaluation.engine.errors import EngineInputError
from desist.evaluation.engine.jsonsafe import jsonable
from desist.evaluation.engine.report import evaluate_cohort


class _Progress:
    """A progress bar on stderr: tqdm if installed, else a plain counter. Quiet if not a TTY."""

    def __init__(self, enabled: bool, total: int = 4):
        self.enabled = enabled
        self.bar: Any = None
        if not enabled:
            return
        try:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, file=sys.stderr, desc="Evaluating", unit="step", leave=False
            )
        except ImportError:  # pragma: no cover - tqdm is a dependency
            self.bar = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.total = total
            self.bar.set_postfix_str(label)
            self.bar.update(done - self.bar.n)
        else:
            sys.stderr.write(f"\r[{done}/{total}] {label:<30}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\n")


class Command(BaseCommand):
    help = "Evaluate a cohort file: Kaplan-Meier, log-rank and Cox regression (JSON, HTML or PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cohort", required=True, metavar="FILE.csv", help="CSV file, header row first"
        )
        parser.add_argument(
            "--time-column", required=True, metavar="COL", help="follow-up time (0 or more)"
        )
        parser.add_argument(
            "--event-column",
            required=True,
            metavar="COL",
            help="1 = event (re-offence), 0 = censored",
        )
        parser.add_argument(
            "--group-column", metavar="COL", help="compare groups (e.g. programme vs comparison)"
        )
        parser.add_argument(
            "--covariates",
            default="",
            metavar="a,b,c",
            help="comma-separated covariate columns for the Cox model",
        )
        parser.add_argument("--format", choices=["json", "html", "pdf"], default="json")
        parser.add_argument(
            "--out", metavar="PATH", help="write here instead of standard output (required for pdf)"
        )
        parser.add_argument(
            "--min-cohort", type=int, default=60, help="smaller groups get a warning (default 60)"
        )
        progress = parser.add_mutually_exclusive_group()
        progress.add_argument(
            "--progress", action="store_true", help="always show the progress bar"
        )
        progress.add_argument(
            "--no-progress", action="store_true", help="never show the progress bar"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["format"]
        out = options["out"]
        if fmt == "pdf" and not out:
            raise CommandError(
                "--format pdf needs --out PATH (a PDF is not printed to the terminal)."
            )
        covariates = [c.strip() for c in options["covariates"].split(",") if c.strip()]
        show = options["progress"] or (not options["no_progress"] and sys.stderr.isatty())
        progress = _Progress(show)
        try:
            try:
                df = read_cohort(
                    options["cohort"],
                    options["time_column"],
                    options["event_column"],
                    options["group_column"],
                    covariates,
                )
                result = evaluate_cohort(
                    df,
                    options["time_column"],
                    options["event_column"],
                    options["group_column"],
                    covariates,
                    progress=progress,
                    min_cohort=options["min_cohort"],
                    charts=fmt != "json",
                )
            except EngineInputError as exc:
                raise CommandError(f"{options['cohort']}: {exc}") from exc
        finally:
            progress.close()
        result["source"] = Path(options["cohort"]).name
        data = jsonable(result)
        if fmt == "json":
            data.pop("charts", None)
            self._emit(json.dumps(data, indent=2, allow_nan=False) + "\n", out)
            return
        if fmt == "pdf":
            # WeasyPrint draws SVG images with its SVG renderer; inline SVG would be read as HTML.
            for chart in data.get("charts", {}).values():
                encoded = base64.b64encode(chart["svg"].encode("utf-8")).decode("ascii")
                chart["data_uri"] = f"data:image/svg+xml;base64,{encoded}"
        html = render_to_string("evaluation/cohort_report.html", {"r": data, "pdf": fmt == "pdf"})
        if fmt == "html":
            self._emit(html, out)
            return
        try:
            from weasyprint import HTML
        except (ImportError, OSError) as exc:  # OSError: pango missing
            raise CommandError(
                f"PDF output needs WeasyPrint and its system libraries: {exc}"
            ) from exc
        weasy_log = logging.getLogger("weasyprint")
        level = weasy_log.level
        weasy_log.setLevel(logging.ERROR)
        try:
            HTML(string=html).write_pdf(out)
        finally:
            weasy_log.setLevel(level)
        self.stderr.write(f"Wrote {out}")

    def _emit(self, text: str, out: str | None) -> None:
        if out:
            Path(out).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {out}")
        else:
            self.stdout.write(text, ending="")
