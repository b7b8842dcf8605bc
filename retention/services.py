"""Data retention: past RETENTION_DAYS, caller contact details and free text are removed.

What goes: phone numbers (callers', and the volunteer's number a call was answered at),
message bodies and media links, voicemail recordings (URL and SID), locations, summaries and
hand-off notes. What stays: timestamps, channel, source, direction, status, outcome, language,
area, durations and error codes, so the pilot dashboard's counts still add up. In dispatch:
triage locations, notes and free-text answers (yes/no and choice answers, call type and area
stay), incident locations, details and notes, event and referral notes, and the texts sent
(number and body). (The
repeat-caller figure needs numbers, so it only covers the retention period.) The people's
optional demographics and diversion answers stay only as the coded groups the dashboard's
aggregates count: an old contact is unlinked from the person a dispatcher linked it to (people
left with no contact are deleted), and its demographics from who recorded them and when.

Each step works in batches, one transaction per batch, and selects only rows that still hold
something to remove: running it again does nothing, and an interrupted run resumes.

Redaction never breaks a database rule. A field that a check constraint requires to be filled
in some states (who transported the person, why an incident was cancelled, why a dispatcher
overrode the recommendation) is replaced with the marker "[redacted]" instead of being emptied,
so its emptiness, and every constraint that tests it, is unchanged. One failing step does not
stop the others: it is logged with its traceback, named in the report and in /healthz/'s
warnings, and retried the next night.
Intakes still open are left alone (someone is working on them; an open text conversation is
keyed by the caller's number). Opt-outs (SmsOptOut) are kept: honouring "STOP" needs the number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from audit.services import Action, audit_record
from dispatch.models import Incident, IncidentEvent, Notification, ProtocolQuestion, Referral, Triage
from hotline.models import Call, Demographics, Handoff, Intake, Message, Person

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
AUDIT_ACTOR = "system: redact_contacts"
# Stored in place of a required text; not translated: it is data, the same in every language.
REDACTED = "[redacted]"
# The last run's outcome, read by /healthz/ (config.health).
LAST_RUN_KEY = "retention-last-run"


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
    # Step label -> "ExceptionType: message" for each step that failed this run.
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.failed


def _constraint_lookups(condition) -> list[tuple[str, object]]:
    """Every (lookup, value) pair in a Q tree, F() values included as their field names."""
    found = []
    for child in condition.children:
        if isinstance(child, Q):
            found.extend(_constraint_lookups(child))
        else:
            lookup, value = child
            found.append((lookup, value))
            if isinstance(value, models.F):
                found.append((value.name, value))
    return found


def constrained_fields(model) -> set[str]:
    """Names of the fields a check constraint of `model` looks at."""
    names = set()
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            names.update(
                lookup.split("__")[0] for lookup, _value in _constraint_lookups(constraint.condition)
            )
    return names


def _redacted_value(model, name: str, blank):
    """What a field becomes: its blank, or for a text a constraint looks at, the marker.

    "" stays "" and anything else becomes REDACTED, so whether the field is empty, the only
    thing a constraint tests about a free text (see the retention tests), does not change.
    """
    if name in constrained_fields(model) and blank == "":
        return Case(When(**{name: ""}, then=Value("")), default=Value(REDACTED))
    return blank


def _still_holds(model, name: str, blank) -> Q:
    """Rows whose field still holds something to redact."""
    if blank is None:
        return Q(**{f"{name}__isnull": False})
    if name in constrained_fields(model) and blank == "":
        return ~Q(**{f"{name}__in": ["", REDACTED]})
    return ~Q(**{name: blank})


@dataclass(frozen=True)
class Step:
    label: str
    base: QuerySet
    blank: dict

    @property
    def model(self):
        return self.base.model

    @property
    def queryset(self) -> QuerySet:
        holds = Q()
        for name, blank in self.blank.items():
            holds |= _still_holds(self.model, name, blank)
        return self.base.filter(holds)

    def values(self) -> dict:
        return {name: _redacted_value(self.model, name, blank) for name, blank in self.blank.items()}


def _steps(cutoff: datetime) -> list[Step]:
    closed_incident = [Incident.Status.CLOSED, Incident.Status.CANCELLED]
    return [
        Step(
            "calls",
            Call.objects.filter(started_at__lt=cutoff),
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
            Message.objects.filter(created_at__lt=cutoff),
            {"from_number": "", "to_number": "", "body": "", "media_urls": [], "error_message": ""},
        ),
        Step(
            "intakes",
            Intake.objects.filter(created_at__lt=cutoff, status=Intake.Status.CLOSED),
            {"caller": "", "location": "", "summary": ""},
        ),
        Step(
            "person links",
            Intake.objects.filter(created_at__lt=cutoff, status=Intake.Status.CLOSED),
            {"person": None},
        ),
        Step(
            "demographics",
            Demographics.objects.filter(intake__created_at__lt=cutoff, intake__status=Intake.Status.CLOSED),
            {"recorded_by": None, "recorded_at": None},
        ),
        Step(
            "handoffs",
            Handoff.objects.filter(created_at__lt=cutoff, intake__status=Intake.Status.CLOSED),
            {"callback_number": "", "notes": ""},
        ),
        Step(
            "incidents",
            Incident.objects.filter(opened_at__lt=cutoff, status__in=closed_incident),
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
            IncidentEvent.objects.filter(created_at__lt=cutoff, incident__status__in=closed_incident),
            {"note": ""},
        ),
        Step(
            "referrals",
            Referral.objects.filter(created_at__lt=cutoff),
            {"notes": ""},
        ),
        Step(
            "notifications",
            Notification.objects.filter(created_at__lt=cutoff).exclude(status__in=PENDING_NOTIFICATIONS),
            {"to": "", "body": "", "last_error": ""},
        ),
    ]


def _step_redact(step: Step, batch_size: int) -> int:
    done = 0
    while True:
        with transaction.atomic():
            pks = list(
                step.queryset.order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                return done
            done += step.model.objects.filter(pk__in=pks).update(**step.values())
            _audit_redaction(step.model, pks, label=step.label, fields=step.blank)


# The free texts of a triage (its answers are handled apart).
TRIAGE_TEXTS = {"location": "", "notes": "", "override_reason": ""}


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
                texts_left = triage.location or triage.notes or triage.override_reason not in ("", REDACTED)
                if answers == triage.answers and not texts_left:
                    continue
                Triage.objects.filter(pk=triage.pk).update(
                    answers=answers,
                    **{name: _redacted_value(Triage, name, blank) for name, blank in TRIAGE_TEXTS.items()},
                )
                changed.append(triage.pk)
            if changed:
                fields = ("answers", "location", "notes", "override_reason")
                _audit_redaction(Triage, changed, label="triages", fields=fields)
            done += len(changed)


def _people_without_contacts_delete(batch_size: int) -> int:
    """People (links between contacts) no contact points to any more."""
    done = 0
    while True:
        with transaction.atomic():
            pks = list(
                Person.objects.filter(intakes__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                return done
            done += Person.objects.filter(pk__in=pks).delete()[0]
            audit_record(
                action=Action.DELETED,
                subject=Person,
                ids=pks,
                what="deleted unlinked people",
                actor_label=AUDIT_ACTOR,
            )


def contacts_redact(
    *, older_than_days: int, batch_size: int = BATCH_SIZE, now: datetime | None = None
) -> RedactionReport:
    """Remove contact details and free text from records older than `older_than_days`.

    A step that fails is logged and reported (`report.failed`, /healthz/) and the next steps
    still run; what it left is picked up by the next run.
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    report = RedactionReport(cutoff=cutoff)
    steps = [(step.label, partial(_step_redact, step, batch_size)) for step in _steps(cutoff)]
    steps.append(("triages", partial(_triage_answers_redact, cutoff, batch_size)))
    steps.append(("people", partial(_people_without_contacts_delete, batch_size)))
    for label, run in steps:
        try:
            report.counts[label] = run()
        except Exception as exc:  # noqa: BLE001 - one step's failure must not stop the others
            logger.exception(
                "Redaction step %r failed; the other steps go on, the next run retries it", label
            )
            report.counts[label] = 0
            report.failed[label] = f"{type(exc).__name__}: {exc}"[:300]
    _last_run_record(report)
    if report.failed:
        logger.error("Redaction of records before %s left steps undone: %s", cutoff.date(), report.failed)
    else:
        logger.info("Redacted contacts older than %s: %s", cutoff.date(), report.counts)
    return report


def _last_run_record(report: RedactionReport) -> None:
    record = {"finished_at": timezone.now().isoformat(), "failed": report.failed}
    try:
        cache.set(LAST_RUN_KEY, record, timeout=None)
    except Exception:  # noqa: BLE001 - the run itself is done; the log already says how it went
        logger.exception("Could not record the redaction run for /healthz/")


def last_run() -> dict | None:
    """The last run's {"finished_at": iso, "failed": {step: error}}, or None if unknown."""
    return cache.get(LAST_RUN_KEY)
