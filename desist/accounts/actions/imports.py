"""Bulk import of joiners from CSV (issue 16), through Python's csv module.

Every row is checked first and every problem reported with its row number, GOV.UK style
("Row 3: Enter an email address"); nothing is imported until the whole file is clean, so a
half-imported file never needs tidying up.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from desist.accounts.actions.people import Joiner, joiner_errors, users_invite_many
from desist.accounts.models import User
from desist.accounts.selectors import organisations_for_invite
from desist.core.models import Organisation
from desist.core.roles import RoleCode

COLUMNS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "organisation",
    "roles",
    "team",
    "line_manager",
)
REQUIRED = COLUMNS[:6]
MAX_ROWS = 1000
_ROLE_BY_NAME = {r.label.lower(): r for r in RoleCode} | {r.value: r for r in RoleCode}


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    joiners: list[Joiner] = field(default_factory=list)
    invited: list[User] = field(default_factory=list)

    @property
    def sent_message(self) -> str:
        n = len(self.invited)
        return f"{n} invitation{'' if n == 1 else 's'} sent"


def _roles(text: str, problems: list[str]) -> tuple[RoleCode, ...]:
    found = []
    for part in (p.strip().lower() for p in text.split(";")):
        if not part:
            continue
        role = _ROLE_BY_NAME.get(part)
        if role is None:
            problems.append(f"there is no role called {part}")
        else:
            found.append(role)
    return tuple(dict.fromkeys(found))


def _row_joiner(actor: User, row: dict[str, str], problems: list[str]) -> Joiner:
    code = (row.get("organisation") or "").strip()
    org = Organisation.objects.filter(code=code).first() if code else None
    if code and org is None:
        problems.append(f"there is no organisation with the code {code}")
    manager_name = (row.get("line_manager") or "").strip().lower()
    # Only the importer's own organisations are looked in, with one answer for "nobody by
    # that name" and "somebody elsewhere", so an import cannot probe other organisations' staff.
    mine = organisations_for_invite(actor=actor)
    manager = (
        User.objects.filter(username=manager_name, organisation__in=mine).first()
        if manager_name
        else None
    )
    if manager_name and manager is None:
        problems.append(
            f"there is no account called {manager_name} in your organisation to be the line manager"
        )
    return Joiner(
        username=row.get("username") or "",
        email=row.get("email") or "",
        first_name=row.get("first_name") or "",
        last_name=row.get("last_name") or "",
        organisation=org,
        roles=_roles(row.get("roles") or "", problems),
        team=row.get("team") or "",
        line_manager=manager,
    )


def _header_errors(header: Sequence[str] | None) -> list[str]:
    if not header:
        return ["The file is empty. Upload a CSV file with a header row"]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [f"The header row must include the columns {', '.join(missing)}"]
    return []


def users_import_check(*, actor: User, text: str) -> ImportResult:
    """Read and check every row; `joiners` is filled only when there are no errors."""
    reader = csv.DictReader(io.StringIO(text))
    result = ImportResult(errors=_header_errors(reader.fieldnames))
    if result.errors:
        return result
    joiners: list[Joiner] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):  # row 1 is the header
        if number > MAX_ROWS + 1:
            result.errors.append(f"The file must have {MAX_ROWS} rows or fewer")
            break
        problems: list[str] = []
        joiner = _row_joiner(actor, row, problems)
        errors = joiner_errors(actor, joiner)
        name = joiner.username.strip().lower()
        if name and name in seen:
            problems.append(f"the username {name} is also on row {seen[name]}")
        seen.setdefault(name, number)
        email = joiner.email.strip().lower()
        if email and f"@{email}" in seen:
            problems.append(f"the email address {email} is also on row {seen[f'@{email}']}")
        seen.setdefault(f"@{email}", number)
        messages = [m for ms in errors.values() for m in ms] + [
            p[0].upper() + p[1:] for p in problems
        ]
        result.errors += [f"Row {number}: {m}" for m in messages]
        joiners.append(joiner)
    if not joiners and not result.errors:
        result.errors.append("The file has no rows under the header")
    if not result.errors:
        result.joiners = joiners
    return result


def users_import(*, actor: User, text: str, reason: str, link_base: str) -> ImportResult:
    result = users_import_check(actor=actor, text=text)
    if not reason.strip():
        result.errors.insert(0, "Enter a reason for this import")
    if result.errors:
        result.joiners = []
        return result
    result.invited = users_invite_many(
        actor=actor, joiners=result.joiners, reason=reason.strip(), link_base=link_base
    )
    return result
