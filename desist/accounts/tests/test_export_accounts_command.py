"""`desist export_accounts` asks the purpose as the download's form does (core.export_purpose)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode as R
from desist.core.tests.exporting import csv_rows


def test_the_purpose_is_recorded_with_the_export(users: dict[R, Any], tmp_path: Path) -> None:
    admin = users[R.SYSTEM_ADMIN]
    out = tmp_path / "accounts.csv"
    call_command(
        "export_accounts",
        "--as",
        admin.username,
        "--purpose",
        "access_review",
        "--output",
        str(out),
        stderr=io.StringIO(),
    )
    # The same writer as the download: the marking line, then the headings (ADR 0030).
    assert csv_rows(out.read_text())[0][0] == "username"
    event = AuditEvent.objects.filter(verb="account.export").latest("id")
    assert event.new_values["purpose"] == "access_review"
    assert event.new_values["purpose_reason"] == ""


def test_other_needs_a_reason_and_a_purpose_must_suit_the_role(users: dict[R, Any]) -> None:
    admin = users[R.SYSTEM_ADMIN]
    with pytest.raises(CommandError, match="Enter the reason"):
        call_command("export_accounts", "--as", admin.username, "--purpose", "other")
    with pytest.raises(CommandError, match="Select why you are exporting this"):
        call_command("export_accounts", "--as", admin.username, "--purpose", "court")
    assert not AuditEvent.objects.filter(verb="account.export").exists()
