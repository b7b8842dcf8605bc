"""Staffing of a team: who is on shift, busy, untrained or declined, and who may be hand-picked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from dispatch.models import (
    Incident,
    IncidentResponder,
)
from volunteers.models import Volunteer
from volunteers.roles import Role
from volunteers.selectors import on_shift_now


@dataclass(frozen=True)
class Staffing:
    """Why an incident has no full team: who is on shift and why each one is not coming."""

    on_shift: list[Volunteer]
    free: list[Volunteer]  # on shift, trained for the call type, not busy, not yet asked
    busy: list[tuple[Volunteer, str]]  # (responder, code of the incident they are on)
    untrained: list[Volunteer]  # on shift but not trained for this call type
    declined: list[Volunteer]
    waiting: list[Volunteer]  # texted, no answer yet


def busy_codes() -> dict[int, str]:
    """volunteer id -> code of the open incident whose team they are on."""
    return dict(
        IncidentResponder.objects.filter(
            status=IncidentResponder.Status.ACCEPTED, incident__status__in=Incident.OPEN_STATUSES
        ).values_list("volunteer_id", "incident__code")
    )


def staffing_for(incident: Incident, *, at: datetime | None = None) -> Staffing:
    at = at or timezone.now()
    on_shift = on_shift_now("responder", at=at)
    if incident.call_type_id:
        trained = {v.pk for v in on_shift_now("responder", at=at, call_type=incident.call_type.slug)}
    else:
        trained = {v.pk for v in on_shift}
    codes = {pk: code for pk, code in busy_codes().items() if code != incident.code}
    rows = list(incident.responders.select_related("volunteer"))
    asked = {row.volunteer_id for row in rows}
    return Staffing(
        on_shift=on_shift,
        free=[v for v in on_shift if v.pk in trained and v.pk not in codes and v.pk not in asked],
        busy=[(v, codes[v.pk]) for v in on_shift if v.pk in codes],
        untrained=[v for v in on_shift if v.pk not in trained],
        declined=[r.volunteer for r in rows if r.status == IncidentResponder.Status.DECLINED],
        waiting=[r.volunteer for r in rows if r.status == IncidentResponder.Status.NOTIFIED],
    )


def staffing_summary(staffing: Staffing) -> str:
    """One line for the timeline and the on-call text: why nobody is free."""
    from django.utils.translation import gettext as _

    parts = [_("%(n)s responders on shift") % {"n": len(staffing.on_shift)}]
    if staffing.busy:
        parts.append(
            _("busy: %(names)s") % {"names": ", ".join(f"{v} ({code})" for v, code in staffing.busy)}
        )
    if staffing.untrained:
        parts.append(
            _("not trained for this call type: %(names)s")
            % {"names": ", ".join(str(v) for v in staffing.untrained)}
        )
    if staffing.declined:
        parts.append(_("declined: %(names)s") % {"names": ", ".join(str(v) for v in staffing.declined)})
    if staffing.waiting:
        parts.append(_("no answer yet: %(names)s") % {"names": ", ".join(str(v) for v in staffing.waiting)})
    return "; ".join(parts) + "."


def hand_pick_candidates(incident: Incident, *, at: datetime | None = None) -> list[Volunteer]:
    """Every active volunteer with the Responder role, on shift or not, each carrying
    `on_shift`, `busy_on` (an incident code or ""), `trained` and `asked` (already on the call-out):
    what a dispatcher hand-picking needs to see, and to confirm for the busy or off shift."""
    from volunteers.selectors import onboarded_for_role_q, qualified_for_call_type_q, qualified_for_role_q

    at = at or timezone.now()
    volunteers = list(
        Volunteer.objects.filter(
            status=Volunteer.Status.ACTIVE, user__is_active=True, user__groups__name=Role.RESPONDER
        )
        .exclude(phone="")
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    shift_ids = {v.pk for v in on_shift_now("responder", at=at)}
    # Trained and onboarded: a responder whose checklist is not done is not offered as trained.
    trained_q = qualified_for_role_q("responder", at=at) & onboarded_for_role_q("responder", at=at)
    if incident.call_type_id:
        trained_q &= qualified_for_call_type_q(incident.call_type.slug, at=at)
    trained = set(
        Volunteer.objects.filter(trained_q, pk__in=[v.pk for v in volunteers]).values_list("pk", flat=True)
    )
    codes = busy_codes()
    asked = set(incident.responders.values_list("volunteer_id", flat=True))
    for volunteer in volunteers:
        volunteer.on_shift = volunteer.pk in shift_ids
        volunteer.busy_on = codes.get(volunteer.pk, "")
        volunteer.trained = volunteer.pk in trained
        volunteer.asked = volunteer.pk in asked
    return volunteers


def qualified_volunteers(incident: Incident, *, at: datetime | None = None) -> list[Volunteer]:
    """Every active responder trained for the incident's call type, on shift or not, not busy
    and not yet on its call-out: the widest call-out."""
    return [v for v in hand_pick_candidates(incident, at=at) if v.trained and not v.busy_on and not v.asked]
