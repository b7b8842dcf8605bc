"""Counts, medians and 90th percentiles of durations: the figures behind every "time to"
on the dashboard (answer, callback, response steps).

`aggregate` and `stats_by` compute them in one query on PostgreSQL (percentile_cont) and from
the fetched column of seconds elsewhere (SQLite in development); `answering`, `sources` and
`response_times` call them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from assessment.pilot import db
from assessment.pilot.db import PercentilesCont, percentiles_of

FRACTIONS = (0.5, 0.9)


@dataclass(frozen=True)
class Stats:
    """Count, median and 90th percentile of a duration in seconds (None when count is 0)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def duration_aggregates(name: str, expression, condition: Q | None) -> dict:
    """PostgreSQL: the count and percentiles of a duration, for `stats_of`."""
    return {
        f"{name}__count": Count(expression, filter=condition),
        f"{name}__percentiles": PercentilesCont(expression, FRACTIONS, filter=condition),
    }


def stats_of(row: dict, name: str) -> Stats:
    return Stats(row[f"{name}__count"], *(row[f"{name}__percentiles"] or (None,) * len(FRACTIONS)))


def aggregate(
    queryset: QuerySet,
    *,
    counts: dict[str, Count] | None = None,
    durations: dict[str, tuple[object, Q | None]] | None = None,
) -> tuple[dict, dict[str, Stats]]:
    """Counts, and the median and 90th percentile of durations (seconds), over one queryset.

    `durations` maps a name to (seconds expression, filter or None); NULL durations are left
    out. On PostgreSQL everything is one query (percentile_cont). Elsewhere the counts are one
    query and each duration's column of values is fetched and interpolated the same way.
    """
    counts, durations = counts or {}, durations or {}
    annotated = queryset.annotate(**{f"_{name}": expr for name, (expr, _q) in durations.items()})
    if db.database_percentiles():
        aggregates = dict(counts)
        for name, (_expr, condition) in durations.items():
            aggregates.update(duration_aggregates(name, f"_{name}", condition))
        row = annotated.aggregate(**aggregates)
        return {name: row[name] for name in counts}, {name: stats_of(row, name) for name in durations}
    row = queryset.aggregate(**counts) if counts else {}
    stats = {}
    for name, (_expr, condition) in durations.items():
        rows = annotated.filter(condition) if condition is not None else annotated
        values = [value for value in rows.values_list(f"_{name}", flat=True) if value is not None]
        stats[name] = Stats(len(values), *percentiles_of(values, FRACTIONS))
    return row, stats


def stats_by(queryset: QuerySet, *, group: str, seconds) -> dict[object, Stats]:
    """Count, median and 90th percentile of `seconds` (NULLs left out) per value of the column
    `group`, in one query: grouped by PostgreSQL, else from the fetched pairs."""
    annotated = queryset.annotate(_group=F(group), _seconds=seconds).order_by()
    if db.database_percentiles():
        rows = (
            annotated.values_list("_group")
            .annotate(**duration_aggregates("seconds", "_seconds", Q(_seconds__isnull=False)))
            .values_list("_group", "seconds__count", "seconds__percentiles")
        )
        return {key: Stats(n, *(values or (None,) * len(FRACTIONS))) for key, n, values in rows}
    values_by: dict[object, list[float]] = {}
    for key, value in annotated.filter(_seconds__isnull=False).values_list("_group", "_seconds"):
        values_by.setdefault(key, []).append(value)
    return {key: Stats(len(values), *percentiles_of(values, FRACTIONS)) for key, values in values_by.items()}
