"""Alarms: the open ones for the console, one for a dispatcher, and the on-call coordinator now."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dispatch.models import (
    Alarm,
    OnCallPeriod,
)
from volunteers.roles import Role, has_role


def on_call_coordinator(*, at: datetime | None = None) -> OnCallPeriod | None:
    at = at or timezone.now()
    return (
        OnCallPeriod.objects.filter(starts_at__lte=at, ends_at__gt=at, user__is_active=True)
        .select_related("user")
        .order_by("starts_at")
        .first()
    )


def open_alarms() -> QuerySet[Alarm]:
    """Alarms not resolved yet, the most serious and newest first (one query, for the console)."""
    severity = {Alarm.Level.EMERGENCY: 0, Alarm.Level.CRITICAL: 1, Alarm.Level.WARNING: 2}
    return (
        Alarm.objects.filter(resolved_at__isnull=True)
        .select_related("incident__call_type", "incident__area", "volunteer", "acknowledged_by")
        .annotate(
            severity=Case(
                *(When(level=level, then=Value(rank)) for level, rank in severity.items()),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("severity", "-raised_at", "-pk")
    )


def alarm_get_for_dispatcher(*, user, pk: int) -> Alarm:
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(Alarm.objects.select_related("incident"), pk=pk)
