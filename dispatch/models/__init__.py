"""Models of the dispatch app: call types, the versioned screening protocol, triage of intakes,
incidents with their timeline and outcome, responders on incidents, and the notification outbox.

Intakes belong to the hotline app; everything dispatch knows about one lives in `Triage`,
one row per intake, whose conditional update is the claim two dispatchers race for.

One module per concept:

    protocol       call types, protocol versions with their questions and rules, `Decision`
    triage         `Triage`, one per intake: claim, answers, recommendation, decision, hand-off
    incidents      `Incident`, its responders (`IncidentResponder`) and timeline (`IncidentEvent`)
    referrals      referrals to partner services, and the partners that confirm them by API
    follow_ups     calls or texts back to a person after their contact
    alarms         alarms on incidents, and the on-call coordinator's periods
    notifications  the outbox of texts to send
    debriefs       debriefs after an incident and wellbeing check-ins

Other modules and apps import from here (`from dispatch.models import Incident`); Django finds
the models because this package imports every module.
"""

from .alarms import Alarm, OnCallPeriod
from .debriefs import Debrief, WellbeingCheckIn
from .follow_ups import FollowUp
from .incidents import Incident, IncidentEvent, IncidentResponder
from .notifications import Notification
from .protocol import (
    PROTOCOL_LANGUAGES,
    CallType,
    Decision,
    ProtocolQuestion,
    ProtocolRule,
    ProtocolVersion,
    Translated,
    parse_follow_up_hours,
    pick_language,
    validate_follow_up_hours,
)
from .referrals import Referral, ReferralApiPartner
from .triage import HandoffService, Triage

__all__ = [
    "PROTOCOL_LANGUAGES",
    "Alarm",
    "CallType",
    "Debrief",
    "Decision",
    "FollowUp",
    "HandoffService",
    "Incident",
    "IncidentEvent",
    "IncidentResponder",
    "Notification",
    "OnCallPeriod",
    "ProtocolQuestion",
    "ProtocolRule",
    "ProtocolVersion",
    "Referral",
    "ReferralApiPartner",
    "Translated",
    "Triage",
    "WellbeingCheckIn",
    "parse_follow_up_hours",
    "pick_language",
    "validate_follow_up_hours",
]
