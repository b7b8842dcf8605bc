"""Alarms: what a person must see now about an incident, on every open console, until a
dispatcher acknowledges it.

An alarm is raised in the transaction of its cause (a call-out that texts nobody, the last
responder declining, the escalation deadline, a missed check-in, a responder asking for backup)
and is idempotent per incident and kind while open (a partial unique constraint backs the check,
so two sweeps or two taps raise it once). Raising one writes a timeline line and, for all but a
fresh missed check-in, texts the on-call coordinator through the outbox (never lost) and, with
DISPATCH_ONCALL_VOICE_ALERT, phones them after commit (`alarm_call_on_call`, task
`dispatch.alarm_call`). Acknowledging (any console) clears the banner everywhere; resolving
(its cause is gone: the team is full, the team checked in, the incident ended) unflags the
incident. The beat task `dispatch.alarm_sweep` runs `alarms_sweep` (missed check-ins, and the
on-call text for those still missed after DISPATCH_CHECKIN_GRACE_SECONDS).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Alarm, Incident, IncidentEvent, Notification
from dispatch.selectors import on_call_coordinator

from ._common import _sms_text
from .outbox import BROKER_ERRORS, _send_after_commit

logger = logging.getLogger(__name__)

# A call still pending this long after the text was left by a down broker: the sweep places it.
CALL_AFTER_SECONDS = 30

DEFAULT_LEVEL = {
    Alarm.Kind.NOBODY_AVAILABLE: Alarm.Level.CRITICAL,
    Alarm.Kind.ALL_DECLINED: Alarm.Level.CRITICAL,
    Alarm.Kind.DEADLINE_PASSED: Alarm.Level.WARNING,
    Alarm.Kind.CHECKIN_MISSED: Alarm.Level.CRITICAL,
    Alarm.Kind.BACKUP: Alarm.Level.EMERGENCY,
}


def alarm_raise(
    *,
    incident: Incident,
    kind: str,
    level: str | None = None,
    details: str = "",
    volunteer=None,
    alert_on_call: bool = True,
    now: datetime | None = None,
) -> tuple[Alarm, bool]:
    """Raise an alarm on the incident; (the open alarm of that kind, whether it is new).

    Joins the caller's transaction (raise it where the cause is decided). An open alarm of the
    same kind is returned as it is, except a repeated backup request, which sounds again on
    every console (its acknowledgement is cleared).
    """
    now = now or timezone.now()
    with transaction.atomic():
        existing = Alarm.objects.filter(incident=incident, kind=kind, resolved_at__isnull=True).first()
        if existing is None:
            try:
                with transaction.atomic():
                    alarm = Alarm.objects.create(
                        incident=incident,
                        kind=kind,
                        level=level or DEFAULT_LEVEL[kind],
                        details=details[:2000],
                        volunteer=volunteer,
                        raised_at=now,
                    )
            except IntegrityError:  # raised by a concurrent sweep or tap a moment ago
                existing = Alarm.objects.get(incident=incident, kind=kind, resolved_at__isnull=True)
        if existing is not None:
            if kind == Alarm.Kind.BACKUP and existing.acknowledged_at is not None:
                Alarm.objects.filter(pk=existing.pk).update(acknowledged_at=None, acknowledged_by=None)
                IncidentEvent.objects.create(
                    incident=incident,
                    kind=IncidentEvent.Kind.ALARM,
                    volunteer=volunteer,
                    note=_("Backup asked for again."),
                    created_at=now,
                )
                existing.refresh_from_db()
            return existing, False
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.ALARM,
            volunteer=volunteer,
            note=f"{alarm.get_level_display()}: {alarm.get_kind_display()}. {alarm.details}".strip(),
            created_at=now,
        )
        if alert_on_call:
            _alert_on_call(alarm=alarm, now=now)
    return alarm, True


def _alert_on_call(*, alarm: Alarm, now: datetime) -> bool:
    """Text the on-call coordinator about the alarm (and phone them when configured), once.

    Claimed by a conditional update on `on_call_alerted_at`; joins the caller's transaction.
    """
    claimed = Alarm.objects.filter(pk=alarm.pk, on_call_alerted_at__isnull=True).update(
        on_call_alerted_at=now
    )
    if not claimed:
        return False
    incident = alarm.incident
    on_call = on_call_coordinator(at=now)
    if on_call is None:
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.ON_CALL_ALERTED,
            note=_("No on-call coordinator is set: nobody was texted about the alarm."),
            created_at=now,
        )
        return True
    what = ", ".join(str(part) for part in (incident.call_type, incident.area) if part)
    notification = Notification.objects.create(
        incident=incident,
        kind=Notification.Kind.ALARM,
        to=on_call.phone,
        body=_sms_text(
            "alarm",
            language=settings.LANGUAGE_CODE,
            code=incident.code,
            what=what,
            alarm=alarm.get_kind_display(),
            level=alarm.get_level_display(),
            location=incident.location if alarm.kind == Alarm.Kind.BACKUP else "",
            url=settings.PUBLIC_BASE_URL + reverse("dispatch:incident", args=[incident.pk]),
        ),
        dedupe_key=f"alarm:{alarm.pk}:on_call",
        created_at=now,
        next_attempt_at=now,
    )
    name = on_call.user.get_full_name() or on_call.user.get_username()
    note = _("On-call coordinator %(name)s texted about the alarm.") % {"name": name}
    if settings.DISPATCH_ONCALL_VOICE_ALERT:
        Alarm.objects.filter(pk=alarm.pk).update(call_status=Alarm.CallStatus.PENDING, call_to=on_call.phone)
        transaction.on_commit(partial(_enqueue_call, alarm.pk))
        note = _("On-call coordinator %(name)s texted and called about the alarm.") % {"name": name}
    IncidentEvent.objects.create(
        incident=incident, kind=IncidentEvent.Kind.ON_CALL_ALERTED, note=note, created_at=now
    )
    _send_after_commit([notification.pk])
    return True


def _enqueue_call(alarm_id: int) -> None:
    from dispatch.tasks import alarm_call

    try:
        alarm_call.delay(alarm_id)
    except BROKER_ERRORS as exc:  # the sweep places it once the broker is back
        logger.warning("broker unavailable, call for alarm %s left for the sweep: %s", alarm_id, exc)


def alarm_call_on_call(*, alarm_id: int) -> str:
    """Phone the on-call coordinator about an alarm (Twilio, through hotline.messaging's
    backend); the call says the incident code and call type. Claimed PENDING -> CALLING first,
    so a duplicated task calls once. Returns the call status. Never inside a transaction.

    The text (outbox) is what guarantees the coordinator hears of it; a failed call is recorded
    on the timeline and not retried.
    """
    from hotline.messaging import SmsError, get_backend
    from hotline.signatures import public_url

    claimed = Alarm.objects.filter(pk=alarm_id, call_status=Alarm.CallStatus.PENDING).update(
        call_status=Alarm.CallStatus.CALLING
    )
    if not claimed:
        return "skipped"
    alarm = Alarm.objects.get(pk=alarm_id)
    try:
        sid = get_backend().start_call(
            to=alarm.call_to,
            from_=settings.HOTLINE_NUMBER,
            url=public_url(reverse("dispatch:alarm_voice", args=[alarm.pk])),
            status_callback=None,
        )
    except SmsError as exc:
        with transaction.atomic():
            Alarm.objects.filter(pk=alarm_id).update(
                call_status=Alarm.CallStatus.FAILED, call_error=str(exc)[:2000]
            )
            IncidentEvent.objects.create(
                incident_id=alarm.incident_id,
                kind=IncidentEvent.Kind.NOTIFICATION_FAILED,
                note=_("Call to the on-call coordinator failed: %(error)s") % {"error": str(exc)[:300]},
            )
        return Alarm.CallStatus.FAILED
    Alarm.objects.filter(pk=alarm_id).update(call_status=Alarm.CallStatus.CALLED, call_sid=sid[:64])
    return Alarm.CallStatus.CALLED


def alarm_acknowledge(*, alarm: Alarm, by) -> bool:
    """A dispatcher has seen the alarm: it leaves every console's banner. True when it changed."""
    now = timezone.now()
    with transaction.atomic():
        changed = Alarm.objects.filter(pk=alarm.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=by
        )
        if changed:
            IncidentEvent.objects.create(
                incident_id=alarm.incident_id,
                kind=IncidentEvent.Kind.ALARM_ACKNOWLEDGED,
                actor=by,
                note=alarm.get_kind_display(),
                created_at=now,
            )
    return bool(changed)


def alarm_resolve(*, alarm: Alarm, by, note: str = "") -> bool:
    """A dispatcher says the alarm's cause is dealt with: the incident is no longer flagged."""
    now = timezone.now()
    with transaction.atomic():
        changed = _resolve(
            Alarm.objects.filter(pk=alarm.pk), by=by, note=note or _("Resolved by a dispatcher."), now=now
        )
    return bool(changed)


def alarms_resolve_for(
    *, incident: Incident, kinds: Iterable[str] | None, note: str, now: datetime, by=None
) -> int:
    """Resolve the incident's open alarms of `kinds` (all when None); joins the caller's transaction."""
    alarms = Alarm.objects.filter(incident=incident, resolved_at__isnull=True)
    if kinds is not None:
        alarms = alarms.filter(kind__in=list(kinds))
    return _resolve(alarms, by=by, note=note, now=now)


def _resolve(alarms, *, by, note: str, now: datetime) -> int:
    resolved = 0
    for alarm in alarms:
        # The alarm stays acknowledged by whoever did; an alarm resolved unseen is seen now.
        if Alarm.objects.filter(pk=alarm.pk, resolved_at__isnull=True).update(resolved_at=now):
            resolved += 1
            IncidentEvent.objects.create(
                incident_id=alarm.incident_id,
                kind=IncidentEvent.Kind.ALARM_RESOLVED,
                actor=by,
                note=f"{alarm.get_kind_display()}: {note}",
                created_at=now,
            )
    return resolved


def alarms_sweep(*, now: datetime | None = None) -> int:
    """Raise an alarm for every team on scene whose check-in is overdue, and text the on-call
    coordinator about missed check-ins still open after the grace period. Returns how many
    alarms were raised or escalated. Overlapping sweeps act once (unique open alarm, claim)."""
    now = now or timezone.now()
    acted = 0
    open_missed = Alarm.objects.filter(
        incident=OuterRef("pk"), kind=Alarm.Kind.CHECKIN_MISSED, resolved_at__isnull=True
    )
    overdue = list(
        Incident.objects.filter(status=Incident.Status.ON_SCENE, checkin_due_at__lte=now)
        .filter(~Exists(open_missed))
        .values_list("pk", flat=True)
    )
    for pk in overdue:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().get(pk=pk)
            if incident.status != Incident.Status.ON_SCENE or not incident.checkin_due_at:
                continue
            if incident.checkin_due_at > now:
                continue
            since = incident.last_checkin_at or incident.checkin_due_at
            _alarm, created = alarm_raise(
                incident=incident,
                kind=Alarm.Kind.CHECKIN_MISSED,
                details=_('No "We\'re OK" from the team on scene since %(time)s.')
                % {"time": timezone.localtime(since).strftime("%H:%M")},
                alert_on_call=False,
                now=now,
            )
            acted += created
    grace_before = now - timedelta(seconds=settings.DISPATCH_CHECKIN_GRACE_SECONDS)
    late = list(
        Alarm.objects.filter(
            kind=Alarm.Kind.CHECKIN_MISSED,
            resolved_at__isnull=True,
            on_call_alerted_at__isnull=True,
            raised_at__lte=grace_before,
        ).select_related("incident__call_type", "incident__area")
    )
    for alarm in late:
        with transaction.atomic():
            acted += _alert_on_call(alarm=alarm, now=now)
    # Calls a down broker left unplaced (the task claims each, so a duplicate calls once).
    for alarm_id in Alarm.objects.filter(
        call_status=Alarm.CallStatus.PENDING,
        on_call_alerted_at__lte=now - timedelta(seconds=CALL_AFTER_SECONDS),
    ).values_list("pk", flat=True)[:20]:
        _enqueue_call(alarm_id)
    return acted
