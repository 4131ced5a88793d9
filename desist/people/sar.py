"""What the police force holds about a subject, for a subject access request (ADR 0031), and
the subject's identifiers a victim's request must not show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desist.core.models import Organisation
from desist.people.models import Subject, SubjectAddress
from desist.sar import text
from desist.sar.registry import (
    Collector,
    PersonKind,
    Record,
    record,
    register,
    register_person,
    register_redactor,
)


def _find(person_id: int) -> Subject | None:
    return Subject.objects.filter(pk=person_id).first()


def subject_records(subject: Subject, organisation: Organisation) -> Iterable[Record]:
    if subject.force_id != organisation.pk:
        return []
    found = [
        record(
            subject,
            "Your details",
            ["first_names", "last_name", "date_of_birth", "sex", "pnc_number", "cro_number"]
            + ["pnd_reference", "force_reference"],
            reference=f"S{subject.pk:06d}",
        )
    ]
    ref = f"S{subject.pk:06d}"
    found += [
        record(a, "Other name", ["name"], reference=f"Other name {n} of {ref}")
        for n, a in enumerate(subject.aliases.order_by("pk"), start=1)
    ]
    found += [
        record(
            a,
            "Address",
            ["address", "postcode", "from_date", "to_date", "source"],
            reference=f"Address {n} of {ref}",
        )
        for n, a in enumerate(subject.addresses.all(), start=1)
    ]
    found += [
        record(d, "Decision on the intervention", ["decision", "reason", "decided_on"])
        for d in subject.intervention_decisions.all()
    ]
    return found


def subject_identifiers_redactor(victim: Any) -> text.Redactor:
    """For a victim's request: the address, postcode, date of birth, police numbers and other
    names of every subject of the victim's cases. The name stays: the victim knows who the
    order or case is about (ADR 0031)."""
    subjects = Subject.objects.filter(cases__victims=victim).distinct()
    values: list[str] = []
    pncs: list[str] = []
    dates = []
    for s in subjects:
        values += [s.pnc_number, s.cro_number, s.pnd_reference, s.force_reference]
        pncs.append(s.pnc_number)  # also as written: "2019/0508571H" for "19/508571H"
        if s.date_of_birth:
            dates.append(s.date_of_birth)  # "10/10/1964", "10 October 1964", "1964-10-10"
        values += list(s.aliases.values_list("name", flat=True))
    for a in SubjectAddress.objects.filter(subject__in=subjects):
        values += [a.address, a.address.split(",")[0], a.postcode]
    return text.redactor(values, pncs=pncs, dates=dates)


register_person(PersonKind(kind="subject", find=_find))
register(
    Collector(
        key="people.subject",
        title="Your details as the police hold them",
        kind="subject",
        registered_by="people",
        collect=subject_records,
        rank=0,
    )
)
register_redactor("victim", subject_identifiers_redactor)
