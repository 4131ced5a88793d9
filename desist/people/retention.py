"""How a subject is anonymised once every registered record naming them is disposed of
(ADR 0028). The row stays, with its id, sex and force: the evaluation's pseudonym is made from
the id, so the person's coded outcome rows still count."""

from __future__ import annotations

from django.db.models import F

from desist.people.models import Subject
from desist.retention.registry import PersonKind, register_person

ANONYMISED = "Anonymised"


def anonymise_subject(subject: Subject) -> None:
    Subject.objects.filter(pk=subject.pk).update(
        first_names=ANONYMISED,
        last_name="",
        name_search="",
        pnc_number="",
        force_reference="",
        date_of_birth=None,
        version=F("version") + 1,
    )
    subject.aliases.all().delete()
    subject.addresses.all().delete()
    subject.intervention_decisions.update(reason="")


register_person(PersonKind(model="people.Subject", anonymise=anonymise_subject))
