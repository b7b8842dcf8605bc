"""Data retention: past RETENTION_DAYS, caller contact details and free text are removed.

What goes: phone numbers (callers', and the volunteer's number a call was answered at),
message bodies and media links, voicemail recordings (URL and SID), locations, summaries and
hand-off notes. What stays: timestamps, channel, source, direction, status, outcome, language,
area, durations and error codes, so the pilot dashboard's counts still add up. In dispatch:
triage locations, notes and free-text answers (yes/no and choice answers, call type and area
stay), incident locations, details and notes, event and referral notes, and the texts sent
(number and body). (The
repeat-caller figure needs numbers, so it only covers the retention period.)

Each step works in batches, one transaction per batch, and selects only rows that still hold
something to remove: running it again does nothing, and an interrupted run resumes.
Intakes still open are left alone (someone is working on them; an open text conversation is
keyed by the caller's number). Opt-outs (SmsOptOut) are kept: honouring "STOP" needs the number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import Action, audit_record
from dispatch.models import Incident, IncidentEvent, Notification, ProtocolQuestion, Referral, Triage
from hotline.models import Call, Handoff, Intake, Message

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
AUDIT_ACTOR = "system: redact_contacts"


def _audit_redaction(model, pks, *, label: str, fields) -> None:
    """Each batch is a bulk update of caller records: one audit entry naming them all."""
    audit_record(
        action=Action.CHANGED,
        subject=model,
        ids=pks,
        what=f"redacted {label}",
        actor_label=AUDIT_ACTOR,
        fields=fields,
    )


# Texts still to be sent keep their number and body.
PENDING_NOTIFICATIONS = (Notification.Status.PENDING, Notification.Status.SENDING)


@dataclass
class RedactionReport:
    cutoff: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Step:
    label: str
    queryset: QuerySet
    blank: dict


def _steps(cutoff: datetime) -> list[Step]:
    return [
        Step(
            "calls",
            Call.objects.filter(started_at__lt=cutoff).filter(
                ~Q(from_number="")
                | ~Q(to_number="")
                | ~Q(answered_number="")
                | ~Q(recording_url="")
                | Q(recording_sid__isnull=False)
            ),
            {
                "from_number": "",
                "to_number": "",
                "answered_number": "",
                "recording_url": "",
                "recording_sid": None,
            },
        ),
        Step(
            "messages",
            Message.objects.filter(created_at__lt=cutoff).filter(
                ~Q(from_number="") | ~Q(to_number="") | ~Q(body="") | ~Q(media_urls=[]) | ~Q(error_message="")
            ),
            {"from_number": "", "to_number": "", "body": "", "media_urls": [], "error_message": ""},
        ),
        Step(
            "intakes",
            Intake.objects.filter(created_at__lt=cutoff, status=Intake.Status.CLOSED).filter(
                ~Q(caller="") | ~Q(location="") | ~Q(summary="")
            ),
            {"caller": "", "location": "", "summary": ""},
        ),
        Step(
            "handoffs",
            Handoff.objects.filter(created_at__lt=cutoff, intake__status=Intake.Status.CLOSED).filter(
                ~Q(callback_number="") | ~Q(notes="")
            ),
            {"callback_number": "", "notes": ""},
        ),
        Step(
            "incidents",
            Incident.objects.filter(
                opened_at__lt=cutoff, status__in=[Incident.Status.CLOSED, Incident.Status.CANCELLED]
            ).filter(
                ~Q(location="")
                | ~Q(details="")
                | ~Q(transported_by="")
                | ~Q(outcome_notes="")
                | ~Q(follow_up_notes="")
                | ~Q(cancel_reason="")
            ),
            {
                "location": "",
                "details": "",
                "transported_by": "",
                "outcome_notes": "",
                "follow_up_notes": "",
                "cancel_reason": "",
            },
        ),
        Step(
            "incident events",
            IncidentEvent.objects.filter(
                created_at__lt=cutoff,
                incident__status__in=[Incident.Status.CLOSED, Incident.Status.CANCELLED],
            ).exclude(note=""),
            {"note": ""},
        ),
        Step(
            "referrals",
            Referral.objects.filter(created_at__lt=cutoff).exclude(notes=""),
            {"notes": ""},
        ),
        Step(
            "notifications",
            Notification.objects.filter(created_at__lt=cutoff)
            .exclude(status__in=PENDING_NOTIFICATIONS)
            .filter(~Q(to="") | ~Q(body="") | ~Q(last_error="")),
            {"to": "", "body": "", "last_error": ""},
        ),
    ]


def _triage_answers_redact(cutoff: datetime, batch_size: int) -> int:
    """Free-text and location answers go; yes/no and choice answers (the statistics) stay."""
    free_text = {
        (protocol_id, key)
        for protocol_id, key in ProtocolQuestion.objects.filter(
            kind__in=[ProtocolQuestion.Kind.TEXT, ProtocolQuestion.Kind.LOCATION]
        ).values_list("protocol_id", "key")
    }
    triages = Triage.objects.filter(created_at__lt=cutoff, intake__status=Intake.Status.CLOSED)
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                triages.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(of=("self",))
                .only("pk", "protocol_id", "answers", "location", "notes", "override_reason")[:batch_size]
            )
            if not batch:
                return done
            last_pk = batch[-1].pk
            changed = []
            for triage in batch:
                answers = {
                    key: value
                    for key, value in (triage.answers or {}).items()
                    if (triage.protocol_id, key) not in free_text
                }
                if answers == triage.answers and not (
                    triage.location or triage.notes or triage.override_reason
                ):
                    continue
                Triage.objects.filter(pk=triage.pk).update(
                    answers=answers, location="", notes="", override_reason=""
                )
                changed.append(triage.pk)
            if changed:
                fields = ("answers", "location", "notes", "override_reason")
                _audit_redaction(Triage, changed, label="triages", fields=fields)
            done += len(changed)


def contacts_redact(
    *, older_than_days: int, batch_size: int = BATCH_SIZE, now: datetime | None = None
) -> RedactionReport:
    """Remove contact details and free text from records older than `older_than_days`."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    report = RedactionReport(cutoff=cutoff)
    for step in _steps(cutoff):
        done = 0
        while True:
            with transaction.atomic():
                pks = list(
                    step.queryset.order_by("pk")
                    .select_for_update(skip_locked=True, of=("self",))
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not pks:
                    break
                done += step.queryset.model.objects.filter(pk__in=pks).update(**step.blank)
                _audit_redaction(step.queryset.model, pks, label=step.label, fields=step.blank)
        report.counts[step.label] = done
    report.counts["triages"] = _triage_answers_redact(cutoff, batch_size)
    logger.info("Redacted contacts older than %s: %s", cutoff.date(), report.counts)
    return report
