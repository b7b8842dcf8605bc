"""Hours served: per volunteer (attended shifts) and per week (attended or booked), with the weekly cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from volunteers.models import ShiftAssignment, Volunteer

_DURATION = ExpressionWrapper(F("shift__ends_at") - F("shift__starts_at"), output_field=DurationField())


def volunteer_hours(volunteer: Volunteer) -> float:
    """Hours served: the length of every shift marked attended."""
    total = ShiftAssignment.objects.filter(
        volunteer=volunteer, status=ShiftAssignment.Status.ATTENDED
    ).aggregate(total=Sum(_DURATION))["total"]
    return round(total.total_seconds() / 3600, 1) if total else 0.0


def with_hours(queryset: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Annotate `hours_served` (a timedelta) from attended shifts."""
    attended = (
        ShiftAssignment.objects.filter(volunteer=OuterRef("pk"), status=ShiftAssignment.Status.ATTENDED)
        .values("volunteer")
        .annotate(total=Sum(_DURATION))
        .values("total")
    )
    return queryset.annotate(
        hours_served=Coalesce(
            Subquery(attended, output_field=DurationField()),
            Value(timedelta(0)),
            output_field=DurationField(),
        )
    )


@dataclass
class WeeklyHours:
    volunteer: Volunteer
    hours: float
    over_cap: bool


def weekly_hours(*, week_start: date, cap: float) -> list[WeeklyHours]:
    """Hours per volunteer for the local week starting `week_start`: shifts attended or still
    booked that start in the week (a booked shift is time the volunteer has committed to).
    Most hours first; `over_cap` when above `cap`."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(week_start + timedelta(days=7), datetime.min.time(), tzinfo=tz)
    rows = (
        ShiftAssignment.objects.filter(
            status__in=ShiftAssignment.HOLDING, shift__starts_at__gte=start, shift__starts_at__lt=end
        )
        .values("volunteer")
        .annotate(total=Sum(_DURATION))
        .order_by("-total")
    )
    volunteers = Volunteer.objects.in_bulk([row["volunteer"] for row in rows])
    result = []
    for row in rows:
        hours = round(row["total"].total_seconds() / 3600, 1)
        result.append(WeeklyHours(volunteer=volunteers[row["volunteer"]], hours=hours, over_cap=hours > cap))
    return result
