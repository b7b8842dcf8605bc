"""Responders: who may answer call-outs, their signed links, open call-outs and landing page."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from dispatch.models import (
    Incident,
    IncidentResponder,
)
from volunteers.models import Volunteer
from volunteers.roles import Role, has_role
from volunteers.selectors import volunteer_for_user

RESPONDER_LINK_SALT = "dispatch.responder-link"


def volunteer_may_respond(volunteer: Volunteer) -> bool:
    """Active volunteer with an active account (or none): may answer call-outs and use links."""
    return volunteer.status == Volunteer.Status.ACTIVE and (
        volunteer.user is None or volunteer.user.is_active
    )


def _link_version(volunteer: Volunteer) -> int:
    """Changes whenever the volunteer is deactivated or reactivated: links signed before stop."""
    return int(volunteer.status_changed_at.timestamp() * 1_000_000)  # microseconds


def responder_token(*, incident: Incident, volunteer: Volunteer) -> str:
    value = f"{incident.pk}.{volunteer.pk}.{_link_version(volunteer)}"
    return signing.TimestampSigner(salt=RESPONDER_LINK_SALT).sign(value)


def responder_path(*, incident: Incident, volunteer: Volunteer) -> str:
    return reverse("dispatch:responder", args=[responder_token(incident=incident, volunteer=volunteer)])


def responder_url(*, incident: Incident, volunteer: Volunteer) -> str:
    """The absolute signed link texted to a responder (no password typing in a crisis)."""
    return settings.PUBLIC_BASE_URL + responder_path(incident=incident, volunteer=volunteer)


def responder_assignment_from_token(token: str) -> IncidentResponder:
    """The assignment a responder link names; 404 when forged, expired or unknown, and at once
    when the responder is no longer active (volunteer or account deactivated: a link signed
    before any deactivation never works again) or was stood down from the call-out."""
    try:
        value = signing.TimestampSigner(salt=RESPONDER_LINK_SALT).unsign(
            token, max_age=settings.DISPATCH_RESPONDER_LINK_MAX_AGE
        )
        parts = [int(part) for part in value.split(".")]
        # Links texted before versions existed have two parts; the active check still applies.
        incident_id, volunteer_id, version = parts if len(parts) == 3 else (*parts, None)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    try:
        assignment = IncidentResponder.objects.select_related(
            "incident__call_type", "incident__area", "volunteer__user"
        ).get(incident_id=incident_id, volunteer_id=volunteer_id)
    except IncidentResponder.DoesNotExist:
        raise Http404 from None
    volunteer = assignment.volunteer
    if (
        not volunteer_may_respond(volunteer)
        or (version is not None and version != _link_version(volunteer))
        or assignment.status == IncidentResponder.Status.STOOD_DOWN
    ):
        raise Http404
    return assignment


def incidents_for_volunteer(volunteer: Volunteer) -> QuerySet[IncidentResponder]:
    """The responder's call-outs still open: pending answers and teams they are on."""
    return (
        IncidentResponder.objects.filter(
            volunteer=volunteer,
            status__in=(IncidentResponder.Status.NOTIFIED, IncidentResponder.Status.ACCEPTED),
            incident__status__in=Incident.OPEN_STATUSES,
        )
        .select_related("incident__call_type", "incident__area")
        .order_by("-incident__opened_at")
    )


def pending_answers_for(volunteer: Volunteer) -> QuerySet[IncidentResponder]:
    """Call-outs waiting for this responder's YES or NO, newest first."""
    return (
        IncidentResponder.objects.filter(
            volunteer=volunteer,
            status=IncidentResponder.Status.NOTIFIED,
            incident__status__in=Incident.OPEN_STATUSES,
        )
        .select_related("incident")
        .order_by("-notified_at", "-pk")
    )


def call_out_landing_path(user) -> str | None:
    """Where a signed-in responder with open call-outs should land: the page of their one
    call-out (the signed link's page), or "my call-outs" when they have several; None without."""
    if not has_role(user, Role.RESPONDER):
        return None
    volunteer = volunteer_for_user(user)
    if volunteer is None:
        return None
    open_call_outs = list(incidents_for_volunteer(volunteer)[:2])
    if not open_call_outs:
        return None
    if len(open_call_outs) == 1:
        return responder_path(incident=open_call_outs[0].incident, volunteer=volunteer)
    return reverse("dispatch:my_incidents")
