"""``desist evaluate``: run the evaluation engine on any cohort file.

    desist evaluate --cohort FILE.csv --time-column COL --event-column COL
                    [--group-column COL] [--covariates a,b,c] [--categorical a,b]
                    [--missing error|drop] [--format json|html|pdf] [--out PATH]

Prints (or writes) the JSON documented in docs/evaluation.md, or an HTML/PDF report. Exit
status: 0 done; 2 a problem with the input (the file, a column, a value, --out), one line
naming the row, the column and the value; 1 a model that could not be fitted. No traceback.
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

from desist.core.marking import MARKING
from desist.evaluation.engine import errors as engine_errors
from desist.evaluation.engine.cohortfile import MISSING_CHOICES, CohortFile, read_cohort_file
from desist.evaluation.engine.errors import EngineInputError
from desist.evaluation.engine.jsonsafe import jsonable
from desist.evaluation.engine.report import evaluate_cohort

INPUT_ERROR = 2  # the user's file or options: fix them and run again
MODEL_ERROR = 1  # the data were read but a model could not be fitted
# The engine raises EngineModelError when a model the user asked for cannot be fitted.
_ModelError: type[Exception] = getattr(
    engine_errors, "EngineModelError", type("_Never", (Exception,), {})
)


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
        parser.add_argument(
            "--categorical",
            default="",
            metavar="a,b",
            help="covariates to read as categories even where their values are numbers",
        )
        parser.add_argument(
            "--missing",
            choices=MISSING_CHOICES,
            default="error",
            help="a missing value (empty, NA, N/A, NaN, NULL, .): stop (error, the default) "
            "or leave out its row (drop; the counts are reported)",
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

    def execute(self, *args: Any, **options: Any) -> str | None:
        """From the command line, a failure is one plain line and its exit status (Django
        would print "CommandError: " before it); call_command still raises."""
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(str(exc))
            sys.exit(exc.returncode)

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["format"]
        out = options["out"]
        _check_options(options)
        covariates = _names(options["covariates"])
        show = options["progress"] or (not options["no_progress"] and sys.stderr.isatty())
        progress = _Progress(show)
        try:
            try:
                cohort = self._read(options, covariates)
                result = evaluate_cohort(
                    cohort.frame,
                    options["time_column"],
                    options["event_column"],
                    options["group_column"],
                    covariates,
                    progress=progress,
                    min_cohort=options["min_cohort"],
                    charts=fmt != "json",
                )
            except EngineInputError as exc:
                raise CommandError(f"{options['cohort']}: {exc}", returncode=INPUT_ERROR) from exc
            except _ModelError as exc:
                raise CommandError(f"{options['cohort']}: {exc}", returncode=MODEL_ERROR) from exc
        finally:
            progress.close()
        result["source"] = Path(options["cohort"]).name
        result["input"] = cohort.summary()
        if cohort.rows_dropped:
            self.stderr.write(
                f"Left out {cohort.rows_dropped} of {cohort.rows_read} rows with a missing value "
                f"({_counts(cohort.missing_by_column)})."
            )
        self._output(jsonable(result), fmt, out)

    def _read(self, options: dict[str, Any], covariates: list[str]) -> CohortFile:
        return read_cohort_file(
            options["cohort"],
            options["time_column"],
            options["event_column"],
            options["group_column"],
            covariates,
            missing=options["missing"],
            categorical=_names(options["categorical"]),
        )

    def _output(self, data: dict[str, Any], fmt: str, out: str | None) -> None:
        if fmt == "json":
            data.pop("charts", None)
            self._emit(json.dumps(data, indent=2, allow_nan=False) + "\n", out)
            return
        if fmt == "pdf":
            # WeasyPrint draws SVG images with its SVG renderer; inline SVG would be read as HTML.
            for chart in data.get("charts", {}).values():
                encoded = base64.b64encode(chart["svg"].encode("utf-8")).decode("ascii")
                chart["data_uri"] = f"data:image/svg+xml;base64,{encoded}"
        html = render_to_string(
            "evaluation/cohort_report.html",
            {"r": data, "pdf": fmt == "pdf", "protective_marking": MARKING},
        )
        if fmt == "html":
            self._emit(html, out)
            return
        assert out is not None  # _check_options
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
        except OSError as exc:
            raise _cannot_write(out, exc) from exc
        finally:
            weasy_log.setLevel(level)
        self.stderr.write(f"Wrote {out}")

    def _emit(self, text: str, out: str | None) -> None:
        if out:
            try:
                Path(out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise _cannot_write(out, exc) from exc
            self.stderr.write(f"Wrote {out}")
        else:
            self.stdout.write(text, ending="")


def _names(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _counts(by_column: dict[str, int]) -> str:
    return ", ".join(f"{n} in '{col}'" for col, n in by_column.items())


def _usage(message: str) -> CommandError:
    return CommandError(message, returncode=INPUT_ERROR)


def _cannot_write(out: str, exc: OSError) -> CommandError:
    return _usage(f"--out {out}: cannot write there ({exc.strerror or exc})")


def _check_options(options: dict[str, Any]) -> None:
    """Refuse options that cannot work before any reading or fitting."""
    out = options["out"]
    if options["format"] == "pdf" and not out:
        raise _usage("--format pdf needs --out PATH (a PDF is not printed to the terminal).")
    if options["min_cohort"] < 0:
        raise _usage("--min-cohort must be 0 or more")
    if out:
        path = Path(out)
        if path.is_dir():
            raise _usage(f"--out {out} is a folder: give a file name inside it")
        if not path.parent.is_dir():
            raise _usage(f"--out {out}: the folder {path.parent} does not exist")
