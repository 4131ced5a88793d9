"""What people answers to the sharing bridge (ADR 0018), registered in PeopleConfig.ready():
the subject a break-glass reference names. Sharing never imports people."""

from __future__ import annotations

from django.db.models import QuerySet

from desist.people.models import Subject, pnc_normalise
from desist.sharing import port


def subjects_by_reference(reference: str) -> QuerySet[Subject]:
    """A subject by PNC number (any spelling) or by the force's own reference."""
    return Subject.objects.filter(pnc_number=pnc_normalise(reference)) | Subject.objects.filter(
        force_reference__iexact=reference
    )


port.register_record_finder(port.BreakGlassRecord.SUBJECT, subjects_by_reference)
