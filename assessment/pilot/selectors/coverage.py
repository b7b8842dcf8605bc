"""Shift coverage: the share of the hotline's hours of operation during which each role had
its minimum number of people booked on shift (the pilot's staffing targets).

`shift_coverage` reads the operating hours and the period's shifts; `Metrics.coverage` calls it
with `staffing_targets` of the pilot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from django.db.models import Count, Q
from django.utils import timezone

from assessment.models import PilotSettings
from assessment.pilot.selectors.periods import Period, share
from hotline.selectors import open_intervals
from volunteers.models import Shift, ShiftAssignment, ShiftRole


@dataclass
class Coverage:
    """Operating hours (until now) of the period, and those that met the minimum staffing."""

    open_hours: float = 0.0
    met_hours: dict[str, float] = field(default_factory=dict)  # per role with a target, and "all"
    targets: dict[str, int] = field(default_factory=dict)

    def rate(self, key: str) -> float | None:
        return share(self.met_hours.get(key, 0.0), self.open_hours)


ALL_ROLES = "all"


def shift_coverage(period: Period, *, targets: dict[str, int], now: datetime | None = None) -> Coverage:
    """Share of the hotline's hours of operation, from the period's start until now, during
    which every role with a target had at least that many people booked on shift (booked or
    attended; cancelled and no-show places do not count)."""
    now = now or timezone.now()
    start, end = period.start, min(period.end, now)
    targets = {role: n for role, n in targets.items() if n > 0}
    coverage = Coverage(targets=targets)
    if end <= start:
        return coverage
    intervals = open_intervals(start=start, end=end)
    shifts = (
        Shift.objects.filter(starts_at__lt=end, ends_at__gt=start, role__in=list(targets))
        .annotate(staffed=Count("assignments", filter=Q(assignments__status__in=ShiftAssignment.HOLDING)))
        .values_list("role", "starts_at", "ends_at", "staffed")
    )
    events: list[tuple[datetime, str, int]] = []
    for role, starts_at, ends_at, staffed in shifts:
        if staffed:
            events += [(starts_at.astimezone(UTC), role, staffed), (ends_at.astimezone(UTC), role, -staffed)]
    events.sort(key=lambda event: event[0])
    points = sorted(
        {t for interval in intervals for t in interval} | {t for t, _r, _d in events if start < t < end}
    )
    levels = dict.fromkeys(targets, 0)
    met = dict.fromkeys([*targets, ALL_ROLES], 0.0)
    open_seconds = 0.0
    next_event = 0
    interval_index = 0
    for begin, finish in pairwise(points):
        while next_event < len(events) and events[next_event][0] <= begin:
            _t, role, delta = events[next_event]
            levels[role] += delta
            next_event += 1
        while interval_index < len(intervals) and intervals[interval_index][1] <= begin:
            interval_index += 1
        if interval_index == len(intervals) or intervals[interval_index][0] > begin:
            continue  # closed
        seconds = (finish - begin).total_seconds()
        open_seconds += seconds
        for role, target in targets.items():
            if levels[role] >= target:
                met[role] += seconds
        if targets and all(levels[role] >= target for role, target in targets.items()):
            met[ALL_ROLES] += seconds
    coverage.open_hours = open_seconds / 3600
    coverage.met_hours = {key: seconds / 3600 for key, seconds in met.items()}
    return coverage


def staffing_targets(pilot: PilotSettings | None) -> dict[str, int]:
    """Target people on shift per role; without a pilot, one dispatcher."""
    if pilot is None:
        return {ShiftRole.DISPATCHER: 1, ShiftRole.RESPONDER: 0}
    return {ShiftRole.DISPATCHER: pilot.min_dispatchers, ShiftRole.RESPONDER: pilot.min_responders}
