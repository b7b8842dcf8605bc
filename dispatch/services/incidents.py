"""Incidents: opening one for "send responders", its status timeline, its outcome, and closing it.

Opening writes the incident, its call-out (`IncidentResponder` rows) and one outbox row per
responder in one transaction; the texts go after commit (`outbox`). The status only moves
forward (dispatched, acknowledged, en route, on scene, cleared), each step a line on the
timeline with who; closing or cancelling texts the team to stand down. Called by `triage`
(opening), the incident views (dispatcher console) and the responder page (status, note,
outcome), `field_contacts`, and `escalation` (which widens the call-out with `_add_responders`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.models import Alarm, Incident, IncidentEvent, IncidentResponder, Notification, Referral, Triage
from dispatch.selectors import (
    busy_volunteer_ids,
    responder_candidates,
    responder_url,
    staffing_for,
    staffing_summary,
)
from hotline import services as hotline_services
from volunteers.models import Volunteer

from ._common import DispatchError, ReferralChoice, _sms_text
from .alarms import alarm_raise, alarms_resolve_for
from .follow_ups import _decline, _follow_ups_schedule
from .outbox import _send_after_commit
from .safety import checkin_timer_for_status, forget_shared_locations

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_PATTERN = re.compile(r"^[A-Z2-9]{4}$")


def _new_incident_code() -> str:
    for _attempt in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        if not Incident.objects.filter(code=code).exists():
            return code
    raise DispatchError(_("Could not find a free incident code; try again."))


@dataclass(frozen=True)
class CallOut:
    """Who to text for "send responders": `responders` None means every candidate."""

    responders: list[Volunteer] | None = None
    team_size: int | None = None
    details: str = ""


def _call_out_text(*, incident: Incident, volunteer: Volunteer, template: str = "dispatch") -> str:
    with translation.override(volunteer.preferred_language or settings.LANGUAGE_CODE):
        call_type = str(incident.call_type) if incident.call_type else _("Call")
    return _sms_text(
        template,
        language=volunteer.preferred_language,
        code=incident.code,
        call_type=call_type,
        area=incident.area.name if incident.area else "",
        language_name=incident.language,
        link=responder_url(incident=incident, volunteer=volunteer),
    )


def _add_responders(
    *, incident: Incident, volunteers: Iterable[Volunteer], tier: int, kind: str, now: datetime
) -> list[int]:
    """Put volunteers on the incident's call-out and write their texts; return outbox ids."""
    volunteers = [v for v in volunteers if v.phone]
    IncidentResponder.objects.bulk_create(
        [IncidentResponder(incident=incident, volunteer=v, tier=tier, notified_at=now) for v in volunteers]
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                incident=incident,
                volunteer=v,
                kind=kind,
                to=str(v.phone),
                body=_call_out_text(
                    incident=incident,
                    volunteer=v,
                    template="escalation" if kind == Notification.Kind.ESCALATION else "dispatch",
                ),
                dedupe_key=f"{incident.pk}:callout:{v.pk}",
                created_at=now,
                next_attempt_at=now,
            )
            for v in volunteers
        ]
    )
    return [row.pk for row in rows]


def _incident_open(*, triage: Triage, by, call_out: CallOut, now: datetime) -> Incident:
    if call_out.responders is None:
        volunteers = responder_candidates(
            call_type=triage.call_type, language=triage.language, area=triage.area
        )
    else:
        busy = set(busy_volunteer_ids().values_list("volunteer_id", flat=True))
        volunteers = [v for v in call_out.responders if v.pk not in busy]
    team_size = call_out.team_size or settings.DISPATCH_TEAM_SIZE
    if team_size < 1:
        raise DispatchError(_("A team needs at least one responder."))
    incident = Incident.objects.create(
        code=_new_incident_code(),
        triage=triage,
        call_type=triage.call_type,
        area=triage.area,
        language=triage.language,
        location=triage.location,
        details=call_out.details or triage.notes,
        team_size=team_size,
        opened_by=by,
        opened_at=now,
        # Nobody to text: escalate at the next sweep instead of waiting.
        escalate_at=now + timedelta(seconds=settings.DISPATCH_ESCALATION_SECONDS) if volunteers else now,
    )
    ids = _add_responders(
        incident=incident, volunteers=volunteers, tier=0, kind=Notification.Kind.DISPATCH, now=now
    )
    IncidentEvent.objects.create(
        incident=incident,
        kind=IncidentEvent.Kind.DISPATCHED,
        actor=by,
        note=_("%(count)s responders texted: %(names)s")
        % {"count": len(volunteers), "names": ", ".join(str(v) for v in volunteers) or "—"},
        created_at=now,
    )
    if not ids:
        # Nobody texted: an alarm on every console and the on-call coordinator, not a sentence.
        alarm_raise(
            incident=incident,
            kind=Alarm.Kind.NOBODY_AVAILABLE,
            details=_("The call-out texted nobody. %(why)s")
            % {"why": staffing_summary(staffing_for(incident, at=now))},
            now=now,
        )
    _send_after_commit(ids)
    return incident


def incident_notify_more(*, incident: Incident, by, volunteers: Iterable[Volunteer]) -> int:
    """Text more responders the dispatcher picked; return how many were added."""
    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise DispatchError(_("The incident is no longer open."))
        already = set(locked.responders.values_list("volunteer_id", flat=True))
        fresh = [v for v in volunteers if v.pk not in already]
        ids = _add_responders(
            incident=locked,
            volunteers=fresh,
            tier=locked.escalation_level,
            kind=Notification.Kind.DISPATCH,
            now=now,
        )
        if fresh:
            IncidentEvent.objects.create(
                incident=locked,
                kind=IncidentEvent.Kind.DISPATCHED,
                actor=by,
                note=_("Also texted: %(names)s") % {"names": ", ".join(str(v) for v in fresh)},
                created_at=now,
            )
        _send_after_commit(ids)
    return len(ids)


STATUS_ORDER = [
    Incident.Status.DISPATCHED,
    Incident.Status.ACKNOWLEDGED,
    Incident.Status.EN_ROUTE,
    Incident.Status.ON_SCENE,
    Incident.Status.CLEARED,
]
FIELD_STATUSES = (Incident.Status.EN_ROUTE, Incident.Status.ON_SCENE, Incident.Status.CLEARED)


def _locked_open_incident(incident: Incident) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not locked.is_open:
        raise DispatchError(_("The incident is no longer open."))
    return locked


def incident_record_status(
    *, incident: Incident, status: str, by=None, volunteer: Volunteer | None = None, note: str = ""
) -> Incident:
    """En route, on scene, cleared: a timeline line with who; the status only moves forward."""
    if status not in FIELD_STATUSES:
        raise DispatchError(_("Unknown status."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        IncidentEvent.objects.create(
            incident=locked, kind=status, actor=by, volunteer=volunteer, note=note[:1000], created_at=now
        )
        if STATUS_ORDER.index(status) > STATUS_ORDER.index(locked.status):
            locked.status = status
            locked.save(update_fields=["status", *checkin_timer_for_status(incident=locked, now=now)])
    return locked


def incident_add_note(
    *, incident: Incident, note: str, by=None, volunteer: Volunteer | None = None
) -> IncidentEvent:
    note = note.strip()
    if not note:
        raise DispatchError(_("Write a note first."))
    return IncidentEvent.objects.create(
        incident=incident, kind=IncidentEvent.Kind.NOTE, actor=by, volunteer=volunteer, note=note[:2000]
    )


@dataclass(frozen=True)
class OutcomeInput:
    outcome: str
    transported_by: str = ""
    notes: str = ""
    follow_up_needed: bool = False
    follow_up_notes: str = ""
    referral: ReferralChoice | None = None
    # The person said they want no follow-up (kept for every later contact from their number).
    follow_up_declined: bool = False


def incident_record_outcome(
    *, incident: Incident, data: OutcomeInput, by=None, volunteer: Volunteer | None = None
) -> Incident:
    if data.outcome not in Incident.Outcome.values:
        raise DispatchError(_("Choose an outcome."))
    if data.outcome == Incident.Outcome.TRANSPORTED and not data.transported_by.strip():
        raise DispatchError(_("Say who transported the person."))
    if data.outcome == Incident.Outcome.REFERRED and (data.referral is None or data.referral.partner is None):
        raise DispatchError(_("Choose the partner the person was referred to."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        locked.outcome = data.outcome
        locked.transported_by = (
            data.transported_by.strip() if data.outcome == Incident.Outcome.TRANSPORTED else ""
        )
        locked.outcome_notes = data.notes
        locked.follow_up_needed = data.follow_up_needed
        locked.follow_up_notes = data.follow_up_notes
        locked.outcome_recorded_by = by
        locked.outcome_recorded_at = now
        locked.save()
        if data.outcome == Incident.Outcome.REFERRED:
            Referral.objects.create(
                incident=locked,
                partner=data.referral.partner,
                service_type=data.referral.service_type,
                notes=data.referral.notes[:300],
                created_by=by,
            )
        triage = Triage.objects.select_related("intake").get(pk=locked.triage_id)
        hotline_services.handoff_record_progress(intake_id=triage.intake_id, outcome=data.outcome)
        if data.follow_up_declined:
            _decline(triage=triage, now=now)
        elif data.follow_up_needed:
            _follow_ups_schedule(
                triage=triage, incident=locked, what_to_do=data.follow_up_notes, by=by, now=now
            )
        IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.OUTCOME,
            actor=by,
            volunteer=volunteer,
            note=locked.get_outcome_display()
            + (f" ({locked.transported_by})" if locked.transported_by else "")
            + (" · " + _("follow-up needed") if locked.follow_up_needed else ""),
            created_at=now,
        )
    return locked


def _stand_down(*, incident: Incident, kind: str, template: str, now: datetime) -> list[int]:
    """Text the team and everyone still asked, and stand down the unanswered."""
    rows = list(
        incident.responders.filter(
            status__in=(IncidentResponder.Status.ACCEPTED, IncidentResponder.Status.NOTIFIED)
        ).select_related("volunteer")
    )
    notifications = [
        Notification(
            incident=incident,
            volunteer=row.volunteer,
            kind=kind,
            to=str(row.volunteer.phone),
            body=_sms_text(template, language=row.volunteer.preferred_language, code=incident.code),
            dedupe_key=f"{incident.pk}:{kind}:{row.volunteer_id}",
            created_at=now,
            next_attempt_at=now,
        )
        for row in rows
        if row.volunteer.phone
    ]
    incident.responders.filter(status=IncidentResponder.Status.NOTIFIED).update(
        status=IncidentResponder.Status.STOOD_DOWN, responded_at=now
    )
    return [row.pk for row in Notification.objects.bulk_create(notifications)]


def incident_close(*, incident: Incident, by) -> Incident:
    """Close an incident that has an outcome; the team is texted."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        if not locked.outcome:
            raise DispatchError(_("Record the outcome before closing the incident."))
        locked.status = Incident.Status.CLOSED
        locked.closed_by = by
        locked.closed_at = now
        locked.escalate_at = None
        locked.checkin_due_at = None
        locked.save(update_fields=["status", "closed_by", "closed_at", "escalate_at", "checkin_due_at"])
        IncidentEvent.objects.create(
            incident=locked, kind=IncidentEvent.Kind.CLOSED, actor=by, created_at=now
        )
        intake_id = Triage.objects.values_list("intake_id", flat=True).get(pk=locked.triage_id)
        hotline_services.handoff_record_progress(intake_id=intake_id, closed_at=now)
        hotline_services.evidence_sms_schedule(intake_id=intake_id)
        alarms_resolve_for(incident=locked, kinds=None, note=_("The incident is closed."), now=now, by=by)
        forget_shared_locations(incident=locked)
        _send_after_commit(
            _stand_down(incident=locked, kind=Notification.Kind.CLOSED, template="closed", now=now)
        )
    return locked


def incident_cancel(*, incident: Incident, by, reason: str) -> Incident:
    """Cancel a call-out (the person left, a duplicate...); the team is texted to stand down."""
    reason = reason.strip()
    if not reason:
        raise DispatchError(_("Say why the incident is cancelled."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        locked.status = Incident.Status.CANCELLED
        locked.cancel_reason = reason
        locked.closed_by = by
        locked.closed_at = now
        locked.escalate_at = None
        locked.checkin_due_at = None
        locked.save(
            update_fields=[
                "status",
                "cancel_reason",
                "closed_by",
                "closed_at",
                "escalate_at",
                "checkin_due_at",
            ]
        )
        IncidentEvent.objects.create(
            incident=locked, kind=IncidentEvent.Kind.CANCELLED, actor=by, note=reason, created_at=now
        )
        hotline_services.handoff_record_progress(
            intake_id=Triage.objects.values_list("intake_id", flat=True).get(pk=locked.triage_id),
            closed_at=now,
        )
        alarms_resolve_for(incident=locked, kinds=None, note=_("The incident is cancelled."), now=now, by=by)
        forget_shared_locations(incident=locked)
        _send_after_commit(
            _stand_down(incident=locked, kind=Notification.Kind.CANCELLED, template="cancelled", now=now)
        )
    return locked
