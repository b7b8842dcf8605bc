"""Time on scene and police unit-hours per call type, from `CfsSceneTimeCount` (written at
import by `assessment.cfs.loader`: call type x area x call source x duration bucket, with the
seconds and unit-seconds summed), and the unit-hours a community team could absorb in the
coverage planner's window.

Means and unit-hours are exact; medians are interpolated inside the duration buckets of
`assessment.cfs.scene` (at most half a bucket off: 30 s below 30 minutes, 2.5 minutes below
2 hours). `areas` (None: every area) narrows every figure to some areas' names; a pilot-area
`boundary` reads the same counts of the calls inside it (`CfsBoundarySceneTimeCount`,
`CfsBoundarySlotCount`) instead of the dataset's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Sum

from assessment.cfs.scene import bucket_bounds
from assessment.map_models import CfsBoundary, CfsBoundarySceneTimeCount, CfsBoundarySlotCount
from assessment.models import CfsCallType, CfsDataset, CfsSceneTimeCount, CfsSlotCount, Divertibility
from assessment.selectors import is_public_generated


def median_of_buckets(counts: dict[int, int]) -> float | None:
    """The median duration (seconds) of calls counted per bucket, interpolated linearly."""
    total = sum(counts.values())
    if not total:
        return None
    half = total / 2
    seen = 0
    for bucket in sorted(counts):
        n = counts[bucket]
        if seen + n >= half:
            low, high = bucket_bounds(bucket)
            return low + (high - low) * ((half - seen) / n)
        seen += n
    return None


@dataclass
class SceneRow:
    call_type: CfsCallType
    calls: int = 0  # calls with a time on scene
    seconds: int = 0
    unit_seconds: int = 0
    buckets: dict[int, int] = field(default_factory=dict)

    @property
    def mean_minutes(self) -> float:
        return self.seconds / self.calls / 60 if self.calls else 0.0

    @property
    def median_minutes(self) -> float | None:
        median = median_of_buckets(self.buckets)
        return None if median is None else median / 60

    @property
    def unit_hours(self) -> float:
        return self.unit_seconds / 3600

    @property
    def unit_hours_per_call(self) -> float:
        return self.unit_seconds / self.calls / 3600 if self.calls else 0.0


@dataclass
class SceneTimes:
    rows: list[SceneRow]  # the call types with the most unit-hours
    report: dict  # CfsDataset.import_report["scene_time"]: timed, negative, too_long, units_column
    calls: int = 0  # calls with a time on scene, every call type
    unit_seconds: int = 0

    @property
    def available(self) -> bool:
        return bool(self.rows)

    @property
    def unit_hours(self) -> float:
        return self.unit_seconds / 3600

    @property
    def dropped(self) -> int:
        return self.report.get("negative", 0) + self.report.get("too_long", 0)

    @property
    def units_assumed(self) -> bool:
        return not self.report.get("units_column")


def _scene_table(dataset: CfsDataset, areas: Sequence[str] | None, boundary: CfsBoundary | None = None):
    if boundary is not None:
        queryset = CfsBoundarySceneTimeCount.objects.filter(boundary=boundary)
    else:
        queryset = CfsSceneTimeCount.objects.filter(dataset=dataset)
    return queryset if areas is None else queryset.filter(area__in=list(areas))


def scene_rows(
    *,
    dataset: CfsDataset,
    areas: Sequence[str] | None = None,
    boundary: CfsBoundary | None = None,
    limit: int | None = None,
    buckets: bool = False,
) -> dict[int, SceneRow]:
    """Time on scene of the dataset's call types (all sources), by call type id; with `limit`,
    the call types with the most unit-hours only; with `buckets`, their duration histograms too
    (for medians), read for those call types alone so that the rows fetched stay few."""
    table = _scene_table(dataset, areas, boundary)
    sums = sorted(
        table.values("call_type_id")
        .annotate(n=Sum("calls"), s=Sum("seconds"), u=Sum("unit_seconds"))
        .values_list("call_type_id", "n", "s", "u"),
        key=lambda item: (-item[3], item[0]),
    )
    if limit is not None:
        sums = sums[:limit]
    types = CfsCallType.objects.in_bulk([type_id for type_id, *_rest in sums])
    by_type = {
        type_id: SceneRow(call_type=types[type_id], calls=calls, seconds=seconds, unit_seconds=unit_seconds)
        for type_id, calls, seconds, unit_seconds in sums
    }
    if buckets and by_type:
        for type_id, bucket, calls in (
            table.filter(call_type_id__in=list(by_type))
            .values("call_type_id", "bucket")
            .annotate(n=Sum("calls"))
            .values_list("call_type_id", "bucket", "n")
        ):
            row = by_type[type_id]
            row.buckets[bucket] = row.buckets.get(bucket, 0) + calls
    return by_type


def cfs_scene_times(
    *,
    dataset: CfsDataset,
    areas: Sequence[str] | None = None,
    boundary: CfsBoundary | None = None,
    limit: int = 40,
) -> SceneTimes:
    """Per call type: median and mean time on scene and unit-hours, the most unit-hours first."""
    rows = sorted(
        scene_rows(dataset=dataset, areas=areas, boundary=boundary, limit=limit, buckets=True).values(),
        key=lambda row: (-row.unit_seconds, row.call_type.key),
    )
    totals = _scene_table(dataset, areas, boundary).aggregate(n=Sum("calls"), u=Sum("unit_seconds"))
    return SceneTimes(
        rows=rows,
        report=dataset.import_report.get("scene_time", {}),
        calls=totals["n"] or 0,
        unit_seconds=totals["u"] or 0,
    )


@dataclass
class Absorbable:
    """Police unit-hours of the divertible (and "maybe") public-generated calls in a window."""

    divertible_unit_hours: float = 0.0
    maybe_unit_hours: float = 0.0
    divertible_calls: int = 0
    untimed_calls: int = 0  # divertible calls of types with no time on scene (not counted)
    shifts: int = 0

    @property
    def per_shift(self) -> float:
        return self.divertible_unit_hours / self.shifts if self.shifts else 0.0


def cfs_absorbable_unit_hours(
    *,
    dataset: CfsDataset,
    days: list[int],
    hours: list[int],
    areas: Sequence[str] | None = None,
    boundary: CfsBoundary | None = None,
    shifts: int = 0,
) -> Absorbable | None:
    """Divertible public-generated calls of the window x their call type's mean police
    unit-hours on scene (over the same areas, inside `boundary` if given). None when the
    dataset (or the boundary) has no time on scene."""
    per_call = {
        type_id: row.unit_seconds / row.calls / 3600
        for type_id, row in scene_rows(dataset=dataset, areas=areas, boundary=boundary).items()
        if row.calls
    }
    if not per_call:
        return None
    if boundary is not None:
        window = CfsBoundarySlotCount.objects.filter(boundary=boundary, weekday__in=days, hour__in=hours)
    else:
        window = CfsSlotCount.objects.filter(dataset=dataset, weekday__in=days, hour__in=hours)
    if areas is not None:
        window = window.filter(area__in=list(areas))
    result = Absorbable(shifts=shifts)
    calls_by_type: dict[tuple[int, str], int] = defaultdict(int)
    for type_id, divertibility, source, officer_type, calls in (
        window.values(
            "call_type_id", "call_type__divertibility", "source_kind", "call_type__officer_initiated"
        )
        .annotate(n=Sum("calls"))
        .values_list(
            "call_type_id", "call_type__divertibility", "source_kind", "call_type__officer_initiated", "n"
        )
    ):
        if is_public_generated(source, officer_type):
            calls_by_type[(type_id, divertibility)] += calls
    for (type_id, divertibility), calls in calls_by_type.items():
        hours_each = per_call.get(type_id)
        if divertibility == Divertibility.DIVERTIBLE:
            result.divertible_calls += calls
            if hours_each is None:
                result.untimed_calls += calls
            else:
                result.divertible_unit_hours += calls * hours_each
        elif divertibility == Divertibility.MAYBE and hours_each is not None:
            result.maybe_unit_hours += calls * hours_each
    return result
