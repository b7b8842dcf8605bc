"""Database expressions the pilot metrics need, on PostgreSQL and (for development) SQLite.

Percentiles are computed by PostgreSQL (`percentile_cont` over an array of fractions: one sort
gives them all); SQLite has no such aggregate, so there the caller fetches the one column of
values and interpolates the same way in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Aggregate,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Field,
    FloatField,
    Func,
)


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
        # date_part gives a float directly; EXTRACT would go through numeric, much slower.
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)")

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django computes a SQLite duration as whole microseconds (django_timestamp_diff).
        return self.as_sql(compiler, connection, template="(%(expressions)s / 1000000.0)")


def seconds_between(end, start) -> Seconds:
    return Seconds(elapsed(end, start))


class PercentilesCont(Aggregate):
    """PostgreSQL's continuous percentiles, several from one sort:
    `percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x)`, a list (NULLs when empty)."""

    function = "PERCENTILE_CONT"
    name = "PercentilesCont"
    output_field = Field()  # a list of floats, as the driver reads an array
    template = (
        "%(function)s(ARRAY[%(fractions)s]::double precision[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    )

    def __init__(self, expression, fractions: Iterable[float], **extra):
        fractions = [float(fraction) for fraction in fractions]
        if not fractions or not all(0 <= fraction <= 1 for fraction in fractions):
            raise ValueError("fractions must lie between 0 and 1")
        # Floats we format ourselves, never user input.
        super().__init__(expression, fractions=", ".join(repr(fraction) for fraction in fractions), **extra)


class TimeBucket(Func):
    """PostgreSQL: the start of the fixed-width stretch of absolute time a timestamp falls in
    (`date_bin`, no time zone involved, so much cheaper than converting every row to local time)."""

    function = "date_bin"
    output_field = DateTimeField()
    template = (
        "date_bin(INTERVAL '%(minutes)s minutes', %(expressions)s, TIMESTAMPTZ '2000-01-03 00:00:00+00')"
    )

    def __init__(self, expression, *, minutes: int, **extra):
        super().__init__(expression, minutes=int(minutes), **extra)


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
