"""State changes of the hotline app, one module per concept. Each service owns its transaction.

- `calls`: a phone call through the IVR (arrival, language, ringing, voicemail, status) and
  the dispatchers' missed-call texts and call-backs;
- `intakes`: opening and closing the contacts dispatchers triage;
- `sms`: inbound texts, delivery statuses, texts to an intake's person;
- `handoffs`: partners (911, 311...) handing a person over through the API;
- `call_control`: warm transfer, hold, leaving the call, listening in (Twilio Conference);
- `recovery`: what the database missed while it was away (the spool's replay, and the
  reconciliation with Twilio's records).

Other modules import from here (`from hotline.services import sms_receive`, or
`services.call_accept`), not from the submodules, so that a concept can move between files.
"""

from hotline.services._common import HOTLINE_LANGUAGES, in_language, normalise_caller
from hotline.services.call_control import (
    CallControlError,
    TransferTarget,
    call_hold,
    call_is_live,
    call_leave,
    call_listen,
    call_transfer_start,
    caller_twiml,
    conference_record_status,
    open_conference,
    return_claim,
    transfer_directory_register,
    transfer_record_outcome,
    transfer_targets,
)
from hotline.services.calls import (
    MISSED_CALL_TEXT,
    call_accept,
    call_get_or_create,
    call_mark_fallback_answered,
    call_mark_screened,
    call_offer_voicemail,
    call_record_arrival,
    call_store_voicemail,
    call_update_status,
    callback_start,
    enqueue_missed_call_notification,
    intake_open_for_call,
    missed_call_notify,
    missed_calls_unnotified,
    twilio_recording_url,
)
from hotline.services.handoffs import (
    API_KEY_PREFIX,
    HANDOFF_SUMMARY,
    handoff_key_authenticate,
    handoff_key_issue,
    handoff_key_revoke,
    handoff_partner_create,
    handoff_receive,
    handoff_record_progress,
)
from hotline.services.intakes import intake_open, intake_set_status, intakes_close
from hotline.services.recovery import Reconciled, SpoolReplay, calls_reconcile, spool_replay
from hotline.services.sms import (
    AUTO_REPLY,
    DEGRADED_REPLY,
    HELP_REPLY,
    HELP_WORDS,
    KEYWORD_LANGUAGE,
    START_REPLY,
    START_WORDS,
    STOP_WORDS,
    SmsReceipt,
    detect_language,
    intake_reply,
    message_update_status,
    sms_degraded_reply,
    sms_keyword,
    sms_opt_in,
    sms_opt_out,
    sms_receive,
)

__all__ = [
    "CallControlError",
    "TransferTarget",
    "call_hold",
    "call_is_live",
    "call_leave",
    "call_listen",
    "call_transfer_start",
    "caller_twiml",
    "conference_record_status",
    "open_conference",
    "return_claim",
    "transfer_directory_register",
    "transfer_record_outcome",
    "transfer_targets",
    "API_KEY_PREFIX",
    "AUTO_REPLY",
    "DEGRADED_REPLY",
    "HANDOFF_SUMMARY",
    "HELP_REPLY",
    "HELP_WORDS",
    "HOTLINE_LANGUAGES",
    "KEYWORD_LANGUAGE",
    "MISSED_CALL_TEXT",
    "Reconciled",
    "START_REPLY",
    "START_WORDS",
    "STOP_WORDS",
    "SmsReceipt",
    "SpoolReplay",
    "call_accept",
    "call_get_or_create",
    "call_mark_fallback_answered",
    "call_mark_screened",
    "call_offer_voicemail",
    "call_record_arrival",
    "call_store_voicemail",
    "call_update_status",
    "callback_start",
    "calls_reconcile",
    "detect_language",
    "enqueue_missed_call_notification",
    "handoff_key_authenticate",
    "handoff_key_issue",
    "handoff_key_revoke",
    "handoff_partner_create",
    "handoff_receive",
    "handoff_record_progress",
    "in_language",
    "intake_open",
    "intake_open_for_call",
    "intake_reply",
    "intake_set_status",
    "intakes_close",
    "message_update_status",
    "missed_call_notify",
    "missed_calls_unnotified",
    "normalise_caller",
    "sms_degraded_reply",
    "sms_keyword",
    "sms_opt_in",
    "sms_opt_out",
    "sms_receive",
    "spool_replay",
    "twilio_recording_url",
]
