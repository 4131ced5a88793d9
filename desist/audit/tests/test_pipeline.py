"""The write pipeline: permission first, then one transaction for validation, write and audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from desist.accounts.roles import RoleCode
from desist.audit.models import AuditEvent, Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.policy import Perm

pytestmark = pytest.mark.django_db


@command(Perm.ACCOUNTS_MANAGE)
def _rename_organisation(*, actor, organisation: Organisation, name: str) -> Organisation:
    organisation.name = name
    organisation.save(update_fields=["name"])
    audit_record(actor=actor, category=Category.ALTERATION, verb="pipeline-test", obj=organisation)
    errors = Errors()
    if not name.strip():
        errors.add("name", "Enter a name")
    errors.raise_if_any()
    return organisation


def test_validation_error_after_the_write_leaves_nothing(make_user):
    admin = make_user(RoleCode.SYSTEM_ADMIN)
    org = admin.organisation
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        _rename_organisation(actor=admin, organisation=org, name="  ")
    assert raised.value.message_dict == {"name": ["Enter a name"]}
    org.refresh_from_db()
    assert org.name.strip()
    assert AuditEvent.objects.count() == before


def test_permission_checked_before_the_body_runs(make_user):
    officer = make_user(RoleCode.POLICE_OFFICER)
    org = officer.organisation
    with pytest.raises(PermissionDenied):
        _rename_organisation(actor=officer, organisation=org, name="  ")


def test_write_and_audit_commit_together(make_user):
    admin = make_user(RoleCode.SYSTEM_ADMIN)
    _rename_organisation(actor=admin, organisation=admin.organisation, name="Renamed")
    assert AuditEvent.objects.filter(verb="pipeline-test").count() == 1


def test_positional_arguments_refused(make_user):
    admin = make_user(RoleCode.SYSTEM_ADMIN)
    with pytest.raises(TypeError):
        _rename_organisation(admin, organisation=admin.organisation, name="x")  # type: ignore[misc]


def _strip_name(*, actor, organisation: Organisation, name: str) -> dict[str, str]:
    # A durable block (as the redaction guard opens) fails inside the command's transaction.
    with transaction.atomic(durable=True):
        pass
    errors = Errors()
    if not name.strip():
        errors.add("name", "Enter a name")
    errors.raise_if_any()
    return {"name": name.strip()}


@command(Perm.ACCOUNTS_MANAGE, check=_strip_name)
def _rename_checked(*, actor, organisation: Organisation, name: str) -> Organisation:
    organisation.name = name
    organisation.save(update_fields=["name"])
    return organisation


@pytest.mark.django_db(transaction=True)
def test_check_runs_before_the_transaction_and_cleans_arguments(make_user):
    admin = make_user(RoleCode.SYSTEM_ADMIN)
    with pytest.raises(ValidationError):
        _rename_checked(actor=admin, organisation=admin.organisation, name=" ")
    org = _rename_checked(actor=admin, organisation=admin.organisation, name="  Renamed ")
    assert org.name == "Renamed"
