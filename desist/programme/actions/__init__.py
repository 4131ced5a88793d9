"""Every write in the intervention programme, one module per family of commands (in the shape
of Zulip's `zerver/actions/`). Each command is `<entity>_<verb>(*, actor, ...)` run through the
one write pipeline (`desist.audit.pipeline.command`): permission, then validation and the
redaction guard, then the write, its audit event and the events it publishes in one
transaction.

The package re-exports the commands, so a caller may write `actions.referral_transition(...)`.
"""

from desist.programme.actions.attendance import (
    consecutive_unacceptable_misses,
    session_record_attendance,
    session_record_delivery,
)
from desist.programme.actions.calendar import (
    calendar_token_create,
    calendar_token_revoke,
    token_hash,
)
from desist.programme.actions.disclosures import risk_disclosure_record
from desist.programme.actions.end_reports import end_report_save
from desist.programme.actions.measures import measure_record
from desist.programme.actions.notes import clinical_note_save
from desist.programme.actions.referrals import (
    open_caseload,
    place_free_for_new,
    places_held,
    referral_assess,
    referral_put_forward,
    referral_transition,
    waiting_queue,
)
from desist.programme.actions.series import (
    SeriesRequest,
    session_series_book,
    session_series_preview,
)
from desist.programme.actions.sessions import (
    open_slots,
    plan_slots,
    session_cancel,
    session_closed,
    session_reschedule,
    session_schedule,
)
from desist.programme.actions.settings import (
    check_session_plan,
    programme_save,
    settings_snapshot,
)
from desist.programme.actions.spending import expenditure_record, expenditure_withdraw
from desist.programme.actions.supervision import (
    review_refused,
    session_review,
    supervision_entry_add,
)
from desist.programme.selectors import measure_instruments

__all__ = [
    "review_refused",
    "session_closed",
    "SeriesRequest",
    "calendar_token_create",
    "calendar_token_revoke",
    "check_session_plan",
    "clinical_note_save",
    "consecutive_unacceptable_misses",
    "end_report_save",
    "expenditure_record",
    "expenditure_withdraw",
    "measure_instruments",
    "measure_record",
    "open_caseload",
    "open_slots",
    "plan_slots",
    "place_free_for_new",
    "places_held",
    "programme_save",
    "referral_assess",
    "referral_put_forward",
    "referral_transition",
    "risk_disclosure_record",
    "session_cancel",
    "session_record_attendance",
    "session_record_delivery",
    "session_reschedule",
    "session_review",
    "session_schedule",
    "session_series_book",
    "session_series_preview",
    "settings_snapshot",
    "supervision_entry_add",
    "token_hash",
    "waiting_queue",
]
