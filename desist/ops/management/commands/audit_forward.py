"""`desist audit_forward`: stream audit events as JSON lines to a file or syslog
(desist/ops/audit_forward.py). One pass by default (for a timer); --follow keeps polling."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from desist.ops.audit_forward import (
    SYSLOG_MAX_LINE,
    FileSink,
    Sink,
    SyslogSink,
    exclusive,
    forward,
)


class Command(BaseCommand):
    help = "Forward audit events as JSON lines to a file or syslog, from where it last stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        to = parser.add_mutually_exclusive_group(required=True)
        to.add_argument("--file", type=Path, help="Append to this file.")
        to.add_argument(
            "--syslog",
            metavar="ADDRESS",
            help="Send to syslog: a unix datagram socket path (/dev/log) or host:port (TCP).",
        )
        parser.add_argument(
            "--state",
            type=Path,
            help="Where the position is kept (default: FILE.position; required with --syslog).",
        )
        parser.add_argument(
            "--max-line",
            type=int,
            default=SYSLOG_MAX_LINE,
            help="Refuse a syslog message longer than this many bytes (the receiver's limit).",
        )
        parser.add_argument("--follow", action="store_true", help="Keep forwarding new events.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        sink: Sink
        if options["file"]:
            state = options["state"] or options["file"].with_name(
                options["file"].name + ".position"
            )
            sink = FileSink(options["file"])
        else:
            # No default: it must be a writable place that outlives the process (the image's
            # /app is not writable).
            if not options["state"]:
                raise CommandError("--syslog needs --state PATH (where the position is kept)")
            state = options["state"]
            sink = SyslogSink(options["syslog"], max_line=options["max_line"])
        try:
            with exclusive(state):
                self._run(sink, state, follow=options["follow"], interval=options["interval"])
        except (RuntimeError, OSError) as exc:
            raise CommandError(f"{exc} (position kept; nothing after it was skipped)") from None
        finally:
            sink.close()

    def _run(self, sink: Sink, state: Path, *, follow: bool, interval: float) -> None:
        while True:
            try:
                count = forward(sink=sink, state=state)
            except OSError as exc:
                if not follow:
                    raise
                # The receiver is away (e.g. /dev/log restarting): try again from the same place.
                self.stderr.write(f"Send failed, will retry from the saved position: {exc}")
                count = 0
            if count or not follow:
                self.stdout.write(f"Forwarded {count} audit events.")
            if not follow:
                return
            time.sleep(interval)
            # Between passes only: a long follow survives a database restart (closing before
            # the first pass would also drop a caller's open transaction).
            close_old_connections()
