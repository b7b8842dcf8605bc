"""Responder safety: a team on scene checks in ("We're OK") every few minutes, and any member
can ask for backup.

Arriving on scene starts the check-in timer (CallType.checkin_minutes, DISPATCH_CHECKIN_MINUTES
without a call type); a check-in by the responder page's button or a text `OK` restarts it and
resolves a missed-check-in alarm; clearing the scene or ending the incident stops it
(`checkin_timer_for_status`, called by `incidents`). The alarm sweep (`alarms.alarms_sweep`)
raises the alarm for an overdue check-in. A backup request (the page's button or a text
`BACKUP`) raises the emergency alarm on every console at once and texts the on-call
coordinator. A responder on the team may also share their phone's location (with consent,
from their page) while the incident is open (`responder_share_location`); it is forgotten when
they stop or the incident ends (`forget_shared_locations`). Called by the responder views,
`acknowledgements` (texts) and `incidents`/`staffing` (ending an incident).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Alarm, Incident, IncidentEvent, IncidentResponder, Notification
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
        shared = (
            locked.responders.filter(volunteer=volunteer, shared_at__isnull=False)
            .values_list("shared_latitude", "shared_longitude", "shared_accuracy_m", "shared_at")
            .first()
        )
        if shared:
            details += " " + _(
                "Their phone's location: %(lat)s, %(lon)s (within %(accuracy)s m, at %(time)s)."
            ) % {
                "lat": shared[0],
                "lon": shared[1],
                "accuracy": shared[2] if shared[2] is not None else "?",
                "time": timezone.localtime(shared[3]).strftime("%H:%M:%S"),
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


def _coordinate(value, *, limit: int) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise DispatchError(_("That location could not be read.")) from None
    if not number.is_finite() or abs(number) > limit:
        raise DispatchError(_("That location could not be read."))
    return number


def responder_share_location(
    *, assignment: IncidentResponder, latitude, longitude, accuracy=None
) -> IncidentResponder:
    """The responder's phone says where it is: kept on their assignment while they are on the
    team of an open incident (the first share is a line on the timeline)."""
    lat = _coordinate(latitude, limit=90)
    lon = _coordinate(longitude, limit=180)
    try:
        metres = max(0, min(int(float(accuracy)), 100_000)) if accuracy not in (None, "") else None
    except (TypeError, ValueError):
        metres = None
    now = timezone.now()
    with transaction.atomic():
        row = (
            IncidentResponder.objects.select_for_update()
            .select_related("incident", "volunteer")
            .get(pk=assignment.pk)
        )
        if row.status != IncidentResponder.Status.ACCEPTED or not row.incident.is_open:
            raise DispatchError(_("Only a responder on the team of an open incident shares a location."))
        first = row.shared_at is None
        row.shared_latitude, row.shared_longitude, row.shared_accuracy_m, row.shared_at = (
            lat,
            lon,
            metres,
            now,
        )
        row.save(update_fields=["shared_latitude", "shared_longitude", "shared_accuracy_m", "shared_at"])
        if first:
            IncidentEvent.objects.create(
                incident=row.incident,
                kind=IncidentEvent.Kind.LOCATION_SHARED,
                volunteer=row.volunteer,
                created_at=now,
            )
    return row


def responder_stop_sharing(*, assignment: IncidentResponder) -> bool:
    """The responder stops sharing: their location is forgotten. True when one was kept."""
    with transaction.atomic():
        forgotten = IncidentResponder.objects.filter(pk=assignment.pk, shared_at__isnull=False).update(
            shared_latitude=None, shared_longitude=None, shared_accuracy_m=None, shared_at=None
        )
        if forgotten:
            IncidentEvent.objects.create(
                incident_id=assignment.incident_id,
                kind=IncidentEvent.Kind.LOCATION_STOPPED,
                volunteer_id=assignment.volunteer_id,
            )
    return bool(forgotten)


def forget_shared_locations(*, incident: Incident) -> int:
    """The incident ended: every location its responders shared is forgotten (joins the caller's
    transaction)."""
    return incident.responders.filter(shared_at__isnull=False).update(
        shared_latitude=None, shared_longitude=None, shared_accuracy_m=None, shared_at=None
    )
