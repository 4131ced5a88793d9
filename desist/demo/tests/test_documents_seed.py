"""The seeded term's "attached map" is attached (issue 18): a drawn PNG, police-only."""

from __future__ import annotations

from typing import Any

import filetype
import pytest

from desist.core.roles import RoleCode
from desist.demo.documents_seed import draw_map, seed_order_maps
from desist.documents import store
from desist.documents.models import Document
from desist.orders.models import Term
from desist.orders.tests.helpers import add_term, applied, make_case, make_subject, make_victim

pytestmark = pytest.mark.django_db


def test_each_order_whose_term_mentions_the_map_carries_one(
    users: dict[RoleCode, Any], orgs: dict[str, Any]
) -> None:
    officer = users[RoleCode.POLICE_OFFICER]
    subject = make_subject(orgs["police_force"])
    victim = make_victim(make_case(subject))
    with_map, without = applied(officer, subject), applied(officer, subject)
    add_term(
        officer,
        with_map,
        victim,
        category=Term.Category.EXCLUSION_ZONE,
        wording="Not to enter the exclusion zone shown on the attached map.",
        area="Brighton and Hove",
    )
    add_term(officer, without, victim)

    assert seed_order_maps(force=orgs["police_force"], actor=officer) == 1
    assert seed_order_maps(force=orgs["police_force"], actor=officer) == 0  # not twice
    document = Document.objects.get()
    assert (document.order_id, document.kind, document.content_type) == (
        with_map.pk,
        "map",
        "image/png",
    )
    assert not document.provider_safe
    assert store.get(document.stored_name) == draw_map(with_map.pk)


def test_the_map_is_a_png_with_nothing_to_read() -> None:
    from desist.documents.content import readable_text

    data = draw_map(7)
    assert filetype.guess_mime(data) == "image/png"
    assert readable_text(data, "image/png") == ""
    assert draw_map(7) == data and draw_map(8) != data
