"""The console's status board of responders and how urgent a waiting intake is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import (
    Incident,
    IncidentEvent,
    IncidentResponder,
)
from hotline.models import Intake
from volunteers.models import ShiftAssignment, Volunteer
from volunteers.selectors import on_shift_now


class UnitStatus(models.TextChoices):
    """Where an on-shift responder is, as the status board shows it."""

    AVAILABLE = "available", _("Available")
    NOTIFIED = "notified", _("Notified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    CLEARED = "cleared", _("Cleared")


# An accepted responder's status follows their incident's.
_TEAM_STATUS = {
    Incident.Status.DISPATCHED: UnitStatus.ACKNOWLEDGED,
    Incident.Status.ACKNOWLEDGED: UnitStatus.ACKNOWLEDGED,
    Incident.Status.EN_ROUTE: UnitStatus.EN_ROUTE,
    Incident.Status.ON_SCENE: UnitStatus.ON_SCENE,
    Incident.Status.CLEARED: UnitStatus.CLEARED,
}
# Timeline events that change where the whole team is.
_TEAM_STATUS_EVENTS = (
    IncidentEvent.Kind.EN_ROUTE,
    IncidentEvent.Kind.ON_SCENE,
    IncidentEvent.Kind.CLEARED,
)


@dataclass(frozen=True)
class UnitRow:
    volunteer: Volunteer
    status: UnitStatus
    incident: Incident | None
    since: datetime
    stale: bool

    @property
    def status_label(self) -> str:
        return str(self.status.label)


def unit_status_board(*, now: datetime | None = None) -> list[UnitRow]:
    """Every responder on shift now with their status, incident and last update, by name.

    A responder on an open incident's team has its status (acknowledged, en route, on scene,
    cleared); one texted and not answered yet is "notified"; anyone else is available. The last
    update is their answer or the team's latest status or note of theirs; an available
    responder's is when their shift began or their last incident closed, whichever is later.
    A status other than available older than DISPATCH_STALE_STATUS_MINUTES is stale.
    Three queries, whatever the number of responders.
    """
    now = now or timezone.now()
    volunteers = sorted(on_shift_now("responder", at=now), key=lambda v: (v.last_name, v.first_name, v.pk))
    if not volunteers:
        return []
    ids = [v.pk for v in volunteers]
    last_event = (
        IncidentEvent.objects.filter(incident=OuterRef("incident"))
        .filter(Q(kind__in=_TEAM_STATUS_EVENTS) | Q(volunteer=OuterRef("volunteer")))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    assignments = (
        IncidentResponder.objects.filter(
            volunteer_id__in=ids,
            status__in=(IncidentResponder.Status.NOTIFIED, IncidentResponder.Status.ACCEPTED),
            incident__status__in=Incident.OPEN_STATUSES,
        )
        .select_related("incident")
        .annotate(last_event_at=Subquery(last_event))
    )
    current: dict[int, IncidentResponder] = {}
    for row in assignments:
        held = current.get(row.volunteer_id)
        # On a team beats a pending answer; then the newest call-out.
        key = (row.status == IncidentResponder.Status.ACCEPTED, row.notified_at, row.pk)
        if held is None or key > (
            held.status == IncidentResponder.Status.ACCEPTED,
            held.notified_at,
            held.pk,
        ):
            current[row.volunteer_id] = row
    available_since = _available_since([pk for pk in ids if pk not in current], now=now)
    stale_after = timedelta(minutes=settings.DISPATCH_STALE_STATUS_MINUTES)
    rows = []
    for volunteer in volunteers:
        assignment = current.get(volunteer.pk)
        if assignment is None:
            since = available_since.get(volunteer.pk) or now
            rows.append(UnitRow(volunteer, UnitStatus.AVAILABLE, None, since, stale=False))
            continue
        if assignment.status == IncidentResponder.Status.ACCEPTED:
            status = _TEAM_STATUS[assignment.incident.status]
        else:
            status = UnitStatus.NOTIFIED
        times = [assignment.notified_at, assignment.responded_at, assignment.last_event_at]
        since = max(t for t in times if t is not None)
        rows.append(UnitRow(volunteer, status, assignment.incident, since, stale=now - since >= stale_after))
    return rows


def _available_since(volunteer_ids: list[int], *, now: datetime) -> dict[int, datetime]:
    """When each volunteer's current responder shift began, or their last incident ended if later."""
    if not volunteer_ids:
        return {}
    shift_start = (
        ShiftAssignment.objects.filter(
            volunteer=OuterRef("pk"),
            status__in=ShiftAssignment.HOLDING,
            shift__role="responder",
            shift__starts_at__lte=now,
            shift__ends_at__gt=now,
        )
        .order_by("shift__starts_at")
        .values("shift__starts_at")[:1]
    )
    last_ended = (
        IncidentResponder.objects.filter(volunteer=OuterRef("pk"), incident__closed_at__lte=now)
        .order_by("-incident__closed_at")
        .values("incident__closed_at")[:1]
    )
    rows = (
        Volunteer.objects.filter(pk__in=volunteer_ids)
        .annotate(shift_start=Subquery(shift_start), last_ended=Subquery(last_ended))
        .values_list("pk", "shift_start", "last_ended")
    )
    return {pk: max(t for t in (start, ended) if t) for pk, start, ended in rows if start or ended}


class Urgency(models.TextChoices):
    """How late an intake's wait is against its target (a label besides the colour)."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    URGENT = "urgent", _("Urgent")


@dataclass(frozen=True)
class WaitUrgency:
    level: Urgency
    # What is waiting ("Ringing", "Text", "Callback") and the target it passed, in seconds.
    kind: str
    limit_seconds: int | None


def wait_urgency(*, intake: Intake, now: datetime) -> WaitUrgency | None:
    """How urgent an intake's wait is: rings against NENA's 15 s / 20 s answering standard,
    texts and callbacks against their DISPATCH_*_SECONDS targets. None once a dispatcher holds
    it or an answered call waits for its claim."""
    if intake.status == Intake.Status.NEEDS_CALLBACK:
        kind, late, urgent = (
            str(_("Callback")),
            settings.DISPATCH_CALLBACK_LATE_SECONDS,
            settings.DISPATCH_CALLBACK_URGENT_SECONDS,
        )
    elif intake.status != Intake.Status.NEW:
        return None
    elif intake.channel == Intake.Channel.VOICE:
        if intake.call is not None and intake.call.answered_at is not None:
            return None
        kind, late, urgent = (
            str(_("Ringing")),
            settings.DISPATCH_RING_LATE_SECONDS,
            settings.DISPATCH_RING_URGENT_SECONDS,
        )
    else:
        kind, late, urgent = (
            str(_("Text")),
            settings.DISPATCH_TEXT_LATE_SECONDS,
            settings.DISPATCH_TEXT_URGENT_SECONDS,
        )
    waited = (now - intake.created_at).total_seconds()
    if waited >= urgent:
        return WaitUrgency(Urgency.URGENT, kind, urgent)
    if waited >= late:
        return WaitUrgency(Urgency.LATE, kind, late)
    return WaitUrgency(Urgency.ON_TIME, kind, None)
