"""Builders of the pilot dashboard tests: contacts with exact timestamps.

The apps' services stamp `timezone.now()`; the metrics are about time, so these builders write
the rows directly with the times a test names (aware datetimes, usually in UTC).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from dispatch.models import CallType, Decision, Incident, IncidentEvent, ProtocolVersion, Referral, Triage
from hotline.models import Call, Intake

_sequence = itertools.count(1)


def local(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """A wall-clock time in the pilot's time zone (settings.TIME_ZONE)."""
    return datetime.combine(day, time(hh, mm, ss), tzinfo=ZoneInfo(settings.TIME_ZONE))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_call(
    *,
    started_at: datetime,
    answered_after: float | None = None,
    outcome: str = "",
    ended_after: float | None = None,
    from_number: str = "+12025550101",
    direction: str = Call.Direction.INBOUND,
    callback_intake: Intake | None = None,
) -> Call:
    """An inbound call; `answered_after` seconds (a volunteer answered) sets the outcome."""
    if answered_after is not None and not outcome:
        outcome = Call.Outcome.ANSWERED
    return Call.objects.create(
        call_sid=f"CA{next(_sequence):032x}",
        direction=direction,
        from_number=from_number,
        to_number="+12025550100",
        status=Call.Status.COMPLETED,
        outcome=outcome,
        started_at=started_at,
        answered_at=started_at + timedelta(seconds=answered_after) if answered_after is not None else None,
        ended_at=started_at + timedelta(seconds=ended_after) if ended_after is not None else None,
        callback_intake=callback_intake,
    )


def make_contact(
    *,
    at: datetime,
    channel: str = Intake.Channel.VOICE,
    caller: str = "+12025550101",
    area=None,
    call: Call | None = None,
    source: str = "",
) -> Intake:
    """A contact opened at `at` (a voice contact gets its inbound call, started at `at`,
    unless one is given)."""
    if channel == Intake.Channel.VOICE and call is None:
        call = make_call(started_at=at, answered_after=10, from_number=caller)
    source = source or {
        Intake.Channel.SMS: Intake.Source.TEXT,
        Intake.Channel.IN_PERSON: Intake.Source.FIELD_INITIATED,
    }.get(channel, Intake.Source.HOTLINE_CALL)
    # Closed: hotline allows one open text conversation per number.
    return Intake.objects.create(
        channel=channel,
        source=source,
        caller=caller,
        area=area,
        call=call,
        created_at=at,
        status=Intake.Status.CLOSED,
    )


def make_triage(
    intake: Intake,
    *,
    decision: str = Decision.PHONE_SUPPORT,
    decided_at: datetime | None = None,
    call_type: str | None = None,
    area=None,
    by=None,
) -> Triage:
    """A triage of the contact; `decision=""` leaves it claimed but undecided."""
    decided_at = decided_at or intake.created_at + timedelta(minutes=2)
    escalated = decision == Decision.ESCALATE
    return Triage.objects.create(
        intake=intake,
        protocol=ProtocolVersion.objects.order_by("number").first(),
        claimed_by=by,
        claimed_at=intake.created_at,
        call_type=CallType.objects.get(slug=call_type) if call_type else None,
        area=area,
        recommendation=decision,
        decision=decision,
        decided_by=by if decision else None,
        decided_at=decided_at if decision else None,
        handoff_to="911" if escalated else "",
        handoff_at=decided_at if escalated else None,
        created_at=intake.created_at,
    )


def make_incident(
    triage: Triage,
    *,
    by,
    opened_at: datetime | None = None,
    events: dict[str, float] | None = None,
    outcome: str = "",
    status: str = Incident.Status.DISPATCHED,
) -> Incident:
    """An incident opened at the triage's decision; `events` = {kind: seconds after opening}."""
    opened_at = opened_at or triage.decided_at
    incident = Incident.objects.create(
        code=f"T{next(_sequence):03d}"[-8:],
        triage=triage,
        call_type=triage.call_type,
        opened_by=by,
        opened_at=opened_at,
        outcome=outcome,
        transported_by="County EMS" if outcome == Incident.Outcome.TRANSPORTED else "",
        status=Incident.Status.CLOSED if outcome and status == Incident.Status.DISPATCHED else status,
        cancel_reason="Caller called back: resolved" if status == Incident.Status.CANCELLED else "",
    )
    IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.DISPATCHED, created_at=opened_at)
    for kind, seconds in (events or {}).items():
        IncidentEvent.objects.create(
            incident=incident, kind=kind, created_at=opened_at + timedelta(seconds=seconds)
        )
    return incident


def make_referral(*, partner, triage: Triage | None = None, incident: Incident | None = None) -> Referral:
    return Referral.objects.create(partner=partner, triage=triage, incident=incident)
