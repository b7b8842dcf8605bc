"""Shifts: creating a series, signing up (one place each, under a row lock), cancelling, attendance, reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from volunteers.models import Area, Shift, ShiftAssignment, Volunteer
from volunteers.roles import has_role
from volunteers.selectors import is_qualified

from ._common import ROLE_GROUPS, VolunteerError, _local_when, _notify

logger = logging.getLogger(__name__)


class ShiftFull(VolunteerError):
    def __init__(self) -> None:
        super().__init__(gettext_lazy("Sorry, this shift has just filled up."))


MAX_SHIFTS_PER_SERIES = 400


@dataclass(frozen=True)
class ShiftSeries:
    """Shifts of one role at the same local times on chosen weekdays over a date range.

    `end_time` at or before `start_time` means the shift ends the next day.
    `weekdays` are Python weekday numbers (Monday 0); empty means every day.
    """

    role: str
    date_from: date
    date_until: date
    start_time: time
    end_time: time
    weekdays: frozenset[int] = frozenset()
    capacity: int = 2
    minimum_staffing: int = 1
    area: Area | None = None
    notes: str = ""

    def occurrences(self) -> list[tuple[datetime, datetime]]:
        result = []
        day = self.date_from
        while day <= self.date_until:
            if not self.weekdays or day.weekday() in self.weekdays:
                end_day = day if self.end_time > self.start_time else day + timedelta(days=1)
                starts = timezone.make_aware(datetime.combine(day, self.start_time))
                ends = timezone.make_aware(datetime.combine(end_day, self.end_time))
                result.append((starts, ends))
            day += timedelta(days=1)
        return result


def shift_create_series(*, series: ShiftSeries, by) -> tuple[list[Shift], int]:
    """Create the series' shifts; identical ones that already exist are skipped (returns created, skipped)."""
    if series.date_until < series.date_from:
        raise VolunteerError(_("The last day is before the first day."))
    if series.start_time == series.end_time:
        raise VolunteerError(_("The start and end times are the same."))
    if series.minimum_staffing > series.capacity:
        raise VolunteerError(_("The minimum staffing cannot be more than the places."))
    occurrences = series.occurrences()
    if not occurrences:
        raise VolunteerError(_("No day in that range falls on the chosen weekdays."))
    if len(occurrences) > MAX_SHIFTS_PER_SERIES:
        raise VolunteerError(
            _("That would create more than %d shifts; choose a shorter range.") % MAX_SHIFTS_PER_SERIES
        )
    created, skipped = [], 0
    with transaction.atomic():
        for starts_at, ends_at in occurrences:
            if Shift.objects.filter(
                role=series.role, starts_at=starts_at, ends_at=ends_at, area=series.area
            ).exists():
                skipped += 1
                continue
            created.append(
                Shift.objects.create(
                    role=series.role,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    area=series.area,
                    capacity=series.capacity,
                    minimum_staffing=series.minimum_staffing,
                    notes=series.notes,
                    created_by=by,
                )
            )
    return created, skipped


def _check_may_take(*, shift: Shift, volunteer: Volunteer) -> None:
    if volunteer.status != Volunteer.Status.ACTIVE or volunteer.user is None:
        raise VolunteerError(_("Only active volunteers can take shifts."))
    if not has_role(volunteer.user, ROLE_GROUPS[shift.role]):
        raise VolunteerError(
            _("%(name)s is not approved for %(role)s shifts.")
            % {"name": volunteer.full_name, "role": shift.get_role_display()}
        )
    if not is_qualified(volunteer, shift.role, at=shift.starts_at):
        raise VolunteerError(
            _("%(name)s is missing training required for %(role)s shifts.")
            % {"name": volunteer.full_name, "role": shift.get_role_display()}
        )


def shift_sign_up(*, shift: Shift, volunteer: Volunteer, by=None) -> ShiftAssignment:
    """Give the volunteer a place on the shift (themself, or assigned by a coordinator `by`).

    The shift row is locked so that two people racing for the last place cannot both get it.
    """
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=shift.pk)
        if shift.starts_at <= timezone.now():
            raise VolunteerError(_("This shift has already started."))
        _check_may_take(shift=shift, volunteer=volunteer)
        holding = ShiftAssignment.objects.filter(status__in=ShiftAssignment.HOLDING)
        if holding.filter(shift=shift, volunteer=volunteer).exists():
            raise VolunteerError(_("%(name)s is already on this shift.") % {"name": volunteer.full_name})
        overlapping = holding.filter(
            volunteer=volunteer, shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at
        )
        if overlapping.exists():
            raise VolunteerError(
                _("%(name)s is already on another shift at that time.") % {"name": volunteer.full_name}
            )
        if holding.filter(shift=shift).count() >= shift.capacity:
            raise ShiftFull
        return ShiftAssignment.objects.create(shift=shift, volunteer=volunteer, assigned_by=by)


def cancel_cutoff(shift: Shift) -> datetime:
    return shift.starts_at - timedelta(hours=settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS)


def assignment_cancel(*, assignment: ShiftAssignment, by_coordinator: bool = False) -> ShiftAssignment:
    """Free the place. Volunteers may cancel until the cut-off; coordinators until the start."""
    now = timezone.now()
    with transaction.atomic():
        assignment = ShiftAssignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
        if assignment.status != ShiftAssignment.Status.BOOKED:
            raise VolunteerError(_("This place is not booked."))
        if not by_coordinator and now > cancel_cutoff(assignment.shift):
            raise VolunteerError(
                _(
                    "Shifts can be cancelled up to %(hours)d hours before they start. Please call the coordinators."
                )
                % {"hours": settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS}
            )
        if by_coordinator and now >= assignment.shift.starts_at:
            raise VolunteerError(_("The shift has started: mark attendance instead."))
        assignment.status = ShiftAssignment.Status.CANCELLED
        assignment.cancelled_at = now
        assignment.save(update_fields=["status", "cancelled_at"])
    return assignment


def assignment_mark(*, assignment: ShiftAssignment, status: str) -> ShiftAssignment:
    """A coordinator marks a booked (or already marked) place attended or no-show once the shift started."""
    if status not in (ShiftAssignment.Status.ATTENDED, ShiftAssignment.Status.NO_SHOW):
        raise VolunteerError(_("Choose attended or no-show."))
    with transaction.atomic():
        assignment = ShiftAssignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
        if assignment.status == ShiftAssignment.Status.CANCELLED:
            raise VolunteerError(_("This place was cancelled."))
        if assignment.shift.starts_at > timezone.now():
            raise VolunteerError(_("Attendance can be marked once the shift has started."))
        assignment.status = status
        assignment.save(update_fields=["status"])
    return assignment


REMINDERS = (
    # (field, window starts after now +, window ends at now +)
    ("reminder_24h_sent_at", timedelta(hours=1), timedelta(hours=24)),
    ("reminder_1h_sent_at", timedelta(0), timedelta(hours=1)),
)


def _reminder_body(assignment: ShiftAssignment, field: str) -> str:
    shift = assignment.shift
    values = {"role": shift.get_role_display(), **_local_when(shift.starts_at)}
    if field == "reminder_1h_sent_at":
        text = _("Hotline reminder: your %(role)s shift starts at %(start)s today. Thank you!")
    else:
        text = _(
            "Hotline reminder: your %(role)s shift starts %(day)s at %(start)s. "
            "If you cannot make it, tell the coordinators as soon as possible."
        )
    return text % values


def shift_reminders_send(*, now: datetime | None = None) -> int:
    """Text each booked volunteer 24 hours and 1 hour before their shift, each exactly once.

    Every reminder is claimed with a conditional update before the text goes out, so a task
    that runs twice (or two workers at once) cannot send it twice. A failed send is released
    for the next run.
    """
    now = now or timezone.now()
    sent = 0
    for field, after, until in REMINDERS:
        due = ShiftAssignment.objects.filter(
            Q(**{f"{field}__isnull": True}),
            status=ShiftAssignment.Status.BOOKED,
            volunteer__status=Volunteer.Status.ACTIVE,
            shift__starts_at__gt=now + after,
            shift__starts_at__lte=now + until,
        )
        for pk in list(due.values_list("pk", flat=True)):
            claimed = ShiftAssignment.objects.filter(
                Q(**{f"{field}__isnull": True}), pk=pk, status=ShiftAssignment.Status.BOOKED
            ).update(**{field: now})
            if claimed != 1:
                continue  # another run has it
            assignment = ShiftAssignment.objects.select_related("shift", "volunteer").get(pk=pk)
            try:
                with translation.override(assignment.volunteer.preferred_language):
                    _notify(
                        assignment.volunteer,
                        body=_reminder_body(assignment, field),
                        subject=_("Shift reminder"),
                    )
            except Exception:
                logger.exception("shift reminder %s for assignment %s failed; will retry", field, pk)
                ShiftAssignment.objects.filter(pk=pk, **{field: now}).update(**{field: None})
                continue
            sent += 1
    return sent
