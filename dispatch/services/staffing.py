"""Staffing acts: what a dispatcher does when an incident has no full team (an alarm says why).

Hand-pick any responder, on shift or not, even one busy on another incident (the view asks to
confirm those); text again those who have not answered; widen the call-out to every responder
trained for the call type whatever their shift; or change the decision (phone support, a
referral, 911/EMS), which stands the call-out down. Each act is a line on the timeline. Called
by the incident views.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import (
    Decision,
    HandoffService,
    Incident,
    IncidentEvent,
    IncidentResponder,
    Notification,
    Referral,
)
from dispatch.selectors import busy_codes, qualified_volunteers
from hotline import services as hotline_services
from volunteers.models import Volunteer

from ._common import DispatchError, ReferralChoice
from .alarms import alarms_resolve_for
from .incidents import _add_responders, _call_out_text, _locked_open_incident, _stand_down
from .outbox import _send_after_commit
from .safety import forget_shared_locations

CHANGED_DECISIONS = (Decision.PHONE_SUPPORT, Decision.REFER, Decision.ESCALATE)


def incident_hand_pick(*, incident: Incident, by, volunteers: Iterable[Volunteer]) -> int:
    """Text responders the dispatcher picked by hand, on shift or not, busy or not (the view has
    the dispatcher confirm those); return how many were texted."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        already = set(locked.responders.values_list("volunteer_id", flat=True))
        fresh = [v for v in volunteers if v.pk not in already]
        if not fresh:
            raise DispatchError(_("Everyone picked is already on this call-out."))
        codes = busy_codes()
        ids = _add_responders(
            incident=locked,
            volunteers=fresh,
            tier=locked.escalation_level,
            kind=Notification.Kind.DISPATCH,
            now=now,
        )
        names = ", ".join(
            str(v) + (f" ({_('busy on %(code)s') % {'code': codes[v.pk]}})" if v.pk in codes else "")
            for v in fresh
        )
        IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.HAND_PICKED,
            actor=by,
            note=_("Texted: %(names)s") % {"names": names},
            created_at=now,
        )
        _send_after_commit(ids)
    return len(ids)


def incident_renotify(*, incident: Incident, by) -> int:
    """Text again everyone on the call-out who has not answered; return how many."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        rows = list(
            locked.responders.filter(status=IncidentResponder.Status.NOTIFIED).select_related("volunteer")
        )
        if not rows:
            raise DispatchError(_("Everyone texted has answered."))
        round_ = locked.events.filter(kind=IncidentEvent.Kind.RENOTIFIED).count() + 1
        notifications = Notification.objects.bulk_create(
            [
                Notification(
                    incident=locked,
                    volunteer=row.volunteer,
                    kind=Notification.Kind.DISPATCH,
                    to=str(row.volunteer.phone),
                    body=_call_out_text(incident=locked, volunteer=row.volunteer, template="escalation"),
                    dedupe_key=f"{locked.pk}:renotify{round_}:{row.volunteer_id}",
                    created_at=now,
                    next_attempt_at=now,
                )
                for row in rows
                if row.volunteer.phone
            ]
        )
        IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.RENOTIFIED,
            actor=by,
            note=_("Texted again: %(names)s") % {"names": ", ".join(str(row.volunteer) for row in rows)},
            created_at=now,
        )
        _send_after_commit([n.pk for n in notifications])
    return len(notifications)


def incident_widen(*, incident: Incident, by, now: datetime | None = None) -> int:
    """Text every active responder trained for the call type, whatever their shift, who is not
    busy and not yet asked; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        wider = qualified_volunteers(locked, at=now)
        ids = _add_responders(
            incident=locked,
            volunteers=wider,
            tier=max(locked.escalation_level, 1),
            kind=Notification.Kind.ESCALATION,
            now=now,
        )
        IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.WIDENED,
            actor=by,
            note=_("Every trained responder, on shift or not: %(count)s texted (%(names)s).")
            % {"count": len(ids), "names": ", ".join(str(v) for v in wider if v.phone) or "—"},
            created_at=now,
        )
        _send_after_commit(ids)
    return len(ids)


def incident_change_decision(
    *,
    incident: Incident,
    by,
    decision: str,
    reason: str,
    handoff_to: str = "",
    referral: ReferralChoice | None = None,
) -> Incident:
    """Give up on sending responders: phone support, a referral or 911/EMS instead. The
    triage records the new decision (with the reason as the override), the incident is
    cancelled and the call-out stood down, its alarms resolved."""
    reason = reason.strip()
    if decision not in CHANGED_DECISIONS:
        raise DispatchError(_("Choose phone support, a referral or 911/EMS."))
    if not reason:
        raise DispatchError(_("Say why the decision changes."))
    if decision == Decision.ESCALATE and handoff_to not in HandoffService.values:
        raise DispatchError(_("Say whom the call was handed to: 911 or EMS."))
    if decision == Decision.REFER and (referral is None or referral.partner is None):
        raise DispatchError(_("Choose the partner the person is referred to."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        triage = locked.triage
        label = Decision(decision).label
        triage.decision = decision
        triage.override_reason = reason if decision != triage.recommendation else ""
        if decision == Decision.ESCALATE:
            triage.handoff_to, triage.handoff_at = handoff_to, now
        triage.decided_by, triage.decided_at = by, now
        triage.save(
            update_fields=[
                "decision",
                "override_reason",
                "handoff_to",
                "handoff_at",
                "decided_by",
                "decided_at",
            ]
        )
        if decision == Decision.REFER:
            Referral.objects.create(
                triage=triage,
                incident=locked,
                partner=referral.partner,
                service_type=referral.service_type,
                notes=referral.notes[:300],
                created_by=by,
            )
        note = _("Decision changed to %(decision)s: %(reason)s") % {"decision": label, "reason": reason}
        locked.status = Incident.Status.CANCELLED
        locked.cancel_reason = note
        locked.closed_by, locked.closed_at = by, now
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
            incident=locked, kind=IncidentEvent.Kind.DECISION_CHANGED, actor=by, note=note, created_at=now
        )
        # A handed-over contact's sender hears of the new decision and the close.
        hotline_services.handoff_record_progress(
            intake_id=triage.intake_id, decision=decision, decided_at=now, closed_at=now
        )
        alarms_resolve_for(incident=locked, kinds=None, note=note, now=now, by=by)
        forget_shared_locations(incident=locked)
        _send_after_commit(
            _stand_down(incident=locked, kind=Notification.Kind.CANCELLED, template="cancelled", now=now)
        )
    return locked
