"""Existing suitability decisions become assessments (issue 20), keeping their history.

Each status change an assessment made before (from allocated or not ready, to suitable, the
waiting list, not ready or not suitable) becomes one assessment of criteria version 0: no
answers, since none were asked. Its reason is kept where it fits the outcome. A reason that
does not fit (a suitable person stored with a not-ready reason) is not carried as the
assessment's reason: its words are kept in the reason text, and the referral's codes are
cleared. A person not ready yet is given a review date three months after the assessment;
where that has passed they are due a reassessment at once. The status changes themselves are
not altered. The code lists are copied here so later edits to the app cannot change this.
"""

import datetime as dt

from django.db import migrations

ASSESSED_FROM = ("allocated", "not_ready")
ASSESSED_TO = ("suitable", "waiting", "not_ready", "not_suitable")
REASONS = {
    "suitable": {},
    "not_ready": {
        "crisis": "In crisis now (housing, health or similar)",
        "proceedings_pending": "Criminal proceedings not yet concluded",
        "motivation": "Not yet motivated to take part",
        "other": "Another reason",
    },
    "not_suitable": {
        "denies_all_behaviour": "Denies all of the behaviour and will not discuss it",
        "severe_mental_illness": "Needs treatment for a severe mental illness first",
        "substance_misuse": "Substance misuse would prevent taking part",
        "cognitive_needs": "Learning or cognitive needs the programme cannot meet",
        "other": "Another reason",
    },
}
LABELS = {code: label for options in REASONS.values() for code, label in options.items()}
REVIEW_AFTER = dt.timedelta(days=91)
NOTE = "Recorded before the structured assessment. The reason given then: {}"


def _reason(outcome: str, code: str, text: str) -> tuple[str, str]:
    """The reason code that fits the outcome, and the text, with any misfit kept in words."""
    if code in REASONS[outcome] or (outcome == "suitable" and not code):
        return code, text
    kept = NOTE.format(LABELS.get(code, code) or "none")
    words = f"{kept}. {text}" if text else kept
    return ("" if outcome == "suitable" else "other"), words


def forwards(apps, schema_editor):
    Change = apps.get_model("programme", "ReferralStatusChange")
    Assessment = apps.get_model("programme", "SuitabilityAssessment")
    Referral = apps.get_model("programme", "Referral")
    numbers: dict[int, int] = {}
    latest: dict[int, object] = {}
    changes = Change.objects.filter(
        from_status__in=ASSESSED_FROM, to_status__in=ASSESSED_TO
    ).order_by("referral_id", "changed_at", "id")
    for change in changes.iterator():
        outcome = "suitable" if change.to_status in ("suitable", "waiting") else change.to_status
        code, text = _reason(outcome, change.reason_code, change.reason)
        numbers[change.referral_id] = numbers.get(change.referral_id, 0) + 1
        latest[change.referral_id] = Assessment.objects.create(
            referral_id=change.referral_id,
            number=numbers[change.referral_id],
            criteria_version=0,
            answers={},
            outcome=outcome,
            reason_code=code,
            reason=text,
            assessed_on=change.effective_on,
            review_on=change.effective_on + REVIEW_AFTER if outcome == "not_ready" else None,
            status_change_id=change.pk,
            assessor_id=change.changed_by_id,
            created_at=change.changed_at,
        )
    for referral in Referral.objects.filter(pk__in=list(latest)).iterator():
        last = latest[referral.pk]
        fields = {"suitability_codes": [last.reason_code] if last.reason_code else []}
        if referral.status == "not_ready":
            fields["review_on"] = last.review_on
        Referral.objects.filter(pk=referral.pk).update(**fields)
    # A referral left not ready without an assessment row still gets a review date.
    for referral in Referral.objects.filter(status="not_ready", review_on__isnull=True):
        start = referral.assessed_on or referral.put_forward_on
        Referral.objects.filter(pk=referral.pk).update(review_on=start + REVIEW_AFTER)


def backwards(apps, schema_editor):
    apps.get_model("programme", "SuitabilityAssessment").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("programme", "0006_suitability_assessment")]

    operations = [migrations.RunPython(forwards, backwards)]
