"""Documents in the retention schedule (issue 18): each follows the class of the record it is
attached to, and goes with it (the stored file and its row), audited in Erasure."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from desist.audit.models import AuditEvent, Category
from desist.core.roles import RoleCode
from desist.documents import content, services, store
from desist.documents.models import Document
from desist.documents.retention import ATTACHED_BY
from desist.documents.tests.conftest import pdf_bytes, upload
from desist.retention import registry
from desist.retention import services as retention
from desist.retention.models import ReviewStatus
from desist.retention.tests.test_retention import TODAY, _age, _case, _review


def test_every_class_of_a_record_with_documents_has_a_document_class() -> None:
    classes = {c.key: c for c in registry.schedule()}
    parents = [c for c in classes.values() if c.model in ATTACHED_BY and c.records is not None]
    assert {p.model for p in parents} == set(ATTACHED_BY)
    for parent in parents:
        documents = classes[f"documents.{parent.key}"]
        assert (documents.years, documents.follows) == (parent.years, parent.key)
        assert documents.disposable == parent.disposable, parent.key
        if parent.disposable:
            assert documents.action == registry.Action.DELETE


def _attached(actor: Any, record: Any) -> Document:
    inspected, message = content.inspect(upload("statement.pdf", pdf_bytes()))
    assert inspected is not None, message
    return services.document_upload(
        actor=actor, record=record, kind="statement", title="Statement", file=inspected
    )


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.POLICE_SUPERVISOR]


@pytest.mark.django_db
def test_a_document_goes_with_its_record(supervisor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    document = _attached(supervisor, case)
    name = document.stored_name
    _age(monkeypatch, 5.9)
    assert retention.retention_list_due().get("documents.cases.group-3") == 0
    _age(monkeypatch, 6.01)
    listed = retention.retention_list_due()
    assert listed["cases.group-3"] == listed["documents.cases.group-3"] == 1
    document_review = _review(document)
    retention.retention_dispose(actor=supervisor, review=_review(case))
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not store.backend().exists(name)  # the encrypted file too
    document_review.refresh_from_db()
    assert document_review.status == ReviewStatus.DISPOSED
    erased = AuditEvent.objects.get(
        category=Category.ERASURE,
        verb="retention.dispose",
        object_type="documents.Document",
        object_id=str(document.pk),
    )
    assert erased.new_values["with"] == f"cases.Case {case.pk}"


@pytest.mark.django_db
def test_a_held_document_stops_its_records_disposal(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    document = _attached(supervisor, case)
    _age(monkeypatch, 7)
    retention.retention_list_due()
    retention.retention_hold_place(
        actor=supervisor, review=_review(document), reason="Disclosure in a civil claim"
    )
    with pytest.raises(ValidationError, match="legal hold"):
        retention.retention_dispose(actor=supervisor, review=_review(case))
    case.refresh_from_db()
    assert case.summary and store.backend().exists(document.stored_name)
