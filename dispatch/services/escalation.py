"""Escalation: an incident whose team is not full in time asks more people.

Tier 1 texts every on-shift responder not yet asked; tier 2 texts the on-call coordinator.
Each step is claimed by a conditional update on the incident's level, so overlapping sweeps
escalate once. Called by the beat task `dispatch.escalation_sweep` (dispatch.tasks), and by
`acknowledgements` when everybody asked said no (escalate at the next sweep, not after the wait).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Alarm, Incident, IncidentEvent, IncidentResponder, Notification
from dispatch.selectors import busy_volunteer_ids, on_call_coordinator, staffing_for, staffing_summary
from volunteers.selectors import on_shift_now

from ._common import _sms_text
from .alarms import alarm_raise
from .incidents import _add_responders
from .outbox import _send_after_commit


def incidents_escalate_due(*, now: datetime | None = None) -> int:
    """Escalate every open incident whose team is not full in time; return how many moved."""
    now = now or timezone.now()
    due = list(
        Incident.objects.filter(
            status__in=Incident.OPEN_STATUSES, escalate_at__lte=now, escalation_level__lt=2
        ).values_list("pk", "escalation_level")
    )
    return sum(incident_escalate(incident_id=pk, from_level=level, now=now) for pk, level in due)


def incident_escalate(*, incident_id: int, from_level: int, now: datetime | None = None) -> bool:
    """Move the incident one tier up: 1 = every on-shift responder, 2 = on-call coordinator.

    Claimed by a conditional update on the level, so overlapping sweeps escalate once.
    """
    now = now or timezone.now()
    level = from_level + 1
    next_at = now + timedelta(seconds=settings.DISPATCH_ESCALATION_SECONDS) if level < 2 else None
    with transaction.atomic():
        moved = Incident.objects.filter(
            pk=incident_id,
            escalation_level=from_level,
            escalate_at__lte=now,
            status__in=Incident.OPEN_STATUSES,
        ).update(escalation_level=level, escalate_at=next_at)
        if not moved:
            return False
        incident = Incident.objects.select_related("call_type", "area").get(pk=incident_id)
        accepted = incident.responders.filter(status=IncidentResponder.Status.ACCEPTED).count()
        if level == 1:
            already = set(incident.responders.values_list("volunteer_id", flat=True))
            busy = set(busy_volunteer_ids().values_list("volunteer_id", flat=True))
            wider = [
                v
                for v in on_shift_now(
                    "responder", at=now, language=incident.language or None, area=incident.area
                )
                if v.pk not in already and v.pk not in busy
            ]
            ids = _add_responders(
                incident=incident, volunteers=wider, tier=1, kind=Notification.Kind.ESCALATION, now=now
            )
            note = _(
                "%(accepted)s of %(team)s responders after the wait: texted every on-shift responder (%(count)s)."
            ) % {
                "accepted": accepted,
                "team": incident.team_size,
                "count": len(ids),
            }
            if not ids:
                # Nobody more to text: go straight to the on-call coordinator at the next sweep.
                Incident.objects.filter(pk=incident_id).update(escalate_at=now)
            _raise_deadline_alarm(incident=incident, accepted=accepted, now=now)
        else:
            ids = []
            on_call = on_call_coordinator(at=now)
            if on_call is not None:
                name = on_call.user.get_full_name() or on_call.user.get_username()
                notification = Notification.objects.create(
                    incident=incident,
                    kind=Notification.Kind.ON_CALL,
                    to=on_call.phone,
                    body=_sms_text(
                        "on_call",
                        language=settings.LANGUAGE_CODE,
                        code=incident.code,
                        what=", ".join(str(part) for part in (incident.call_type, incident.area) if part),
                        accepted=accepted,
                        team=incident.team_size,
                        url=settings.PUBLIC_BASE_URL + reverse("dispatch:incident", args=[incident.pk]),
                    ),
                    dedupe_key=f"{incident.pk}:on_call",
                    created_at=now,
                    next_attempt_at=now,
                )
                ids.append(notification.pk)
                note = _(
                    "Still %(accepted)s of %(team)s responders: on-call coordinator %(name)s texted."
                ) % {
                    "accepted": accepted,
                    "team": incident.team_size,
                    "name": name,
                }
            else:
                note = _("Still %(accepted)s of %(team)s responders and no on-call coordinator is set.") % {
                    "accepted": accepted,
                    "team": incident.team_size,
                }
        IncidentEvent.objects.create(
            incident=incident, kind=IncidentEvent.Kind.ESCALATED, note=note, created_at=now
        )
        _send_after_commit(ids)
    return True


def _raise_deadline_alarm(*, incident: Incident, accepted: int, now: datetime) -> None:
    """The escalation deadline passed without a full team: an alarm, unless one about the team
    is already open (nobody available, everybody declined)."""
    if incident.alarms.filter(kind__in=Alarm.STAFFING_KINDS, resolved_at__isnull=True).exists():
        return
    details = _("%(accepted)s of %(team)s responders when the deadline passed. %(why)s") % {
        "accepted": accepted,
        "team": incident.team_size,
        "why": staffing_summary(staffing_for(incident, at=now)),
    }
    alarm_raise(
        incident=incident,
        kind=Alarm.Kind.DEADLINE_PASSED,
        level=Alarm.Level.CRITICAL if accepted == 0 else Alarm.Level.WARNING,
        details=details,
        now=now,
    )


def _escalate_now_if_nobody_left(*, incident: Incident, now: datetime) -> None:
    """Everybody asked said no: an alarm now, and widen the call-out at the next sweep instead
    of waiting. Joins the transaction of the last decline."""
    waiting = incident.responders.filter(status=IncidentResponder.Status.NOTIFIED).exists()
    accepted = incident.responders.filter(status=IncidentResponder.Status.ACCEPTED).count()
    if waiting or accepted >= incident.team_size:
        return
    if incident.escalation_level < 2:
        Incident.objects.filter(pk=incident.pk).update(escalate_at=now)
    if accepted:
        return  # part of a team: the widening at the next sweep raises the deadline alarm
    alarm_raise(
        incident=incident,
        kind=Alarm.Kind.ALL_DECLINED,
        details=_("Every responder texted has answered: %(accepted)s of %(team)s on the team. %(why)s")
        % {
            "accepted": accepted,
            "team": incident.team_size,
            "why": staffing_summary(staffing_for(incident, at=now)),
        },
        now=now,
    )
