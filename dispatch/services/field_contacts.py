"""Field contacts: a responder on shift opens an incident on the spot, for someone met on the street.

It gets an intake and a decided triage like any other incident, so it counts in every report;
the responder is the team, already on scene, and nobody is texted. Called by the field contact
view of the responder's "my incidents" page.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import CallType, Decision, Incident, IncidentEvent, IncidentResponder, Triage
from dispatch.selectors import current_protocol
from hotline.models import Intake
from volunteers.models import Area, Volunteer
from volunteers.selectors import on_shift_now

from ._common import DispatchError
from .incidents import _new_incident_code, incident_record_status


def incident_open_field(
    *,
    volunteer: Volunteer,
    user,
    call_type: CallType | None = None,
    area: Area | None = None,
    language: str = "",
    location: str = "",
    details: str = "",
) -> Incident:
    """A responder on shift meets someone on the street and opens an incident on the spot.

    It gets an intake (source "field-initiated") and a decided triage like any other, so it
    counts in every report; the responder is the team, already on scene, and nobody is texted.
    The outcome is then recorded on the responder page with the usual form.
    """
    from hotline.services import intake_open

    if volunteer.pk not in {v.pk for v in on_shift_now("responder")}:
        raise DispatchError(_("Only a responder on shift can open a field contact."))
    now = timezone.now()
    with transaction.atomic():
        intake = intake_open(
            channel=Intake.Channel.IN_PERSON,
            caller="",
            language=language,
            area=area,
            location=location,
            summary=details,
            status=Intake.Status.CLOSED,
            source=Intake.Source.FIELD_INITIATED,
        )
        triage = Triage.objects.create(
            intake=intake,
            protocol=current_protocol(),
            call_type=call_type,
            area=area,
            language=language,
            location=location,
            notes=details,
            decision=Decision.SEND_RESPONDERS,
            decided_by=user,
            decided_at=now,
            created_at=now,
        )
        incident = Incident.objects.create(
            code=_new_incident_code(),
            triage=triage,
            call_type=call_type,
            area=area,
            language=language,
            location=location,
            details=details,
            team_size=1,
            opened_by=user,
            opened_at=now,
            escalate_at=None,  # the team is already there: nothing to escalate
        )
        IncidentResponder.objects.create(
            incident=incident,
            volunteer=volunteer,
            status=IncidentResponder.Status.ACCEPTED,
            notified_at=now,
            responded_at=now,
        )
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.DISPATCHED,
            actor=user,
            volunteer=volunteer,
            note=_("Field contact opened by %(name)s") % {"name": volunteer},
            created_at=now,
        )
        incident = incident_record_status(
            incident=incident, status=Incident.Status.ON_SCENE, by=user, volunteer=volunteer
        )
    return incident
