"""Incidents: the open ones with their team counts, one for a dispatcher, its timeline, free responders."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from dispatch.models import (
    CallType,
    Incident,
    IncidentResponder,
    Notification,
)
from volunteers.models import Area, Volunteer
from volunteers.roles import Role, has_role
from volunteers.selectors import on_shift_now


def with_team_counts(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate `accepted_count`, `pending_count` and `failed_count` (failed texts)."""

    def count(model, **filters):
        rows = model.objects.filter(incident=OuterRef("pk"), **filters).order_by().values("incident")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)

    return queryset.annotate(
        accepted_count=count(IncidentResponder, status=IncidentResponder.Status.ACCEPTED),
        pending_count=count(IncidentResponder, status=IncidentResponder.Status.NOTIFIED),
        failed_count=count(Notification, status=Notification.Status.FAILED),
    )


def open_incidents() -> QuerySet[Incident]:
    return (
        with_team_counts(Incident.objects.filter(status__in=Incident.OPEN_STATUSES))
        .select_related("call_type", "area", "triage__intake")
        .order_by("opened_at", "pk")
    )


def incident_get_for_dispatcher(*, user, pk: int) -> Incident:
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(
        with_team_counts(Incident.objects.all()).select_related(
            "call_type", "area", "triage__intake", "triage__decided_by", "opened_by"
        ),
        pk=pk,
    )


def incident_timeline(incident: Incident) -> QuerySet:
    return incident.events.select_related("actor", "volunteer")


def busy_volunteer_ids() -> QuerySet:
    """Volunteers on the team of an open incident."""
    return IncidentResponder.objects.filter(
        status=IncidentResponder.Status.ACCEPTED, incident__status__in=Incident.OPEN_STATUSES
    ).values("volunteer_id")


def responder_candidates(
    *,
    call_type: CallType | None,
    language: str = "",
    area: Area | int | None = None,
    at: datetime | None = None,
    exclude_incident: Incident | None = None,
) -> list[Volunteer]:
    """On-shift responders trained for the call type and not on an open incident's team,
    speakers of the caller's language first, then those covering the area."""
    candidates = on_shift_now(
        "responder",
        at=at,
        language=language or None,
        area=area,
        call_type=call_type.slug if call_type else None,
    )
    busy = set(busy_volunteer_ids().values_list("volunteer_id", flat=True))
    already: set[int] = set()
    if exclude_incident is not None:
        already = set(exclude_incident.responders.values_list("volunteer_id", flat=True))
    return [v for v in candidates if v.pk not in busy and v.pk not in already]
