"""State changes of the dispatch app, one module per concept. Each service owns its transaction.

    claims            who holds an intake for triage (claim, release, hand over)
    triage            the protocol's answers, the recommendation and the dispatcher's decision
    incidents         opening an incident, its status timeline, outcome, close and cancel
    acknowledgements  a responder's YES/NO by link or SMS reply (hotline's sms_received)
    escalation        an incident whose team is not full in time asks more people
    outbox            Notification rows and their sending, retries and sweep
    protocol          a coordinator saves the screening protocol as its next version
    field_contacts    a responder on shift opens an incident on the spot
    follow_ups        calling or texting a person back after their contact: schedule, claim, result
    referrals         the partner confirms a referral (signed link): accepted, connected, declined
    alarms            raise, acknowledge and resolve alarms; the on-call coordinator's text and call
    safety            a team on scene checks in ("We're OK") and asks for backup
    staffing          hand-pick, text again, widen or change the decision when nobody comes

Texts are never sent from a service: services write `Notification` rows (the outbox) in their
transaction and hand the row ids to Celery once it has committed (`outbox._send_after_commit`).

Other apps and tests import from here (`from dispatch.services import triage_claim`). To replace
a name in a test, patch it in the module that looks it up, e.g.
`dispatch.services.outbox.notifications_enqueue`, not on this package.
"""

from ._common import DispatchError, ReferralChoice
from .acknowledgements import Answer, parse_acknowledgement, responder_answer, sms_acknowledgement, sms_safety
from .alarms import (
    alarm_acknowledge,
    alarm_call_on_call,
    alarm_raise,
    alarm_resolve,
    alarms_resolve_for,
    alarms_sweep,
)
from .claims import ClaimTaken, intake_view_record, triage_claim, triage_hand_over, triage_release
from .escalation import incident_escalate, incidents_escalate_due
from .field_contacts import incident_open_field
from .follow_ups import (
    FollowUpTaken,
    caller_declined_follow_up,
    follow_up_call,
    follow_up_claim,
    follow_up_decline,
    follow_up_record_result,
    follow_up_release,
    follow_up_text,
)
from .incidents import (
    FIELD_STATUSES,
    CallOut,
    OutcomeInput,
    incident_add_note,
    incident_cancel,
    incident_close,
    incident_notify_more,
    incident_record_outcome,
    incident_record_status,
)
from .outbox import (
    Delivery,
    Sweep,
    notification_deliver,
    notification_reconcile,
    notification_resend,
    notifications_deliver,
    notifications_enqueue,
    outbox_sweep,
    retry_delay,
)
from .protocol import QuestionInput, RuleInput, protocol_problems, protocol_version_create
from .referrals import (
    REFERRAL_MOVES,
    referral_api_link,
    referral_api_unlink,
    referral_confirm,
    referral_confirm_url,
    referral_from_token,
    referral_remind,
    referral_reminders_due,
    referral_token,
)
from .safety import (
    CHECKIN_STATUSES,
    forget_shared_locations,
    incident_check_in,
    incident_request_backup,
    responder_share_location,
    responder_stop_sharing,
)
from .staffing import incident_change_decision, incident_hand_pick, incident_renotify, incident_widen
from .triage import DecisionRejected, derived_fields, triage_decide, triage_save_answers

__all__ = [
    "forget_shared_locations",
    "responder_share_location",
    "responder_stop_sharing",
    "CHECKIN_STATUSES",
    "FIELD_STATUSES",
    "Answer",
    "CallOut",
    "ClaimTaken",
    "DecisionRejected",
    "Delivery",
    "DispatchError",
    "FollowUpTaken",
    "OutcomeInput",
    "QuestionInput",
    "REFERRAL_MOVES",
    "ReferralChoice",
    "RuleInput",
    "Sweep",
    "alarm_acknowledge",
    "alarm_call_on_call",
    "alarm_raise",
    "alarm_resolve",
    "alarms_resolve_for",
    "alarms_sweep",
    "caller_declined_follow_up",
    "derived_fields",
    "follow_up_call",
    "follow_up_claim",
    "follow_up_decline",
    "follow_up_record_result",
    "follow_up_release",
    "follow_up_text",
    "incident_add_note",
    "incident_cancel",
    "incident_change_decision",
    "incident_check_in",
    "incident_close",
    "incident_escalate",
    "incident_hand_pick",
    "incident_notify_more",
    "incident_open_field",
    "incident_record_outcome",
    "incident_record_status",
    "incident_renotify",
    "incident_request_backup",
    "incident_widen",
    "incidents_escalate_due",
    "intake_view_record",
    "notification_deliver",
    "notification_reconcile",
    "notification_resend",
    "notifications_deliver",
    "notifications_enqueue",
    "outbox_sweep",
    "parse_acknowledgement",
    "protocol_problems",
    "protocol_version_create",
    "referral_api_link",
    "referral_api_unlink",
    "referral_confirm",
    "referral_confirm_url",
    "referral_remind",
    "referral_reminders_due",
    "referral_from_token",
    "referral_token",
    "responder_answer",
    "retry_delay",
    "sms_acknowledgement",
    "sms_safety",
    "triage_claim",
    "triage_decide",
    "triage_hand_over",
    "triage_release",
    "triage_save_answers",
]
