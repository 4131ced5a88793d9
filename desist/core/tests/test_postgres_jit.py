"""PostgreSQL's JIT is off for Desist's connections (issue 21).

On the police home, JIT compilation took 749 ms of a 779 ms query (the "latest review"
subquery): the planner's cost estimate crosses jit_above_cost on a large table, and compiling
costs far more than the short OLTP query saves. config/settings.py passes `-c jit=off` as a
connection option on PostgreSQL (docs/performance.md, docs/operations.md).
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="JIT is a PostgreSQL setting"
)


@pytest.mark.django_db
def test_jit_is_off_on_every_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        (jit,) = cursor.fetchone()
    assert jit == "off"
