"""Risk disclosures: a concern raised in a session, published for sharing to route to the
police and victim services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.programme.actions.common import MAX_TEXT, clean, referral_of_session
from desist.programme.models import DisclosureUrgency, ProgrammeSession, RiskDisclosure
from desist.sharing import events
from desist.sharing.redaction import victim_identifier_kinds

if TYPE_CHECKING:
    from desist.accounts.models import User


@command(Perm.SESSION_MANAGE, on=referral_of_session)
def risk_disclosure_record(
    *, actor: User, session: ProgrammeSession, disclosed: str, urgency: str
) -> RiskDisclosure:
    """A concern raised in a session. Creates the disclosure record and publishes it for the
    sharing app to route to the police and advocates."""
    referral = session.referral
    errors = Errors()
    disclosed = clean(disclosed)
    if not disclosed:
        errors.add("disclosed", "Enter what was disclosed")
    elif len(disclosed) > MAX_TEXT:
        errors.add("disclosed", f"The disclosure must be {MAX_TEXT:,} characters or fewer")
    if urgency not in DisclosureUrgency.values:
        errors.add("urgency", "Select how urgent this is")
    errors.raise_if_any()
    # Risk information is never refused (police and advocates may know the victim's details);
    # wording that names the victim is withheld on provider pages when shown (sharing.shown).
    kinds = victim_identifier_kinds(disclosed, subject=referral.subject)
    record = RiskDisclosure.objects.create(
        referral=referral,
        session=session,
        disclosed=disclosed,
        urgency=urgency,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="programme.risk_disclosure",
        obj=record,
        new={"referral": referral.pk, "session": session.pk, "urgency": urgency},
    )
    if kinds:
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="redaction.withheld_from_provider",
            obj=record,
            new={"where": "programme.risk_disclosure_record", "kinds": kinds},
        )
    events.publish(
        kind=events.EventKind.RISK_DISCLOSURE,
        actor=actor,
        subject=referral.subject,
        source=record,
        summary=f"Referral {referral.reference}, session {session.number}: {disclosed}",
        urgency=events.Urgency(urgency),
    )
    return record
