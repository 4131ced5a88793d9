"""Documents in subject access bundles (issue 18): metadata only (description, kind, file
type, date, marking), each organisation's own, and never a victim's advocacy file in the
subject's bundle."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from desist.core.marking import MARKING
from desist.core.roles import RoleCode
from desist.documents import services, store
from desist.documents.tests.conftest import MARKER, World
from desist.documents.tests.test_documents import attach
from desist.sar import services as sar


def _bundle(actor: Any, kind: str, person: Any) -> dict[str, Any]:
    made = sar.access_request_log(
        actor=actor,
        person_kind=kind,
        person_id=person.pk,
        requester="person",
        received_on=timezone.localdate(),
    )
    sar.access_request_run(actor=actor, request=made)
    made.refresh_from_db()
    return sar.bundle_of(made)


def _documents(bundle: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        r["id"]: {f["label"]: f["value"] for f in r["fields"]}
        for s in bundle["sections"]
        for r in s["records"]
        if r["record"] == "documents.Document"
    }


def test_documents_are_in_bundles_as_metadata(world: World, users: dict[RoleCode, Any]) -> None:
    on_order = attach(world, world.order)
    on_case = attach(world, world.case)
    services.document_mark_provider_safe(actor=world.officer, document=on_order, confirmed=True)
    on_advocacy = attach(world, world.advocacy_case, actor=world.advocate)

    police = _bundle(world.supervisor, "subject", world.subject)
    found = _documents(police)
    assert set(found) == {on_order.pk, on_case.pk}  # never the advocacy service's
    assert found[on_order.pk] == {
        "Description": "Sealed order",
        "Kind of document": "Court order",
        "File type": "PDF",
        "Attached on": found[on_order.pk]["Attached on"],
        "Protective marking": MARKING,
    }
    assert str(timezone.localdate().year) in found[on_order.pk]["Attached on"]
    text = json.dumps(police)
    assert MARKER.decode() not in text and on_order.stored_name not in text  # never the file

    # The provider: only what police let it read, without the police's description.
    provider = _documents(_bundle(users[RoleCode.CLINICAL_SUPERVISOR], "subject", world.subject))
    assert set(provider) == {on_order.pk} and "Description" not in provider[on_order.pk]

    # The victim's request to her advocacy service: the documents on her advocacy case.
    advocacy = _documents(_bundle(users[RoleCode.ADVOCACY_MANAGER], "victim", world.victim))
    assert set(advocacy) == {on_advocacy.pk}
    # To the police: the documents on the case she is a victim in.
    police_victim = _documents(_bundle(world.supervisor, "victim", world.victim))
    assert on_case.pk in police_victim and on_advocacy.pk not in police_victim
    assert store.backend().exists(on_order.stored_name)
