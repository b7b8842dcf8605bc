"""Views of the dispatch app: HTTP in, one service call, HTML out. One module per part of the app:

    console_queue    the dispatcher console and its live queue
    intakes          an intake's page, its claim, the triage protocol and the decision
    incidents        an incident's page, timeline, outcome, close/cancel, more responders
    history          the search of past intakes and incidents
    responders       the responder's link page (check-in, backup), "my incidents", field contacts
    follow_ups       the follow-up list and one follow-up: take it, call or text, record the result
    referrals        the partner's signed-link page to confirm a referral; the referral API's keys
    alarms           acknowledge and resolve an alarm; the on-call coordinator's alarm call
    cases            a repeat caller's case view, "link to person", the optional questions at close
    protocol_editor  the screening protocol's versions and the coordinators' editor

Pages that show caller data are `never_cache` (Cache-Control: no-store); every view and change
of an intake or incident goes to the audit trail (the live partials the open pages poll do not:
the page that polls them was recorded). Responders reach their page by a signed, expiring link.
dispatch/urls.py routes to the names re-exported here.
"""

from .alarms import alarm_acknowledge, alarm_resolve, alarm_voice
from .cases import case, intake_evidence, intake_link_person
from .console_queue import console, queue
from .follow_ups import (
    follow_up,
    follow_up_call,
    follow_up_claim,
    follow_up_release,
    follow_up_result,
    follow_up_text,
    follow_ups,
)
from .history import history
from .incidents import (
    incident,
    incident_cancel,
    incident_change_decision,
    incident_close,
    incident_hand_pick,
    incident_live,
    incident_note,
    incident_notify_more,
    incident_outcome,
    incident_renotify,
    incident_status,
    incident_widen,
    notification_resend,
)
from .intakes import (
    intake,
    intake_candidates,
    intake_claim,
    intake_decide,
    intake_hand_over,
    intake_recommendation,
    intake_release,
    partners,
)
from .protocol_editor import protocol, protocol_edit, protocol_version
from .referrals import referral_api, referral_api_link, referral_api_unlink, referral_confirm
from .responders import field_contact, my_incidents, responder, responder_action, responder_location

__all__ = [
    "case",
    "intake_evidence",
    "intake_link_person",
    "alarm_acknowledge",
    "alarm_resolve",
    "alarm_voice",
    "incident_change_decision",
    "incident_hand_pick",
    "incident_renotify",
    "incident_widen",
    "console",
    "field_contact",
    "follow_up",
    "follow_up_call",
    "follow_up_claim",
    "follow_up_release",
    "follow_up_result",
    "follow_up_text",
    "follow_ups",
    "history",
    "incident",
    "incident_cancel",
    "incident_close",
    "incident_live",
    "incident_note",
    "incident_notify_more",
    "incident_outcome",
    "incident_status",
    "intake",
    "intake_candidates",
    "intake_claim",
    "intake_decide",
    "intake_hand_over",
    "intake_recommendation",
    "intake_release",
    "my_incidents",
    "notification_resend",
    "partners",
    "protocol",
    "protocol_edit",
    "protocol_version",
    "queue",
    "referral_api",
    "referral_api_link",
    "referral_api_unlink",
    "referral_confirm",
    "responder",
    "responder_action",
    "responder_location",
]
