"""Time the evaluation report on the demo pilot: generation, page, CSV and PDF.

    .venv/bin/python benchmarks/demo_report.py            # seed a fresh demo database, then time
    .venv/bin/python benchmarks/demo_report.py --reuse    # time again on the database seeded last time

Issue 6 asks that "the demo report renders in seconds". This seeds the demo (`desist seed`, the
same synthetic pilot as `make demo`) into its own SQLite file (`--db`, default
var/bench-demo-report.sqlite3; nothing else is touched), then, as the demo accounts who read
the report:

- generation: `reporting.execute_run` for a run with the report form's defaults (what the
  request or its background thread runs: the pseudonymised frames from the database, the
  engine, the stored result), `--runs` times;
- the report page, the CSV and the PDF, each requested with Django's test client (in process,
  no network), `--repeat` times for the page.

Prints the median and the slowest of each, in seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = ROOT / "var" / "bench-demo-report.sqlite3"


def _configure(db: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DESIST_ENV"] = "demo"
    os.environ["DESIST_REQUIRE_2FA"] = "0"
    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"


def _seed(db: Path, reuse: bool) -> float | None:
    """Migrate and seed unless reusing a seeded file. Returns the seconds it took, or None."""
    from django.core.management import call_command

    from desist.demo.seed import seed

    if reuse and db.exists():
        return None
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed(volume=True)
    return time.perf_counter() - began


def _summary(label: str, seconds: list[float]) -> str:
    return (
        f"{label:<44} median {statistics.median(seconds):6.2f} s   "
        f"slowest {max(seconds):6.2f} s   ({len(seconds)} run{'s' if len(seconds) > 1 else ''})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--reuse", action="store_true", help="time the database seeded last time")
    parser.add_argument("--runs", type=int, default=3, help="report generations to time")
    parser.add_argument("--repeat", type=int, default=5, help="requests of the report page")
    parser.add_argument(
        "--users", default="evaluator,programme.manager", help="demo accounts, comma-separated"
    )
    args = parser.parse_args()
    if args.db.resolve() != DEFAULT_DB.resolve() and args.db.exists() and not args.reuse:
        raise SystemExit(f"{args.db} exists; pass --reuse to time it, or choose another --db")

    _configure(args.db)
    # collectstatic has not run for this database-only script; the pages need no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from desist.accounts.models import User
    from desist.evaluation import reporting, services
    from desist.evaluation.forms import EvaluationParamsForm
    from desist.evaluation.models import EvaluationRun, RunStatus

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seeded = _seed(args.db, args.reuse)
    if seeded is not None:
        print(f"Seeded the demo pilot into {args.db} in {seeded:.1f} s")

    defaults = EvaluationParamsForm(
        {name: field.initial for name, field in EvaluationParamsForm.base_fields.items()}
    )
    if not defaults.is_valid():
        raise SystemExit(f"the report form's defaults do not validate: {defaults.errors}")
    failed = False
    for username in [u.strip() for u in args.users.split(",") if u.strip()]:
        user = User.objects.get(username=username)
        print(f"\n{username} ({', '.join(user.role_codes)})")
        generation: list[float] = []
        run = None
        for _ in range(max(args.runs, 1)):
            run = services.evaluation_run_create(actor=user, params=defaults.params())
            began = time.perf_counter()
            reporting.execute_run(run.pk)
            generation.append(time.perf_counter() - began)
        assert run is not None
        run = EvaluationRun.objects.get(pk=run.pk)
        if run.status != RunStatus.DONE:
            print(f"  the run did not finish: {run.status} {run.error}")
            failed = True
            continue
        print(f"  people in the evaluation: {run.people_count}")
        print("  " + _summary("generation (frames, engine, stored result)", generation))

        client = Client()
        client.force_login(user)
        timed: dict[str, list[float]] = {}
        requests = [
            ("report page", reverse("evaluation:run", args=[run.pk]), max(args.repeat, 1)),
            ("CSV download", reverse("evaluation:run_csv", args=[run.pk]), 1),
            ("PDF download", reverse("evaluation:run_pdf", args=[run.pk]), 1),
        ]
        for label, url, times in requests:
            for _ in range(times):
                began = time.perf_counter()
                response = client.get(url)
                content = b"".join(response) if response.streaming else response.content
                timed.setdefault(label, []).append(time.perf_counter() - began)
                if response.status_code != 200:
                    print(f"  {label}: HTTP {response.status_code}")
                    failed = True
                    break
            if label in timed:
                size = f"{len(content) / 1024:,.0f} KiB"
                print("  " + _summary(f"{label} ({size})", timed[label]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
