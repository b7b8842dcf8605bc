"""Database expressions the pilot metrics need, on PostgreSQL and (for development) SQLite.

Percentiles are computed by PostgreSQL (`percentile_cont`); SQLite has no such aggregate, so
there the caller fetches the one column of values and interpolates the same way in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.db import connection
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F, FloatField, Func


def database_percentiles() -> bool:
    """True when the database computes percentiles itself (PostgreSQL)."""
    return connection.vendor == "postgresql"


def elapsed(end, start) -> ExpressionWrapper:
    """The time between two datetime expressions (or field names), as a duration."""
    end = F(end) if isinstance(end, str) else end
    start = F(start) if isinstance(start, str) else start
    return ExpressionWrapper(end - start, output_field=DurationField())


class Seconds(Func):
    """A duration expression in seconds (a float)."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::double precision"
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django computes a SQLite duration as whole microseconds (django_timestamp_diff).
        return self.as_sql(compiler, connection, template="(%(expressions)s / 1000000.0)")


def seconds_between(end, start) -> Seconds:
    return Seconds(elapsed(end, start))


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: `percentile_cont(f) WITHIN GROUP (ORDER BY x)`."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie between 0 and 1")
        # A float we format ourselves, never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """The same interpolation as percentile_cont, on values sorted ascending."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def percentiles_of(values: Iterable[float | None], fractions: Iterable[float]) -> list[float | None]:
    present = sorted(value for value in values if value is not None)
    return [percentile(present, fraction) for fraction in fractions]
