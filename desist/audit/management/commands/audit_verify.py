"""`desist audit_verify`: walk the audit hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from desist.audit import chain
from desist.audit.selectors import audit_chain_rows


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain (DESIST_AUDIT_HMAC_KEY). Reports the first changed, "
        "deleted, inserted or reordered row and exits non-zero; on success prints the last "
        "row's id and hash, to compare with the copy shipped off the box."
    )
    # A check of the data: it must run even when an unrelated system check fails.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--after-id",
            type=int,
            default=0,
            help="Start after this row (a checkpoint already verified or shipped).",
        )
        parser.add_argument(
            "--after-hash",
            default="",
            help="The row_hash of the --after-id row, as recorded at the checkpoint.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        after_id, after_hash = options["after_id"], options["after_hash"]
        if after_id and not after_hash:
            raise CommandError("--after-id needs --after-hash (the checkpoint row's row_hash)")
        result = chain.verify(
            audit_chain_rows(after_id=after_id),
            start_id=after_id or None,
            start_hash=after_hash,
        )
        if result.broken is not None:
            raise CommandError(
                f"Audit chain broken at {result.broken} ({result.checked} rows verified before it)."
            )
        if result.last_id is None:
            self.stdout.write("No audit rows to verify.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} rows; last id {result.last_id}, "
                f"hash {result.last_hash}"
            )
        )
