"""Models of the hotline app: calls, intakes, text messages, opt-outs and hours of operation.

Twilio retries webhooks and repeats callbacks, so every record Twilio names (CallSid,
MessageSid, RecordingSid) is unique in the database and the services get-or-create it.

One module per concept:

    calls             `Call`, one phone call through the hotline number
    intakes           `Intake`, a contact a dispatcher must look at, and `Person`, who links several
    sms               text messages in and out (`Message`) and opt-outs (`SmsOptOut`)
    hours             hours of operation
    handoffs          partner lines, hand-off partners with their API keys, and hand-offs
    partner_webhooks  the outbox of status webhooks to hand-off partners, and each delivery try
    call_control      conferences, transfers and the timeline of a call (warm transfer, hold)
    evidence          the optional diversion questions of a contact
    demographics      optional demographics of the person served, with their choices

Other modules and apps import from here (`from hotline.models import Intake`,
`from hotline import models`); Django finds the models because this package imports every module.
"""

from .call_control import CallConference, CallEvent, CallTransfer
from .calls import CALL_PARTY_MAX_LENGTH, Call, language_label
from .demographics import (
    PREFER_NOT,
    AgeBand,
    Demographics,
    Gender,
    Housing,
    PreferredLanguage,
    RaceEthnicity,
)
from .evidence import AlternativeService, ContactEvidence, HeardFrom
from .handoffs import (
    PARTNER_SOURCE_CHOICES,
    PARTNER_SOURCES,
    Handoff,
    HandoffApiKey,
    HandoffPartner,
    PartnerLine,
)
from .hours import OperatingHours
from .intakes import Intake, Person
from .partner_webhooks import HandoffWebhookAttempt, HandoffWebhookEvent
from .sms import Message, SmsOptOut

__all__ = [
    "CALL_PARTY_MAX_LENGTH",
    "PARTNER_SOURCES",
    "PARTNER_SOURCE_CHOICES",
    "PREFER_NOT",
    "AgeBand",
    "AlternativeService",
    "Call",
    "CallConference",
    "CallEvent",
    "CallTransfer",
    "ContactEvidence",
    "Demographics",
    "Gender",
    "Handoff",
    "HandoffApiKey",
    "HandoffPartner",
    "HandoffWebhookAttempt",
    "HandoffWebhookEvent",
    "HeardFrom",
    "Housing",
    "Intake",
    "Message",
    "OperatingHours",
    "PartnerLine",
    "Person",
    "PreferredLanguage",
    "RaceEthnicity",
    "SmsOptOut",
    "language_label",
]
