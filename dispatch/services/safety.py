"""Responder safety: a team on scene checks in ("We're OK") every few minutes, and any member
can ask for backup.

Arriving on scene starts the check-in timer (CallType.checkin_minutes, DISPATCH_CHECKIN_MINUTES
without a call type); a check-in by the responder page's button or a text `OK` restarts it and
resolves a missed-check-in alarm; clearing the scene or ending the incident stops it
(`checkin_timer_for_status`, called by `incidents`). The alarm sweep (`alarms.alarms_sweep`)
raises the alarm for an overdue check-in. A backup request (the page's button or a text
`BACKUP`) raises the emergency alarm on every console at once and texts the on-call
coordinator. Called by the responder views and `acknowledgements` (texts).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Alarm, Incident, IncidentEvent, Notification
from volunteers.models import Volunteer

from ._common import DispatchError, _sms_text
from .alarms import alarm_raise, alarms_resolve_for
from .outbox import _send_after_commit

CHECKIN_STATUSES = (Incident.Status.ON_SCENE,)


def checkin_interval(incident: Incident) -> timedelta:
    minutes = (
        incident.call_type.checkin_minutes if incident.call_type_id else settings.DISPATCH_CHECKIN_MINUTES
    )
    return timedelta(minutes=max(minutes, 1))


def checkin_timer_for_status(*, incident: Incident, now: datetime) -> list[str]:
    """Start or stop the check-in timer for the incident's (new) status, on the locked row;
    returns the fields changed (the caller saves them, in its transaction)."""
    if incident.is_open and incident.status in CHECKIN_STATUSES:
        if incident.checkin_due_at is None:
            incident.checkin_due_at = now + checkin_interval(incident)
            return ["checkin_due_at"]
        return []
    changed = []
    if incident.checkin_due_at is not None:
        incident.checkin_due_at = None
        changed.append("checkin_due_at")
    alarms_resolve_for(
        incident=incident,
        kinds=[Alarm.Kind.CHECKIN_MISSED],
        note=_("The team is no longer on scene."),
        now=now,
    )
    return changed


def incident_check_in(*, incident: Incident, volunteer: Volunteer, via_sms: bool) -> Incident:
    """The team on scene is OK: the timer starts again and a missed check-in alarm resolves."""
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Incident.objects.select_for_update(of=("self",)).select_related("call_type").get(pk=incident.pk)
        )
        if not locked.is_open or locked.status not in CHECKIN_STATUSES:
            raise DispatchError(_("Check-ins are for a team on scene."))
        locked.last_checkin_at = now
        locked.checkin_due_at = now + checkin_interval(locked)
        locked.save(update_fields=["last_checkin_at", "checkin_due_at"])
        IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.CHECKED_IN,
            volunteer=volunteer,
            note=_("by text") if via_sms else _("by link"),
            created_at=now,
        )
        alarms_resolve_for(
            incident=locked,
            kinds=[Alarm.Kind.CHECKIN_MISSED],
            note=_("%(name)s checked in.") % {"name": volunteer},
            now=now,
        )
        if via_sms and volunteer.phone:
            _reply(
                incident=locked,
                volunteer=volunteer,
                kind=Notification.Kind.CHECKED_IN,
                template="checked_in",
                now=now,
                due=timezone.localtime(locked.checkin_due_at).strftime("%H:%M"),
            )
    return locked


def incident_request_backup(*, incident: Incident, volunteer: Volunteer, via_sms: bool) -> Alarm:
    """A responder asks for backup: the emergency alarm, with the incident's location, on every
    console at once; the on-call coordinator is texted (and called when configured)."""
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("call_type", "area")
            .get(pk=incident.pk)
        )
        if not locked.is_open:
            raise DispatchError(_("The incident is no longer open."))
        location = locked.location or (locked.area.name if locked.area else "")
        details = _("%(name)s asks for backup (%(how)s). Location: %(location)s.") % {
            "name": volunteer,
            "how": _("by text") if via_sms else _("by link"),
            "location": location or _("unknown"),
        }
        alarm, _created = alarm_raise(
            incident=locked, kind=Alarm.Kind.BACKUP, details=details, volunteer=volunteer, now=now
        )
        if via_sms and volunteer.phone:
            _reply(
                incident=locked,
                volunteer=volunteer,
                kind=Notification.Kind.BACKUP,
                template="backup",
                now=now,
            )
    return alarm


def _reply(
    *, incident: Incident, volunteer: Volunteer, kind: str, template: str, now: datetime, **context
) -> None:
    notification = Notification.objects.create(
        incident=incident,
        volunteer=volunteer,
        kind=kind,
        to=str(volunteer.phone),
        body=_sms_text(template, language=volunteer.preferred_language, code=incident.code, **context),
        created_at=now,
        next_attempt_at=now,
    )
    _send_after_commit([notification.pk])
