"""The period a dashboard reports on, and the pilot it belongs to.

`Period` (local dates in settings.TIME_ZONE, both included, optionally narrowed to some
contact sources) is what every other module of `assessment.pilot.selectors` filters by; the
period form (`assessment.pilot.forms`) and the dashboard views build it, `default_period` picks
the pilot period (or the last 30 days) when the request names none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from assessment.models import PilotSettings

WEEKDAYS = range(7)  # 0 = Monday
HOURS = range(24)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "–", never as 0 %)."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Period:
    """Local dates, both included. Instants run from local midnight of the first day to local
    midnight after the last (a day of a DST change has 23 or 25 hours).

    `sources` narrows every contact metric (and the calls, incidents and referrals of those
    contacts) to contacts from these sources, in Intake.Source order; empty: every source.
    Volunteer, coverage and training metrics are not per source and ignore it."""

    first_day: date
    last_day: date
    sources: tuple[str, ...] = ()

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=local_zone()).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=local_zone()).astimezone(
            UTC
        )

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def q(self, field_name: str) -> Q:
        """Q for "`field_name` (a datetime) falls in the period"."""
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})

    def day_q(self, field_name: str) -> Q:
        """Q for "`field_name` (a date) falls in the period"."""
        return Q(**{f"{field_name}__gte": self.first_day, f"{field_name}__lte": self.last_day})

    def source_q(self, field_name: str) -> Q:
        """Q for "`field_name` (an intake's source) is one of the period's sources" (always
        true when no source is chosen; a call that never became a contact has no source)."""
        return Q(**{f"{field_name}__in": self.sources}) if self.sources else Q()


def pilot_settings() -> PilotSettings | None:
    return (
        PilotSettings.objects.select_related("police_time_dataset")
        .prefetch_related("service_areas")
        .filter(pk=PilotSettings.SINGLETON_PK)
        .first()
    )


def default_period(pilot: PilotSettings | None, *, today: date | None = None) -> Period:
    """The pilot period, or the last 30 days when no pilot is set up."""
    if pilot is not None:
        return Period(pilot.starts_on, pilot.ends_on)
    today = today or timezone.localdate(timezone=local_zone())
    return Period(today - timedelta(days=29), today)
