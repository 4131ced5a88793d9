"""`desist sar --subject ID | --victim ID --as USERNAME [--received DATE] [--out DIR]`

Logs a subject access request for the data owner's organisation (received today unless
--received says otherwise), runs it, and writes the bundle as JSON and PDF into --out
(default: the current folder). The same commands as the page, so the same permission,
validation and audit (ADR 0031, docs/workflows/subject-access.md). Nothing is released: the
data owner checks the bundle and releases it on the page, or with --release.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from desist.accounts.models import User
from desist.core.marking import marked_filename
from desist.sar import bundle, services
from desist.sar.models import Requester


class Command(BaseCommand):
    help = "Log and run a subject access request, and write its bundle (JSON and PDF)."

    def add_arguments(self, parser: Any) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--subject", type=int, help="the subject's ID")
        who.add_argument("--victim", type=int, help="the victim's ID")
        parser.add_argument("--as", dest="actor", required=True, help="your username (audited)")
        parser.add_argument("--received", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--representative", default="", help="who asked for the person")
        parser.add_argument("--out", type=Path, default=Path("."))
        parser.add_argument("--release", action="store_true", help="record it as released")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account {options['actor']!r}")
        kind = "subject" if options["subject"] is not None else "victim"
        try:
            made = services.access_request_log(
                actor=actor,
                person_kind=kind,
                person_id=options[kind],
                requester=Requester.REPRESENTATIVE if options["representative"] else "person",
                requester_details=options["representative"],
                received_on=options["received"] or timezone.localdate(),
            )
            services.access_request_run(actor=actor, request=made)
            if options["release"]:
                services.access_request_release(actor=actor, request=made)
        except PermissionDenied as refused:
            raise CommandError(f"{actor.username} may not handle this request") from refused
        except ValidationError as invalid:
            raise CommandError("; ".join(invalid.messages)) from invalid
        made.refresh_from_db()
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        stem = bundle.file_stem(made)
        json_path = out / marked_filename(stem, "json")
        pdf_path = out / marked_filename(stem, "pdf")
        json_path.write_bytes(bundle.bundle_json(made))
        pdf_path.write_bytes(bundle.bundle_pdf(made))
        self.stdout.write(
            f"{made.reference}: {made.record_count} records, due {made.due_on.isoformat()}\n"
            f"{json_path}\n{pdf_path}"
        )
