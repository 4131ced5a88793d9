"""Correct the agreement named on existing disclosures (issue 11).

Until now the agreement was the first partnership, by name, holding both organisations, so a
provider or advocacy service in two partnerships logged disclosures about one force's subjects
under the other force's agreement. Each row is recomputed by the one rule in
sharing.agreements from its subject's force (else the police force on either side). A row for
which no single partnership matches is left as it was and counted in the log message below;
docs/workflows/alerts-and-disclosures.md says how to find such rows.
"""

import logging

from django.db import migrations

from desist.sharing.agreements import choose_agreement, is_determined

log = logging.getLogger("desist.migrations")


def recompute(apps, schema_editor):
    Disclosure = apps.get_model("sharing", "Disclosure")
    Partnership = apps.get_model("core", "Partnership")
    Organisation = apps.get_model("core", "Organisation")
    Subject = apps.get_model("people", "Subject")
    partnerships = [
        (p.name, set(p.organisations.values_list("pk", flat=True)))
        for p in Partnership.objects.all()
    ]
    police = set(Organisation.objects.filter(kind="police_force").values_list("pk", flat=True))
    forces = dict(Subject.objects.values_list("pk", "force_id"))
    corrected = unresolved = 0
    rows = Disclosure.objects.only(
        "pk", "agreement", "subject_id", "from_organisation_id", "to_organisation_id"
    )
    for d in rows.iterator():
        force_id = forces.get(d.subject_id) if d.subject_id else None
        if force_id is None:
            force_id = next(
                (o for o in (d.from_organisation_id, d.to_organisation_id) if o in police), None
            )
        agreement = choose_agreement(
            partnerships,
            from_id=d.from_organisation_id,
            to_id=d.to_organisation_id,
            force_id=force_id,
        )
        if not is_determined(agreement):
            unresolved += 1
        elif agreement[:200] != d.agreement:
            Disclosure.objects.filter(pk=d.pk).update(agreement=agreement[:200])
            corrected += 1
    if corrected or unresolved:
        log.warning(
            "Disclosure agreements: %s corrected, %s left unchanged (no single partnership "
            "matches)",
            corrected,
            unresolved,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0003_email_not_needed"),
        ("core", "0001_initial"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
