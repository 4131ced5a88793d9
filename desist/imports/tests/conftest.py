from __future__ import annotations

from typing import Any

import pytest

from desist.core.roles import RoleCode


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.POLICE_SUPERVISOR]
