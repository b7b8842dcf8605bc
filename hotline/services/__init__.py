"""State changes of the hotline app, one module per concept. Each service owns its transaction.

- `calls`: a phone call through the IVR (arrival, language, ringing, voicemail, status) and
  the dispatchers' missed-call texts and call-backs;
- `intakes`: opening and closing the contacts dispatchers triage;
- `sms`: inbound texts, delivery statuses, texts to an intake's person;
- `handoffs`: partners (911, 311...) handing a person over through the API;
- `evidence`: the optional diversion questions (phone menu, texts, dispatcher) and the
  person's optional, consented demographics;
- `persons`: linking contacts to one person for the case view;
- `recovery`: what the database missed while it was away (the spool's replay, and the
  reconciliation with Twilio's records).

Other modules import from here (`from hotline.services import sms_receive`, or
`services.call_accept`), not from the submodules, so that a concept can move between files.
"""

from hotline.services._common import HOTLINE_LANGUAGES, in_language, normalise_caller
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
from hotline.services.evidence import (
    ALTERNATIVE_DIGITS,
    HEARD_FROM_DIGITS,
    SMS_ALTERNATIVE_QUESTION,
    SMS_HEARD_FROM_QUESTION,
    SMS_THANKS,
    EvidenceError,
    demographics_record,
    evidence_asked_on_phone,
    evidence_record,
    evidence_record_digit,
    evidence_sms_answer,
    evidence_sms_ask,
    evidence_sms_pending,
    evidence_sms_schedule,
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
from hotline.services.persons import LinkError, person_link, person_unlink
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
    "ALTERNATIVE_DIGITS",
    "HEARD_FROM_DIGITS",
    "SMS_ALTERNATIVE_QUESTION",
    "SMS_HEARD_FROM_QUESTION",
    "SMS_THANKS",
    "EvidenceError",
    "LinkError",
    "demographics_record",
    "evidence_asked_on_phone",
    "evidence_record",
    "evidence_record_digit",
    "evidence_sms_answer",
    "evidence_sms_ask",
    "evidence_sms_pending",
    "evidence_sms_schedule",
    "person_link",
    "person_unlink",
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
