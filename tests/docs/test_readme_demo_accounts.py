"""README's demo account table names every account the demo seeder creates, with its role
(a tester found the organisation administrator missing)."""

from __future__ import annotations

import re
from pathlib import Path

from desist.demo.seed import ACCOUNTS

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \|", re.MULTILINE)


def test_every_seeded_account_is_in_the_readme_with_its_role() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Demo accounts") :]
    section = section[: section.index("\n## ", 1)]
    documented = {name: role.strip() for name, role in ROW.findall(section)}
    for account in ACCOUNTS:
        assert account.username in documented, account.username
        for role in account.roles:
            assert documented[account.username].startswith(role.label), account.username
    assert set(documented) == {a.username for a in ACCOUNTS}
