"""Volunteers and their hours: people on the roster per role, those who served shifts in the
period and the hours they gave, and training currency per module.

`volunteer_activity` and `training` are a few small queries each; `Metrics.volunteers` and
`Metrics.training` read them. Not narrowed by contact source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from assessment.pilot.db import elapsed
from assessment.pilot.selectors.periods import Period, local_zone, share
from volunteers.models import ShiftAssignment, ShiftRole, TrainingCompletion, TrainingModule, Volunteer
from volunteers.roles import Role


@dataclass(frozen=True)
class RoleRow:
    role: str
    on_roster: int  # active volunteers holding the role
    served: int  # of them (or anyone) attended at least one shift of the role in the period
    shifts_attended: int
    no_shows: int
    hours: float


@dataclass
class VolunteerActivity:
    active: int = 0
    served: int = 0  # distinct volunteers who attended any shift in the period
    hours: float = 0.0
    roles: list[RoleRow] = field(default_factory=list)


ROLE_GROUPS = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}


def volunteer_activity(period: Period) -> VolunteerActivity:
    """Volunteers by role: on the roster (active, approved for it) and serving in the period
    (attended shifts that started in it), with the hours of those shifts."""
    active = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
    roster = active.aggregate(
        active=Count("pk", distinct=True),
        **{
            role: Count("pk", distinct=True, filter=Q(user__groups__name=group))
            for role, group in ROLE_GROUPS.items()
        },
    )
    assignments = ShiftAssignment.objects.filter(period.q("shift__starts_at"))
    attended = Q(status=ShiftAssignment.Status.ATTENDED)
    length = elapsed("shift__ends_at", "shift__starts_at")
    per_role = {
        role: (volunteers, shifts, no_shows, hours)
        for role, volunteers, shifts, no_shows, hours in assignments.values_list("shift__role")
        .annotate(
            volunteers=Count("volunteer", distinct=True, filter=attended),
            shifts=Count("pk", filter=attended),
            no_shows=Count("pk", filter=Q(status=ShiftAssignment.Status.NO_SHOW)),
            hours=Sum(length, filter=attended),
        )
        .order_by()
    }
    total = assignments.filter(attended).aggregate(
        volunteers=Count("volunteer", distinct=True), hours=Sum(length)
    )
    result = VolunteerActivity(
        active=roster["active"], served=total["volunteers"], hours=_hours(total["hours"])
    )
    for role in ShiftRole.values:
        volunteers, shifts, no_shows, hours = per_role.get(role, (0, 0, 0, None))
        result.roles.append(
            RoleRow(
                role=role,
                on_roster=roster[role],
                served=volunteers,
                shifts_attended=shifts,
                no_shows=no_shows,
                hours=_hours(hours),
            )
        )
    return result


def _hours(duration: timedelta | None) -> float:
    return duration.total_seconds() / 3600 if duration else 0.0


@dataclass(frozen=True)
class TrainingRow:
    module_id: int
    title: str
    completed: int  # completions recorded in the period
    current: int  # active volunteers holding a valid completion on the reference day
    expired: int  # completions expiring in the period (up to the reference day), not renewed
    expiring_soon: int  # valid on the reference day, expiring within 30 days after, not renewed


@dataclass
class Training:
    reference_day: date
    active_volunteers: int
    modules: list[TrainingRow]

    def current_share(self, row: TrainingRow) -> float | None:
        return share(row.current, self.active_volunteers)


def training(period: Period, *, today: date | None = None) -> Training:
    """Per active module: completions in the period, volunteers current on the period's last
    day (today if earlier), expiries in the period and in the 30 days after, without renewal."""
    today = today or timezone.localdate(timezone=local_zone())
    day = min(period.last_day, today)
    renewed = TrainingCompletion.objects.filter(
        volunteer=OuterRef("volunteer"), module=OuterRef("module"), completed_on__gt=OuterRef("completed_on")
    )
    active = Q(volunteer__status=Volunteer.Status.ACTIVE)
    valid = Q(completed_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gt=day))
    rows = {
        module_id: (completed, current, expired, soon)
        for module_id, completed, current, expired, soon in TrainingCompletion.objects.filter(
            module__is_active=True
        )
        .annotate(_renewed=Exists(renewed))
        .values_list("module_id")
        .annotate(
            completed=Count("pk", filter=period.day_q("completed_on")),
            current=Count("volunteer", distinct=True, filter=valid & active),
            expired=Count(
                "pk", filter=Q(expires_on__gte=period.first_day, expires_on__lte=day, _renewed=False)
            ),
            soon=Count(
                "pk", filter=valid & active & Q(expires_on__lte=day + timedelta(days=30), _renewed=False)
            ),
        )
        .order_by()
    }
    modules = [
        TrainingRow(pk, title, *rows.get(pk, (0, 0, 0, 0)))
        for pk, title in TrainingModule.objects.filter(is_active=True)
        .order_by("title")
        .values_list("pk", "title")
    ]
    active_count = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE).count()
    return Training(reference_day=day, active_volunteers=active_count, modules=modules)
