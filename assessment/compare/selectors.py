"""Before and after: two datasets of one city (a baseline year and the pilot period) compared.

The figure compared is divertible public-generated calls per day: each dataset's count divided
by its own number of days (first to last local date, both included), so a year and a three-month
pilot compare. Shown in total, by local hour and by call type, with the change (absolute and %).

Read from the pre-aggregated `CfsSlotCount` only (call type x weekday x hour x area x source),
never the calls, so two datasets of millions of calls compare in a few hundred milliseconds. The
call types belong to the city, so both datasets are classified by the same, current, decisions.
`areas` (None: every area) restricts both datasets to calls in those areas; `boundaries` (a
counted CfsBoundary of each dataset with the same polygons, assessment.map_jobs) to the calls
inside it, read from their `CfsBoundarySlotCount`, the same shape.

Refused (`ComparisonError`): datasets of two cities, one dataset twice, a dataset without calls.
Flagged (`Comparison.warnings`), because the numbers would mislead: periods that overlap, a
baseline later than the pilot, a dataset whose public-generated calls are mostly unclassified,
a dataset with no calls in the chosen areas, a very short period, one dataset with a call-source
column and the other without, public-generated volumes per day more than 3x apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from assessment.cfs import presets
from assessment.map_models import CfsBoundary
from assessment.models import CfsCallType, CfsDataset, Divertibility
from assessment.selectors import HOURS, _public_split, _slots, dataset_dates

# Above this share of unclassified public-generated calls, "divertible" says little.
UNCLASSIFIED_WARNING = 0.5
# Fewer days than this: a few busy days or one weekday too many weigh on calls per day.
SHORT_PERIOD_DAYS = 28
# Public-generated calls per day more than this many times apart: likely not the same extract.
VOLUME_RATIO_WARNING = 3.0


class ComparisonError(ValueError):
    """The two datasets cannot be compared (the message says why, for the reader)."""


@dataclass
class Change:
    """A figure per day in both datasets and its change."""

    baseline: float
    pilot: float

    @property
    def change(self) -> float:
        return self.pilot - self.baseline

    @property
    def change_share(self) -> float | None:
        """The change as a fraction of the baseline; None when the baseline is 0."""
        return self.change / self.baseline if self.baseline else None


@dataclass
class ChangeRow(Change):
    label: str = ""
    key: object = None
    baseline_calls: int = 0
    pilot_calls: int = 0


@dataclass
class DatasetFigures:
    """One side of the comparison."""

    dataset: CfsDataset
    first: date
    last: date
    days: int
    public_calls: int = 0
    divertible_calls: int = 0
    unclassified_calls: int = 0
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    by_type: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def unclassified_share(self) -> float:
        return self.unclassified_calls / self.public_calls if self.public_calls else 0.0

    def per_day(self, calls: int) -> float:
        return calls / self.days


@dataclass
class Comparison:
    baseline: DatasetFigures
    pilot: DatasetFigures
    areas: list[str] | None
    boundary_name: str | None
    divertible: Change
    public: Change
    by_hour: list[ChangeRow]
    by_type: list[ChangeRow]
    warnings: list[str]


def check_comparable(baseline: CfsDataset, pilot: CfsDataset) -> None:
    """Raise `ComparisonError` when the pair cannot be compared at all."""
    if baseline.pk == pilot.pk:
        raise ComparisonError(_("Choose two different datasets: the same dataset was chosen twice."))
    if baseline.city_id != pilot.city_id:
        raise ComparisonError(
            _(
                "%(baseline)s is a dataset of %(city_a)s and %(pilot)s of %(city_b)s: compare two datasets of one city."
            )
            % {"baseline": baseline.name, "city_a": baseline.city, "pilot": pilot.name, "city_b": pilot.city}
        )
    for dataset in (baseline, pilot):
        if not dataset.row_count or dataset_dates(dataset) is None:
            raise ComparisonError(
                _("%(name)s holds no calls: there is nothing to compare.") % {"name": dataset.name}
            )


def _figures(
    dataset: CfsDataset, areas: Sequence[str] | None, boundary: CfsBoundary | None
) -> DatasetFigures:
    first, last = dataset_dates(dataset)
    figures = DatasetFigures(dataset=dataset, first=first, last=last, days=(last - first).days + 1)
    slots = _slots(dataset, areas, boundary)
    for hour, type_id, divertibility, calls in _public_split(slots, "hour", "call_type_id"):
        figures.public_calls += calls
        if divertibility == Divertibility.UNCLASSIFIED:
            figures.unclassified_calls += calls
        elif divertibility == Divertibility.DIVERTIBLE:
            figures.divertible_calls += calls
            figures.by_hour[hour] += calls
            figures.by_type[type_id] += calls
    return figures


def _change_row(
    label: str, key, baseline: DatasetFigures, pilot: DatasetFigures, a: int, b: int
) -> ChangeRow:
    return ChangeRow(
        baseline=baseline.per_day(a),
        pilot=pilot.per_day(b),
        label=label,
        key=key,
        baseline_calls=a,
        pilot_calls=b,
    )


def _warnings(
    baseline: DatasetFigures, pilot: DatasetFigures, areas: Sequence[str] | None, boundary_name: str | None
) -> list[str]:
    warnings = []
    if baseline.first <= pilot.last and pilot.first <= baseline.last:
        warnings.append(
            _(
                "The periods overlap (%(b_first)s–%(b_last)s and %(p_first)s–%(p_last)s): some days are in both."
            )
            % {
                "b_first": baseline.first,
                "b_last": baseline.last,
                "p_first": pilot.first,
                "p_last": pilot.last,
            }
        )
    elif baseline.first > pilot.last:
        warnings.append(_("The baseline comes after the pilot period: are the two the right way round?"))
    for side in (baseline, pilot):
        name = side.dataset.name
        if boundary_name is not None and not side.public_calls:
            warnings.append(
                _("%(name)s has no public-generated calls inside the boundary %(boundary)s.")
                % {"name": name, "boundary": boundary_name}
            )
        elif areas is not None and not side.public_calls:
            warnings.append(_("%(name)s has no public-generated calls in the chosen areas.") % {"name": name})
        elif side.unclassified_share > UNCLASSIFIED_WARNING:
            warnings.append(
                _(
                    "%(share)d %% of the public-generated calls of %(name)s are not classified: its divertible "
                    "calls are undercounted. Classify its call types first."
                )
                % {"share": round(side.unclassified_share * 100), "name": name}
            )
        if side.days < SHORT_PERIOD_DAYS:
            warnings.append(
                _("%(name)s covers only %(days)d days: a few unusual days weigh on its calls per day.")
                % {"name": name, "days": side.days}
            )
    sourced = [bool(side.dataset.column_mapping.get(presets.SOURCE)) for side in (baseline, pilot)]
    if sourced[0] != sourced[1]:
        warnings.append(
            _(
                "Only one of the datasets has a call-source column: officer-initiated calls are told apart "
                "differently in each (by the column, or by the call type)."
            )
        )
    low, high = sorted(side.per_day(side.public_calls) for side in (baseline, pilot))
    if low and high / low > VOLUME_RATIO_WARNING:
        warnings.append(
            _(
                "Public-generated calls per day differ more than %(ratio)d times between the datasets: "
                "are both exports of the same calls (same area, same call sources)?"
            )
            % {"ratio": VOLUME_RATIO_WARNING}
        )
    return warnings


def cfs_comparison(
    *,
    baseline: CfsDataset,
    pilot: CfsDataset,
    areas: Sequence[str] | None = None,
    boundaries: tuple[CfsBoundary, CfsBoundary] | None = None,
) -> Comparison:
    """Divertible public-generated calls per day in `baseline` and `pilot`, in total, by hour and
    by call type, with the change. `boundaries`: the counted boundary of each dataset, in that
    order (the same polygons). Raises `ComparisonError` for a pair that cannot be compared."""
    check_comparable(baseline, pilot)
    areas = None if areas is None else list(areas)
    boundary_name = None
    if boundaries is not None:
        for boundary, dataset in zip(boundaries, (baseline, pilot), strict=True):
            if boundary.dataset_id != dataset.pk or not boundary.is_counted:
                raise ComparisonError(
                    _("The boundary %(name)s is not counted for %(dataset)s yet.")
                    % {"name": boundary.name, "dataset": dataset.name}
                )
        boundary_name = boundaries[0].name
    before = _figures(baseline, areas, boundaries[0] if boundaries else None)
    after = _figures(pilot, areas, boundaries[1] if boundaries else None)
    by_hour = [
        _change_row(f"{hour:02d}:00", hour, before, after, before.by_hour[hour], after.by_hour[hour])
        for hour in HOURS
    ]
    type_ids = set(before.by_type) | set(after.by_type)
    labels = {call_type.pk: call_type.label for call_type in CfsCallType.objects.filter(pk__in=type_ids)}
    by_type = [
        _change_row(
            labels.get(pk, ""), pk, before, after, before.by_type.get(pk, 0), after.by_type.get(pk, 0)
        )
        for pk in type_ids
    ]
    by_type.sort(key=lambda row: (-max(row.baseline, row.pilot), row.label))
    return Comparison(
        baseline=before,
        pilot=after,
        areas=areas,
        boundary_name=boundary_name,
        divertible=Change(before.per_day(before.divertible_calls), after.per_day(after.divertible_calls)),
        public=Change(before.per_day(before.public_calls), after.per_day(after.public_calls)),
        by_hour=by_hour,
        by_type=by_type,
        warnings=_warnings(before, after, areas, boundary_name),
    )


def comparison_csv_rows(comparison: Comparison) -> list[list]:
    """The comparison as a table: one row per figure (total, each hour, each call type)."""
    rows: list[list] = [
        [
            _("section"),
            _("item"),
            _("baseline calls"),
            _("baseline calls per day"),
            _("pilot calls"),
            _("pilot calls per day"),
            _("change per day"),
            _("change %"),
        ]
    ]

    def line(section: str, item: str, change: Change, a: int, b: int) -> list:
        share = change.change_share
        return [
            section,
            item,
            a,
            round(change.baseline, 3),
            b,
            round(change.pilot, 3),
            round(change.change, 3),
            "" if share is None else round(share * 100, 1),
        ]

    before, after = comparison.baseline, comparison.pilot
    rows.append(
        line(
            _("total"),
            _("divertible"),
            comparison.divertible,
            before.divertible_calls,
            after.divertible_calls,
        )
    )
    rows.append(
        line(_("total"), _("public-generated"), comparison.public, before.public_calls, after.public_calls)
    )
    for row in comparison.by_hour:
        rows.append(line(_("hour"), row.label, row, row.baseline_calls, row.pilot_calls))
    for row in comparison.by_type:
        rows.append(line(_("call type"), row.label, row, row.baseline_calls, row.pilot_calls))
    rows.append([])
    for side, dataset_label in ((before, _("baseline")), (after, _("pilot"))):
        rows.append(
            [dataset_label, side.dataset.name, side.first.isoformat(), side.last.isoformat(), side.days]
        )
    if comparison.areas is not None:
        rows.append([_("areas"), ", ".join(comparison.areas)])
    if comparison.boundary_name is not None:
        rows.append([_("boundary"), comparison.boundary_name])
    for warning in comparison.warnings:
        rows.append([_("warning"), warning])
    return rows
