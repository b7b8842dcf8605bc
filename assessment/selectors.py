"""Queries of the assessment app: the 911 calls-for-service analysis.

Everything reads the pre-aggregated tables (CfsSlotCount: call type x weekday x hour x area;
CfsPeriodCount: call type x month x priority), joined to the call types for their current
classification, so that a dataset of millions of calls answers in milliseconds and a
coordinator's reclassification shows at once without re-aggregating.

Officer-initiated and administrative activity (traffic stops, business checks, patrols...) is
not a call from the public. A call is public-generated when the export's source column says so
(911, phone...), or, when it says nothing, when its call type is not flagged officer-initiated;
every split and share below counts public-generated calls only (`_public_split`), and the
analysis shows the officer-initiated volume apart.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.formats import date_format

from assessment.map_models import CfsBoundaryPeriodCount, CfsBoundarySlotCount
from assessment.models import (
    CallSource,
    CfsCall,
    CfsCallType,
    CfsCity,
    CfsDataset,
    CfsImportJob,
    CfsPeriodCount,
    CfsSlotCount,
    Divertibility,
)

logger = logging.getLogger(__name__)

DIVERTIBILITY_ORDER = (
    Divertibility.DIVERTIBLE,
    Divertibility.MAYBE,
    Divertibility.NOT_DIVERTIBLE,
    Divertibility.UNCLASSIFIED,
)
WEEKDAYS = range(7)  # 0 = Monday, as Python's date.weekday()
HOURS = range(24)
UNKNOWN_AREA = ""


def is_public_generated(source_kind: str, officer_initiated_type: bool) -> bool:
    """The calls every share is taken of: the source column says the public, or says nothing
    and the call type is not officer-initiated."""
    return source_kind == CallSource.PUBLIC or (
        source_kind == CallSource.UNKNOWN and not officer_initiated_type
    )


def _public_split(queryset: QuerySet, *fields: str) -> Iterator[tuple]:
    """(*fields, divertibility, calls) of the public-generated calls of a pre-aggregated table.

    The call source and the type's flag are grouped by and folded here: as a WHERE condition
    across the join to the call types, PostgreSQL misjudged the rows (freshly imported tables
    have no statistics) and looped over an index, 100 times slower."""
    extra = ("call_type__divertibility", "source_kind", "call_type__officer_initiated")
    rows = queryset.values(*fields, *extra).annotate(n=Sum("calls")).values_list(*fields, *extra, "n")
    for *values, divertibility, source, officer_type, calls in rows:
        if is_public_generated(source, officer_type):
            yield (*values, divertibility, calls)


def _empty_split() -> dict[str, int]:
    return {value: 0 for value in DIVERTIBILITY_ORDER}


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# --------------------------------------------------------------------------------------------
# The pilot-area filter: `areas` (names; None = all) and/or a GeoJSON `boundary`, whose calls
# were aggregated once into tables of the same shape (assessment.map_services).


def _slots(dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None) -> QuerySet:
    if boundary is not None:
        rows = CfsBoundarySlotCount.objects.filter(boundary=boundary)
    else:
        rows = CfsSlotCount.objects.filter(dataset=dataset)
    return rows if areas is None else rows.filter(area__in=list(areas))


def _periods(dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None) -> QuerySet:
    if boundary is not None:
        rows = CfsBoundaryPeriodCount.objects.filter(boundary=boundary)
    else:
        rows = CfsPeriodCount.objects.filter(dataset=dataset)
    return rows if areas is None else rows.filter(area__in=list(areas))


@dataclass
class SplitRow:
    """A row of a table split by divertibility: label, calls per class, total."""

    label: str
    split: dict[str, int] = field(default_factory=_empty_split)
    key: object = None

    @property
    def total(self) -> int:
        return sum(self.split.values())

    @property
    def divertible(self) -> int:
        return self.split[Divertibility.DIVERTIBLE]

    @property
    def maybe(self) -> int:
        return self.split[Divertibility.MAYBE]

    @property
    def not_divertible(self) -> int:
        return self.split[Divertibility.NOT_DIVERTIBLE]

    @property
    def unclassified(self) -> int:
        return self.split[Divertibility.UNCLASSIFIED]

    @property
    def divertible_share(self) -> float:
        return share(self.divertible, self.total)

    @property
    def maybe_share(self) -> float:
        return share(self.maybe, self.total)

    @property
    def not_divertible_share(self) -> float:
        return share(self.not_divertible, self.total)

    @property
    def unclassified_share(self) -> float:
        return share(self.unclassified, self.total)


# --------------------------------------------------------------------------------------------
# Lists


def cfs_datasets() -> list[CfsDataset]:
    return list(CfsDataset.objects.select_related("city").order_by("city__name", "-imported_at"))


def cfs_cities() -> list[CfsCity]:
    return list(CfsCity.objects.order_by("name"))


def cfs_recent_jobs(*, limit: int = 10) -> list[CfsImportJob]:
    return list(CfsImportJob.objects.select_related("dataset").order_by("-created_at")[:limit])


def cfs_call_types_for_city(
    *,
    city: CfsCity,
    dataset: CfsDataset | None = None,
    unreviewed_only: bool = False,
    officer_initiated_only: bool = False,
):
    """The city's call types with their calls (in one dataset, or all of the city's), most first:
    the review queue (`unreviewed_only`), or the list of officer-initiated types."""
    counts = CfsPeriodCount.objects.filter(dataset__city=city)
    if dataset is not None:
        counts = counts.filter(dataset=dataset)
    totals = dict(
        counts.values_list("call_type_id").annotate(n=Sum("calls")).values_list("call_type_id", "n")
    )
    call_types = CfsCallType.objects.filter(city=city).select_related(
        "category", "suggested_category", "reviewed_by"
    )
    if unreviewed_only:
        call_types = call_types.filter(reviewed=False)
    if officer_initiated_only:
        call_types = call_types.filter(officer_initiated=True)
    rows = list(call_types)
    for call_type in rows:
        call_type.calls = totals.get(call_type.pk, 0)
    rows.sort(key=lambda item: (-item.calls, item.key))
    return rows


# --------------------------------------------------------------------------------------------
# Analysis


def cfs_call_type_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> list[dict]:
    """Calls per raw call type with its classification, most frequent first: all its calls, those
    from the public and those officer-initiated; the share is of all public-generated calls."""
    by_source: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, source, calls in (
        _periods(dataset, areas, boundary)
        .values("call_type_id", "source_kind")
        .annotate(n=Sum("calls"))
        .values_list("call_type_id", "source_kind", "n")
    ):
        by_source[pk][source] = calls
    types = list(CfsCallType.objects.filter(pk__in=list(by_source)).select_related("category"))
    totals = {
        call_type.pk: (
            sum(by_source[call_type.pk].values()),
            sum(
                calls
                for source, calls in by_source[call_type.pk].items()
                if is_public_generated(source, call_type.officer_initiated)
            ),
        )
        for call_type in types
    }
    grand = sum(public for _calls, public in totals.values())
    rows = []
    for call_type in types:
        calls, public = totals[call_type.pk]
        rows.append(
            {
                "call_type": call_type,
                "label": call_type.label,
                "category": call_type.category.name if call_type.category else "",
                "divertibility": call_type.divertibility,
                "reviewed": call_type.reviewed,
                "calls": calls,
                "public_calls": public,
                "officer_calls": calls - public,
                "officer_initiated": public == 0,
                "share": share(public, grand) if public else None,
            }
        )
    rows.sort(key=lambda row: (-row["calls"], row["label"]))
    return rows


def cfs_divertibility_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> SplitRow:
    row = SplitRow(label=dataset.name)
    for divertibility, calls in _public_split(_periods(dataset, areas, boundary)):
        row.split[divertibility] += calls
    return row


def cfs_category_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> list[SplitRow]:
    """Calls per category split by divertibility, largest first; uncategorised last."""
    rows: dict[object, SplitRow] = {}
    for category_id, name, divertibility, calls in _public_split(
        _periods(dataset, areas, boundary), "call_type__category_id", "call_type__category__name"
    ):
        row = rows.setdefault(category_id, SplitRow(label=name or "", key=category_id))
        row.split[divertibility] += calls
    return sorted(rows.values(), key=lambda row: (row.key is None, -row.total, row.label))


def cfs_heatmap(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> dict[str, list[list[int]]]:
    """Calls per weekday (rows, Monday first) and hour (columns), for each divertibility."""
    grid = {value: [[0] * 24 for _ in WEEKDAYS] for value in DIVERTIBILITY_ORDER}
    for weekday, hour, divertibility, calls in _public_split(
        _slots(dataset, areas, boundary), "weekday", "hour"
    ):
        grid[divertibility][weekday][hour] += calls
    return grid


def cfs_area_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> list[SplitRow]:
    rows: dict[str, SplitRow] = {}
    for area, divertibility, calls in _public_split(_slots(dataset, areas, boundary), "area"):
        rows.setdefault(area, SplitRow(label=area, key=area)).split[divertibility] += calls
    return sorted(rows.values(), key=lambda row: (row.key == UNKNOWN_AREA, -row.total, row.label))


def cfs_priority_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> list[SplitRow]:
    rows: dict[str, SplitRow] = {}
    for priority, divertibility, calls in _public_split(_periods(dataset, areas, boundary), "priority"):
        rows.setdefault(priority, SplitRow(label=priority, key=priority)).split[divertibility] += calls
    return sorted(rows.values(), key=lambda row: (row.key == "", _natural(row.label)))


def _natural(value: str) -> tuple:
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def cfs_month_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> list[SplitRow]:
    rows: dict[date, SplitRow] = {}
    for month, divertibility, calls in _public_split(_periods(dataset, areas, boundary), "month"):
        rows.setdefault(month, SplitRow(label=date_format(month, "YEAR_MONTH_FORMAT"), key=month)).split[
            divertibility
        ] += calls
    return [rows[month] for month in sorted(rows)]


# A dataset shorter than this is drawn day by day: one or two monthly points make no trend.
DAILY_TREND_UNDER = timedelta(days=92)


def cfs_day_totals(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> list[SplitRow]:
    """Calls per local day and divertibility, every day of the span (days without calls as 0).

    Read from the calls themselves: only asked of short datasets (`DAILY_TREND_UNDER`)."""
    zone = ZoneInfo(dataset.timezone)
    rows: dict[date, SplitRow] = {}
    extra = ("call_type__divertibility", "source_kind", "call_type__officer_initiated")
    for day, divertibility, source, officer_type, calls in (
        _calls_in_areas(dataset, areas)
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values("day", *extra)
        .annotate(n=Count("line"))
        .values_list("day", *extra, "n")
    ):
        if is_public_generated(source, officer_type):  # shares of public-generated calls, as monthly
            rows.setdefault(day, SplitRow(label="", key=day)).split[divertibility] += calls
    if not rows:
        return []
    first, last = min(rows), max(rows)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    out = [rows.get(day) or SplitRow(label="", key=day) for day in days]
    for row in out:
        row.label = date_format(row.key, "SHORT_DATE_FORMAT")
    return out


def _calls_in_areas(dataset: CfsDataset, areas: Sequence[str] | None) -> QuerySet:
    calls = CfsCall.objects.filter(dataset=dataset)
    return calls if areas is None else calls.filter(area__in=list(areas))


def cfs_trend(
    *, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None
) -> tuple[str, list[SplitRow]]:
    """The trend the analysis draws: ("day", rows) for a short dataset, else ("month", rows)."""
    dates = dataset_dates(dataset)
    # Inside a boundary only months are aggregated: a boundary's trend is drawn by month.
    if boundary is None and dates is not None and dates[1] - dates[0] < DAILY_TREND_UNDER:
        return "day", cfs_day_totals(dataset=dataset, areas=areas)
    return "month", cfs_month_totals(dataset=dataset, areas=areas, boundary=boundary)


def cfs_areas(*, dataset: CfsDataset) -> list[str]:
    return sorted(
        CfsSlotCount.objects.filter(dataset=dataset).values_list("area", flat=True).distinct(),
        key=lambda area: (area == UNKNOWN_AREA, _natural(area)),
    )


# --------------------------------------------------------------------------------------------
# Coverage planner


def dataset_dates(dataset: CfsDataset) -> tuple[date, date] | None:
    """First and last local dates of the dataset's calls."""
    if dataset.first_received_at is None or dataset.last_received_at is None:
        return None
    zone = ZoneInfo(dataset.timezone)
    return dataset.first_received_at.astimezone(zone).date(), dataset.last_received_at.astimezone(zone).date()


def weekday_occurrences(first: date, last: date) -> list[int]:
    """How many Mondays, Tuesdays... lie between two dates, both included."""
    counts = [0] * 7
    days = (last - first).days + 1
    full_weeks, rest = divmod(days, 7)
    for weekday in WEEKDAYS:
        counts[weekday] = full_weeks
    for offset in range(rest):
        counts[(first + timedelta(days=full_weeks * 7 + offset)).weekday()] += 1
    return counts


@dataclass
class Coverage:
    days: list[int]
    hours: list[int]
    areas: list[str] | None  # None: every area
    minutes_per_call: int
    totals: dict[str, int]
    covered: dict[str, int]
    shifts: int
    peak_calls_per_hour: float
    peak_slot: tuple[int, int] | None

    @property
    def divertible_share(self) -> float:
        return share(self.covered[Divertibility.DIVERTIBLE], self.totals[Divertibility.DIVERTIBLE])

    @property
    def maybe_share(self) -> float:
        return share(self.covered[Divertibility.MAYBE], self.totals[Divertibility.MAYBE])

    @property
    def all_share(self) -> float:
        return share(sum(self.covered.values()), sum(self.totals.values()))

    def per_shift(self, divertibility: str) -> float:
        return self.covered[divertibility] / self.shifts if self.shifts else 0.0

    @property
    def divertible_per_shift(self) -> float:
        return self.per_shift(Divertibility.DIVERTIBLE)

    @property
    def maybe_per_shift(self) -> float:
        return self.per_shift(Divertibility.MAYBE)

    @property
    def divertible_per_hour(self) -> float:
        return self.divertible_per_shift / len(self.hours) if self.hours else 0.0

    @property
    def responder_hours_per_shift(self) -> float:
        """Team time the divertible calls of one shift take, at the given minutes per call."""
        return self.divertible_per_shift * self.minutes_per_call / 60

    @property
    def teams_at_peak(self) -> int:
        """Teams busy at once in the busiest hour of the window (offered load, rounded up)."""
        return (
            math.ceil(self.peak_calls_per_hour * self.minutes_per_call / 60)
            if self.peak_calls_per_hour
            else 0
        )


def cfs_coverage(
    *,
    dataset: CfsDataset,
    days: list[int],
    hours: list[int],
    areas: list[str] | None = None,
    minutes_per_call: int = 45,
    pilot_areas: Sequence[str] | None = None,
    boundary=None,
) -> Coverage:
    """What a responder window (weekdays x hours, in some areas) would have covered.

    A shift is one selected weekday's selected hours; `shifts` counts them over the dataset's
    dates, so expected calls per shift = covered calls / shifts.
    """
    days = sorted({int(day) for day in days if 0 <= int(day) <= 6})
    hours = sorted({int(hour) for hour in hours if 0 <= int(hour) <= 23})
    # The pilot-area filter (`pilot_areas`, `boundary`) narrows both the totals and the window.
    totals = cfs_divertibility_totals(dataset=dataset, areas=pilot_areas, boundary=boundary).split
    covered = _empty_split()
    window_areas = areas
    if pilot_areas is not None:
        window_areas = list(pilot_areas) if areas is None else [area for area in areas if area in pilot_areas]
    window = _slots(dataset, window_areas, boundary).filter(weekday__in=days, hour__in=hours)
    per_slot: dict[tuple[int, int], int] = defaultdict(int)
    for weekday, hour, divertibility, calls in _public_split(window, "weekday", "hour"):
        covered[divertibility] += calls
        if divertibility == Divertibility.DIVERTIBLE:
            per_slot[(weekday, hour)] += calls
    dates = dataset_dates(dataset)
    occurrences = weekday_occurrences(*dates) if dates else [0] * 7
    shifts = sum(occurrences[day] for day in days)
    peak_rate, peak_slot = 0.0, None
    for (weekday, hour), calls in per_slot.items():
        rate = calls / occurrences[weekday] if occurrences[weekday] else 0.0
        if rate > peak_rate:
            peak_rate, peak_slot = rate, (weekday, hour)
    return Coverage(
        days=days,
        hours=hours,
        areas=areas,
        minutes_per_call=minutes_per_call,
        totals=totals,
        covered=covered,
        shifts=shifts,
        peak_calls_per_hour=peak_rate,
        peak_slot=peak_slot,
    )


# --------------------------------------------------------------------------------------------
# The pilot's own contacts


@dataclass
class PilotPattern:
    available: bool
    contacts: int = 0
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    by_weekday: list[int] = field(default_factory=lambda: [0] * 7)


def pilot_contacts() -> PilotPattern:
    """The hotline's contacts by local hour and weekday, if the hotline app records them."""
    try:
        intake_model = apps.get_model("hotline", "Intake")
        intake_model._meta.get_field("created_at")
    except (LookupError, FieldDoesNotExist):
        return PilotPattern(available=False)
    zone = ZoneInfo(settings.TIME_ZONE)
    pattern = PilotPattern(available=True)
    try:
        with transaction.atomic():
            rows = list(
                intake_model.objects.annotate(
                    hour=ExtractHour("created_at", tzinfo=zone),
                    weekday=ExtractIsoWeekDay("created_at", tzinfo=zone),
                )
                .values("hour", "weekday")
                .annotate(n=Count("pk"))
                .values_list("hour", "weekday", "n")
            )
    except DatabaseError:  # the hotline tables are not migrated yet
        logger.warning("hotline intakes could not be read for the 911 analysis", exc_info=True)
        return PilotPattern(available=False)
    for hour, weekday, count in rows:
        pattern.by_hour[hour] += count
        pattern.by_weekday[weekday - 1] += count
        pattern.contacts += count
    return pattern


# --------------------------------------------------------------------------------------------
# The page


def cfs_analysis(*, dataset: CfsDataset, areas: Sequence[str] | None = None, boundary=None) -> dict:
    """Everything the analysis page shows, from the pre-aggregated tables, for the calls in
    `areas` (None: all) and inside `boundary` (a CfsBoundary already aggregated; None: all)."""
    call_types = cfs_call_type_totals(dataset=dataset, areas=areas, boundary=boundary)
    summary = SplitRow(label=dataset.name)  # public-generated calls
    officer_initiated = SplitRow(label=dataset.name)
    officer_types = 0
    unreviewed_calls = 0
    unreviewed_types = 0
    for row in call_types:
        summary.split[row["divertibility"]] += row["public_calls"]
        officer_initiated.split[row["divertibility"]] += row["officer_calls"]
        if row["officer_calls"]:
            officer_types += 1
        if not row["reviewed"]:
            unreviewed_calls += row["calls"]
            unreviewed_types += 1
    heatmap = cfs_heatmap(dataset=dataset, areas=areas, boundary=boundary)
    divertible_by_hour = [
        sum(heatmap[Divertibility.DIVERTIBLE][day][hour] for day in WEEKDAYS) for hour in HOURS
    ]
    maybe_by_hour = [sum(heatmap[Divertibility.MAYBE][day][hour] for day in WEEKDAYS) for hour in HOURS]
    all_by_hour = [
        sum(heatmap[value][day][hour] for value in DIVERTIBILITY_ORDER for day in WEEKDAYS) for hour in HOURS
    ]
    divertible_by_weekday = [sum(heatmap[Divertibility.DIVERTIBLE][day]) for day in WEEKDAYS]
    trend_by, trend = cfs_trend(dataset=dataset, areas=areas, boundary=boundary)
    return {
        "summary": summary,
        "officer_initiated": officer_initiated.total,
        "officer_initiated_types": officer_types,
        "all_calls": summary.total + officer_initiated.total,
        # Public-generated calls with a category and a divertibility (suggested or reviewed).
        "classified_share": share(summary.total - summary.unclassified, summary.total),
        "call_types": call_types,
        "unreviewed_calls": unreviewed_calls,
        "unreviewed_types": unreviewed_types,
        "categories": cfs_category_totals(dataset=dataset, areas=areas, boundary=boundary),
        "heatmap": heatmap,
        "divertible_by_hour": divertible_by_hour,
        "maybe_by_hour": maybe_by_hour,
        "all_by_hour": all_by_hour,
        "divertible_by_weekday": divertible_by_weekday,
        "areas": cfs_area_totals(dataset=dataset, areas=areas, boundary=boundary),
        "priorities": cfs_priority_totals(dataset=dataset, areas=areas, boundary=boundary),
        "trend_by": trend_by,
        "trend": trend,
        "dates": dataset_dates(dataset),
    }
