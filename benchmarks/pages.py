"""Time the main list pages and queues at national volume.

    .venv/bin/python benchmarks/pages.py                  # SQLite, 20,000 subjects, 1,000,000 audit rows
    .venv/bin/python benchmarks/pages.py --quick          # 3,000 subjects, 100,000 audit rows
    .venv/bin/python benchmarks/pages.py --reuse          # time again on the database built last time
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/pages.py   # PostgreSQL

Builds a database of synthetic data (the demo partnership, grown to national volume): the pilot
force holds a large share of the subjects (a big force, the worst case for force-scoped pages)
and the rest are spread over more forces; orders, risk assessments, programme referrals and
outcomes go through the real services via the demo volume generators (`desist.demo.volume`,
`desist.demo.orders_volume`, `desist.demo.programme_seed`, `desist.demo.evaluation_seed`);
then audit rows are appended in bulk (INSERT only: the table refuses UPDATE and DELETE).

Then requests each page with Django's test client, in process, as a representative user:
one untimed request (counting its queries), then `--repeat` timed requests. Prints the median
and 95th percentile in milliseconds and the query count of each page.

SQLite: the database is the file `--db` (default var/bench-pages.sqlite3, or
var/bench-pages-quick.sqlite3 with --quick). PostgreSQL: when
DATABASE_URL points at a PostgreSQL server, a database `--pg-database` (default
desist_bench_pages) is created on that server beside the one in the URL (the role needs
CREATEDB, as scripts/ci-postgres.sh gives it) and dropped at the end unless --reuse or --keep.
Nothing else is touched: the script refuses to replace a SQLite file it did not build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARKER_ORG = "bench-force-01"  # an organisation only this script creates


# --- settings, before Django starts -------------------------------------------------------


def _configure(args: argparse.Namespace) -> str:
    """Point Django at the benchmark database. Returns the vendor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DESIST_ENV"] = "demo"
    os.environ["DESIST_REQUIRE_2FA"] = "0"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return "postgresql"
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.db).resolve()}"
    return "sqlite"


def _prepare_database(args: argparse.Namespace, vendor: str) -> bool:
    """Create (or find, with --reuse) the benchmark database. Returns True if it must be built."""
    from django.conf import settings
    from django.db import connection

    if vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if path.exists():
            if args.reuse and _is_bench_database():
                connection.close()
                return False
            if not _is_bench_database():
                connection.close()
                raise SystemExit(
                    f"{path} exists and was not built by this script; not replacing it "
                    "(choose another --db)"
                )
            connection.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return True

    original = connection.settings_dict["NAME"]
    name = args.pg_database
    if name == original:
        raise SystemExit("--pg-database must differ from the database in DATABASE_URL")
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and not args.reuse:
            cursor.execute(f'DROP DATABASE "{name}"')
            exists = False
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    return not (exists and _is_bench_database())


def _drop_pg_database(args: argparse.Namespace) -> None:
    from django.db import connection

    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}"')


def _is_bench_database() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if "core_organisation" not in tables:
            return False
        cursor.execute("SELECT 1 FROM core_organisation WHERE code = %s", [MARKER_ORG])
        return cursor.fetchone() is not None


# --- building the data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Volume:
    subjects: int
    pilot_share: float
    forces: int
    pilot_orders_per_state: int
    other_orders_per_state: int
    audit_rows: int
    audit_days: int


@contextmanager
def _step(label: str) -> Iterator[None]:
    """Time one step of the build; print it when done (the services log lines of their own)."""
    t0 = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)


def build(volume: Volume) -> None:
    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from django.db import connection

    from desist.accounts.models import User
    from desist.accounts.services import user_create
    from desist.core.models import Organisation, OrganisationKind, Partnership
    from desist.core.roles import RoleCode
    from desist.demo import seed as demo_seed
    from desist.demo import volume as demo_volume
    from desist.demo.evaluation_seed import seed_outcomes
    from desist.demo.orders_volume import seed_orders
    from desist.demo.programme_seed import seed_programme

    with _step("migrate"):
        call_command("migrate", interactive=False, verbosity=0)

    with _step("organisations and accounts"):
        demo_seed.seed(volume=False)
        orgs = {o.code: o for o in Organisation.objects.all()}
        extra: list[Organisation] = []
        partnership = Partnership.objects.create(
            code="bench-national", name="Benchmark national partnership", is_demo=True
        )
        for i in range(1, volume.forces + 1):
            force = Organisation.objects.create(
                code=f"bench-force-{i:02d}",
                name=f"Benchmark Force {i:02d}",
                kind=OrganisationKind.POLICE_FORCE,
                is_demo=True,
            )
            extra.append(force)
            user_create(
                actor=None,
                username=f"bench.officer{i:02d}",
                organisation=force,
                roles=[RoleCode.POLICE_OFFICER],
                password=None,
                is_demo=True,
            )
            # Practitioners carry at most the programme's caseload limit: one more per force.
            user_create(
                actor=None,
                username=f"bench.practitioner{i:02d}",
                organisation=orgs["harbour-psychology"],
                roles=[RoleCode.PRACTITIONER],
                password=None,
                is_demo=True,
            )
        partnership.organisations.add(
            *extra,
            orgs["harbour-psychology"],
            orgs["safe-steps-advocacy"],
            orgs["independent-evaluation"],
        )

    # Cases per force: the volume generator makes 0.85 subjects per case.
    pilot_cases = round(volume.subjects * volume.pilot_share / 0.85)
    other_cases = (
        round(volume.subjects * (1 - volume.pilot_share) / 0.85 / volume.forces)
        if volume.forces
        else 0
    )
    with _step(f"casework: {pilot_cases:,} cases in the pilot force"):
        demo_volume.seed_casework(force=orgs["sussex-police"], cases=pilot_cases, seed=2026)
    with _step(f"casework: {other_cases:,} cases in each of {volume.forces} more forces"):
        for i, force in enumerate(extra):
            demo_volume.seed_casework(force=force, cases=other_cases, seed=3000 + i)

    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    per_state = volume.pilot_orders_per_state
    with _step(f"orders in the pilot force ({per_state} per state, through the services)"):
        seed_orders(
            force=orgs["sussex-police"],
            actor=users["police.sussex"],
            supervisor=users["police.supervisor"],
            per_state=per_state,
            assessed_subjects=round(pilot_cases * 0.13),
            seed=2026,
        )

    with _step("the rest of the demo partnership (demo seed)"):
        demo_seed.seed(volume=True)

    with _step(f"orders, programmes and outcomes in {volume.forces} more forces"):
        for i, force in enumerate(extra, start=1):
            officer = users[f"bench.officer{i:02d}"]
            seed_orders(
                force=force,
                actor=officer,
                per_state=volume.other_orders_per_state,
                assessed_subjects=round(other_cases * 0.13),
                seed=3000 + i,
            )
            try:
                seed_programme(
                    force=force,
                    provider=orgs["harbour-psychology"],
                    practitioner=users[f"bench.practitioner{i:02d}"],
                    supervisor=users["clinical.supervisor"],
                    police_actor=officer,
                    seed=3000 + i,
                )
            except ValidationError as exc:
                # The demo generators are written for the demo partnership; say so and go on.
                print(f"  no programme for {force.code}: {exc.messages[0]}")
            seed_outcomes(force=force, actor=officer, seed=3000 + i)

    with _step(f"{volume.audit_rows:,} audit rows over {volume.audit_days} days (bulk INSERT)"):
        _append_audit_rows(volume.audit_rows, volume.audit_days)

    if connection.vendor == "postgresql":
        # Autovacuum would analyse the new rows within a minute; do it now.
        with _step("ANALYZE"), connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# (category, verb, object_type, weight): roughly the mix a working system records; most rows
# are people looking at records.
AUDIT_MIX: list[tuple[str, str, str, int]] = [
    ("consultation", "subject.view", "people.Subject", 30),
    ("consultation", "subject.search", "people.Subject", 10),
    ("consultation", "case.view", "cases.Case", 12),
    ("consultation", "order.view", "orders.Order", 12),
    ("consultation", "victim.view", "safeguarding.Victim", 4),
    ("consultation", "outcome.view", "people.Subject", 2),
    ("collection", "risk.assessment_record", "risk.Assessment", 3),
    ("collection", "order.term_add", "orders.Order", 2),
    ("collection", "order.hearing_record", "orders.Order", 2),
    ("collection", "programme.attendance_record", "programme.ProgrammeSession", 3),
    ("collection", "programme.session_schedule", "programme.ProgrammeSession", 2),
    ("collection", "alert.create", "sharing.Alert", 1),
    ("alteration", "order.status_change", "orders.Order", 3),
    ("alteration", "order.notification_received", "orders.Order", 1),
    ("alteration", "referral.status_change", "programme.Referral", 1),
    ("disclosure", "disclosure.record", "sharing.Disclosure", 1),
    ("disclosure", "referral.put_forward", "programme.Referral", 1),
    ("security", "auth.login", "accounts.User", 8),
    ("security", "auth.logout", "accounts.User", 4),
    ("security", "auth.login_failed", "", 1),
]


def _append_audit_rows(n: int, days: int, seed: int = 7) -> None:
    """Append n audit rows spread evenly over the last `days` days, oldest first (so ids rise
    with time, as in a live system). Organisations are weighted by their casework; each has
    a pool of staff (the demo accounts and synthetic usernames). INSERT only."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.audit.models import AuditEvent
    from desist.core.models import Organisation
    from desist.people.models import Subject

    rng = random.Random(seed)
    orgs = list(Organisation.objects.order_by("id"))
    subject_counts = dict(
        Subject.objects.values_list("force_id").annotate(n=Count("id")).values_list("force_id", "n")
    )
    weights = [max(subject_counts.get(o.pk, 0), 600) for o in orgs]
    real: dict[int | None, list[tuple[int, str]]] = {}
    for u in User.objects.order_by("id"):
        real.setdefault(u.organisation_id, []).append((u.pk, u.username))
    staff: dict[int, list[tuple[int | None, str]]] = {}
    for o in orgs:
        pool: list[tuple[int | None, str]] = list(real.get(o.pk, []))
        # Synthetic staff ids start far above any real user id; the audit table holds plain
        # ids, not foreign keys, so rows may name people who are no longer users.
        pool += [(10_000_000 + o.pk * 1000 + k, f"{o.code}.staff{k:03d}") for k in range(40)]
        staff[o.pk] = pool
    mix_values = [m[:3] for m in AUDIT_MIX]
    mix_weights = [m[3] for m in AUDIT_MIX]

    json_field = AuditEvent._meta.get_field("new_values")
    empty_list = AuditEvent._meta.get_field("recipients").get_db_prep_value([], connection)
    search_values = [
        json_field.get_db_prep_value(
            {"search": f'text "{name}"', "results": k, "page": 1}, connection
        )
        for k, name in enumerate(["Brennan", "Ashdown", "Okonkwo", "Da Silva", "Marlow"])
    ]
    ops = connection.ops
    end = timezone.now() - dt.timedelta(minutes=5)
    start = end - dt.timedelta(days=days)
    step = (end - start) / max(n, 1)
    columns = (
        "occurred_at, actor_id, actor_username, organisation_id, organisation_name, category, "
        "verb, object_type, object_id, justification, recipients, old_values, new_values, "
        "request_id, client_address"
    )
    placeholders = ", ".join(["%s"] * 15)
    sql = f"INSERT INTO audit_event ({columns}) VALUES ({placeholders})"  # noqa: S608 (constants)

    def rows(first: int, last: int) -> Iterator[tuple[Any, ...]]:
        org_choices = rng.choices(orgs, weights=weights, k=last - first)
        mixes = rng.choices(mix_values, weights=mix_weights, k=last - first)
        for i, org, (category, verb, object_type) in zip(
            range(first, last), org_choices, mixes, strict=True
        ):
            when = start + step * i
            actor_id, username = rng.choice(staff[org.pk])
            new_values = None
            justification = ""
            if verb == "subject.search":
                new_values = rng.choice(search_values)
                justification = "Subject search by name, PNC number or reference"
            if verb == "auth.login_failed":
                actor_id = None
            yield (
                ops.adapt_datetimefield_value(when),
                actor_id,
                username,
                org.pk if actor_id is not None else None,
                org.name if actor_id is not None else "",
                category,
                verb,
                object_type,
                str(rng.randint(1, 30_000)) if object_type else "",
                justification,
                empty_list,
                None,
                new_values,
                f"{rng.getrandbits(64):016x}{i:016x}",
                f"10.{org.pk % 256}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            )

    batch = 20_000
    for first in range(0, n, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, list(rows(first, min(n, first + batch))))


# --- timing the pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    username: str
    path: str
    method: str = "get"


def pages() -> list[Page]:
    from desist.core.models import Organisation

    sussex = Organisation.objects.get(code="sussex-police").pk
    today = dt.date.today()
    week = (today - dt.timedelta(days=7)).isoformat()
    return [
        Page("Police officer: home (queues)", "police.sussex", "/"),
        Page("Police officer: subject list", "police.sussex", "/subjects/"),
        Page("Police officer: subject search", "police.sussex", "/subjects/search/?q=Brennan"),
        Page("Police officer: case list", "police.sussex", "/cases/"),
        Page("Police officer: order register", "police.sussex", "/orders/"),
        Page("Police officer: alerts inbox", "police.sussex", "/sharing/alerts/"),
        Page("Police supervisor: audit log", "police.supervisor", "/audit/"),
        Page(
            "Police supervisor: audit, by user",
            "police.supervisor",
            "/audit/?username=police.sussex",
        ),
        Page("Overseer: home (queues)", "evaluator", "/"),
        Page("Overseer: audit log", "evaluator", "/audit/"),
        Page("Overseer: audit log, page 2", "evaluator", "/audit/?page=2"),
        Page("Overseer: audit, disclosures", "evaluator", "/audit/?category=disclosure"),
        Page(
            "Overseer: audit, one record",
            "evaluator",
            "/audit/?object_type=people.Subject&object_id=1234",
        ),
        Page("Overseer: audit, last 7 days", "evaluator", f"/audit/?date_from={week}"),
        Page(
            "Overseer: audit, org + security",
            "evaluator",
            f"/audit/?organisation={sussex}&category=security",
        ),
        Page("Overseer: oversight dashboard", "evaluator", "/evaluation/oversight/"),
        # "Recalculate now" (and, without the request, the background refresh): the month of
        # audit log grouped afresh; the dashboard itself reads the stored result.
        Page(
            "Overseer: oversight recalculated (POST)",
            "evaluator",
            "/evaluation/oversight/",
            method="post",
        ),
        Page("Programme manager: home", "programme.manager", "/"),
        Page("Programme manager: dashboard", "programme.manager", "/evaluation/programme/"),
        Page("Practitioner: home (queues)", "practitioner", "/"),
        Page("Practitioner: referrals", "practitioner", "/programme/"),
        Page("Victim advocate: home (queues)", "advocate", "/"),
        Page("Victim advocate: caseload", "advocate", "/safeguarding/advocacy/"),
    ]


@dataclass
class Timing:
    page: Page
    status: int
    queries: int
    times_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        if len(self.times_ms) < 2:
            return self.times_ms[0]
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[18]


def time_pages(selected: list[Page], repeat: int) -> list[Timing]:
    import logging

    from django.db import connection
    from django.test import Client

    from desist.accounts.models import User

    # A page that fails is reported with its status, not a traceback.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    results = []
    clients: dict[str, Client] = {}
    for page in selected:
        client = clients.get(page.username)
        if client is None:
            client = clients[page.username] = Client(raise_request_exception=False)
            client.force_login(User.objects.get(username=page.username))
        queries.clear()
        request = getattr(client, page.method)
        with connection.execute_wrapper(count):
            response = request(page.path)
        n_queries = len(queries)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            request(page.path)
            times.append((time.perf_counter() - t0) * 1000)
        timing = Timing(page, response.status_code, n_queries, times)
        results.append(timing)
        print(
            f"  {page.name:<36} {timing.median:8.0f} {timing.p95:8.0f} {timing.queries:5d}"
            f"  {timing.status}",
            flush=True,
        )
    return results


def summary() -> str:
    from desist.audit.models import AuditEvent
    from desist.cases.models import Case
    from desist.core.models import Organisation, OrganisationKind
    from desist.orders.models import Order
    from desist.people.models import Subject
    from desist.programme.models import Referral

    forces = Organisation.objects.filter(kind=OrganisationKind.POLICE_FORCE)
    pilot = Subject.objects.filter(force__code="sussex-police").count()
    return (
        f"{forces.count()} forces, {Subject.objects.count():,} subjects ({pilot:,} in the "
        f"pilot force), {Case.objects.count():,} cases, {Order.objects.count():,} orders, "
        f"{Referral.objects.count():,} referrals, {AuditEvent.objects.count():,} audit rows"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20_000, help="subjects in all forces")
    parser.add_argument("--pilot-share", type=float, default=0.4, help="share in the pilot force")
    parser.add_argument("--forces", type=int, default=5, help="forces besides the demo two")
    parser.add_argument("--orders-per-state", type=int, default=150, help="pilot force")
    parser.add_argument("--other-orders-per-state", type=int, default=20)
    parser.add_argument("--audit", type=int, default=1_000_000, help="audit rows to append")
    parser.add_argument("--audit-days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page")
    parser.add_argument("--quick", action="store_true", help="3,000 subjects, 100,000 audit rows")
    parser.add_argument("--only", default="", help="time only pages whose name contains this")
    parser.add_argument(
        "--db", help="SQLite file (default var/bench-pages.sqlite3, -quick.sqlite3 with --quick)"
    )
    parser.add_argument("--pg-database", default="desist_bench_pages")
    parser.add_argument("--reuse", action="store_true", help="reuse the database built before")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.quick:
        args.subjects, args.forces, args.audit = 3_000, 2, 100_000
        args.orders_per_state, args.other_orders_per_state = 35, 5
        args.repeat = min(args.repeat, 5)
    if args.db is None:
        args.db = str(ROOT / "var" / f"bench-pages{'-quick' if args.quick else ''}.sqlite3")

    vendor = _configure(args)
    import django

    django.setup()
    from django.db import connection

    try:
        t0 = time.perf_counter()
        if _prepare_database(args, vendor):
            print(f"Building the {vendor} database:")
            build(
                Volume(
                    subjects=args.subjects,
                    pilot_share=args.pilot_share,
                    forces=args.forces,
                    pilot_orders_per_state=args.orders_per_state,
                    other_orders_per_state=args.other_orders_per_state,
                    audit_rows=args.audit,
                    audit_days=args.audit_days,
                )
            )
            print(f"Built in {time.perf_counter() - t0:.0f} s")
        else:
            from django.core.management import call_command

            print(f"Reusing the {vendor} database (applying any new migrations)")
            call_command("migrate", interactive=False, verbosity=0)
        print(summary())
        selected = [p for p in pages() if args.only.lower() in p.name.lower()]
        print(f"\n{args.repeat} timed requests per page after one untimed one ({vendor}):")
        print(f"  {'page':<36} {'median':>8} {'p95':>8} {'qs':>5}  status")
        t1 = time.perf_counter()
        results = time_pages(selected, args.repeat)
        print(f"Timed in {time.perf_counter() - t1:.0f} s")
        slow = [r for r in results if r.p95 > 500]
        if slow:
            print("Over the 500 ms p95 target: " + ", ".join(r.page.name for r in slow))
        bad = [r for r in results if r.status != (302 if r.page.method == "post" else 200)]
        if bad:
            print("Not 200: " + ", ".join(f"{r.page.name} ({r.status})" for r in bad))
    finally:
        connection.close()
        if vendor == "postgresql" and not (args.reuse or args.keep):
            _drop_pg_database(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
