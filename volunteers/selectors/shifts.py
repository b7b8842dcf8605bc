"""Shifts: staffing (places booked and free), a volunteer's open shifts and own assignment, the coverage grid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from volunteers.models import Shift, ShiftAssignment, ShiftRole, Volunteer

from ._common import _aware
from .training import qualified_roles


def shifts_with_staffing(queryset: QuerySet[Shift] | None = None) -> QuerySet[Shift]:
    """Shifts annotated with `booked` (places taken) and `free` places."""
    queryset = queryset if queryset is not None else Shift.objects.all()
    return queryset.annotate(
        booked=Count("assignments", filter=Q(assignments__status__in=ShiftAssignment.HOLDING))
    ).annotate(free=F("capacity") - F("booked"))


def open_shifts_for(volunteer: Volunteer, *, now: datetime | None = None) -> QuerySet[Shift]:
    """Upcoming shifts with a free place, of roles the volunteer may take, not already theirs."""
    now = _aware(now)
    roles = qualified_roles(volunteer, at=now)
    mine = ShiftAssignment.objects.filter(
        shift=OuterRef("pk"), volunteer=volunteer, status__in=ShiftAssignment.HOLDING
    )
    return (
        shifts_with_staffing(Shift.objects.filter(role__in=roles, starts_at__gt=now))
        .filter(free__gt=0)
        .exclude(Exists(mine))
        .select_related("area")
        .order_by("starts_at", "pk")
    )


def assignment_get_for_volunteer(*, volunteer: Volunteer, pk: int) -> ShiftAssignment:
    """The volunteer's own assignment, or 404 (another volunteer's is never found)."""
    try:
        return ShiftAssignment.objects.select_related("shift", "shift__area").get(pk=pk, volunteer=volunteer)
    except ShiftAssignment.DoesNotExist:
        raise Http404 from None


def coverage_grid(*, start: date, days: int = 14) -> list[dict]:
    """For each role, each local day and hour from `start`: people booked and people needed.

    A cell `needed` sums the minimum staffing of the shifts overlapping that hour and `staffed`
    the places they have booked; `gap` when fewer are booked than needed. Hours no shift
    covers have `needed` None.
    """
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    window_end = datetime.combine(start + timedelta(days=days), datetime.min.time(), tzinfo=tz)
    shifts = list(
        shifts_with_staffing(Shift.objects.filter(starts_at__lt=window_end, ends_at__gt=window_start)).values(
            "role", "starts_at", "ends_at", "minimum_staffing", "booked"
        )
    )
    grid = []
    for role, label in ShiftRole.choices:
        role_shifts = [s for s in shifts if s["role"] == role]
        rows = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            cells = []
            for hour in range(24):
                slot_start = datetime.combine(
                    day, datetime.min.time().replace(hour=hour), tzinfo=tz
                ).astimezone(UTC)
                slot_end = slot_start + timedelta(hours=1)
                overlapping = [
                    s for s in role_shifts if s["starts_at"] < slot_end and s["ends_at"] > slot_start
                ]
                if overlapping:
                    needed = sum(s["minimum_staffing"] for s in overlapping)
                    staffed = sum(s["booked"] for s in overlapping)
                    cells.append(
                        {"hour": hour, "needed": needed, "staffed": staffed, "gap": staffed < needed}
                    )
                else:
                    cells.append({"hour": hour, "needed": None, "staffed": 0, "gap": False})
            rows.append({"day": day, "cells": cells, "gaps": sum(cell["gap"] for cell in cells)})
        grid.append({"role": role, "label": label, "rows": rows, "gaps": sum(row["gaps"] for row in rows)})
    return grid
