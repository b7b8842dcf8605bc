"""Time on scene and unit-hours of a call, from its dispatch, arrival and clear times.

Both import paths compute the same: the Python path calls `scene_seconds` per row
(`parsing.rows.RowNormalizer`); the PostgreSQL fast path computes it in SQL for canonical values
("YYYY-MM-DD HH:MM:SS", "HH:MM[:SS]") and leaves files with any other value to the Python path
(`fastload.statement.scene_sql`); the differential tests compare the two.

- Time on scene = clear - arrival, or clear - dispatch when the call has no arrival time.
- A column may hold full date-times, or times of day alone (Los Angeles writes the date once):
  a time of day takes the received date, and the next day when it falls more than 12 hours
  before the moment before it in the chain received -> dispatched -> arrived -> cleared (a call
  that runs past midnight; a few minutes before is a recording error, kept negative and dropped).
- Negative durations and durations over `MAX_SCENE_SECONDS` (24 h) are dropped and counted.
- A call is one unit unless the file has a units column (`units`).

`BUCKET_UPPER_SECONDS` are the duration buckets of `CfsSceneTimeCount`; the selectors
interpolate medians in them (`assessment.scene_selectors`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from assessment.cfs.parsing.times import TimeParser, time_of_day

MAX_SCENE_SECONDS = 24 * 3600
MAX_UNITS = 99
ROLLOVER = timedelta(hours=12)

# Upper bounds (seconds, exclusive) of the duration buckets: by the minute to 30 minutes, by
# 5 minutes to 2 hours, by 15 minutes to 6 hours, by the hour to 24 hours.
BUCKET_UPPER_SECONDS: tuple[int, ...] = (
    *(60 * m for m in range(1, 31)),
    *(60 * m for m in range(35, 121, 5)),
    *(60 * m for m in range(135, 361, 15)),
    *(3600 * h for h in range(7, 25)),
)
BUCKET_UPPER_SECONDS = (*BUCKET_UPPER_SECONDS[:-1], MAX_SCENE_SECONDS + 1)  # 24 h itself is kept

# Outcomes of `scene_seconds` besides a duration.
MISSING, NEGATIVE, TOO_LONG = "missing", "negative", "too_long"


def bucket_of(seconds: int) -> int:
    """The index of the bucket a duration falls in."""
    low, high = 0, len(BUCKET_UPPER_SECONDS) - 1
    while low < high:
        middle = (low + high) // 2
        if seconds < BUCKET_UPPER_SECONDS[middle]:
            high = middle
        else:
            low = middle + 1
    return low


def bucket_sql(column: str, *, postgres: bool = True) -> str:
    """The same as `bucket_of` in SQL: PostgreSQL's width_bucket (a binary search over the
    bounds), or a CASE for SQLite."""
    if postgres:
        return f"width_bucket({column}, ARRAY[{', '.join(map(str, BUCKET_UPPER_SECONDS))}])"
    whens = " ".join(
        f"WHEN {column} < {upper} THEN {index}" for index, upper in enumerate(BUCKET_UPPER_SECONDS)
    )
    return f"CASE {whens} ELSE {len(BUCKET_UPPER_SECONDS) - 1} END"


def bucket_bounds(index: int) -> tuple[int, int]:
    low = BUCKET_UPPER_SECONDS[index - 1] if index else 0
    return low, BUCKET_UPPER_SECONDS[index]


class SceneClock:
    """Reads one file's dispatch, arrival and clear values (date-times or times of day)."""

    def __init__(self) -> None:
        self._parser = TimeParser()

    def moment(self, value: str, *, day: datetime, after: datetime) -> datetime | None:
        """The moment a value names: a date-time as written, or a time of day on `day`'s
        date (the next day when it falls more than 12 hours before `after`)."""
        value = value.strip()
        if not value:
            return None
        clock = time_of_day(value)
        if clock is not None:
            moment = datetime.combine(day.date(), clock)
            while moment < after - ROLLOVER:
                moment += timedelta(days=1)
            return moment
        parsed = self._parser.parse(value)
        if parsed is None:
            return None
        return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed

    def scene_seconds(
        self, received: datetime, dispatched: str, arrived: str, cleared: str, *, zone=None
    ) -> int | str:
        """Seconds on scene, or MISSING / NEGATIVE / TOO_LONG."""
        if not cleared.strip():
            return MISSING
        anchor = received
        start_dispatch = self._local(self.moment(dispatched, day=received, after=anchor), zone)
        if start_dispatch is not None:
            anchor = start_dispatch
        start_arrival = self._local(self.moment(arrived, day=received, after=anchor), zone)
        if start_arrival is not None:
            anchor = start_arrival
        start = start_arrival or start_dispatch
        if start is None:
            return MISSING
        end = self._local(self.moment(cleared, day=received, after=anchor), zone)
        if end is None:
            return MISSING
        seconds = (end - start).total_seconds()
        if seconds < 0:
            return NEGATIVE
        if seconds > MAX_SCENE_SECONDS:
            return TOO_LONG
        return int(seconds)

    @staticmethod
    def _local(moment: datetime | None, zone) -> datetime | None:
        if moment is None or moment.tzinfo is None:
            return moment
        return (
            moment.astimezone(zone).replace(tzinfo=None) if zone is not None else moment.replace(tzinfo=None)
        )


def units(value: str) -> int | None:
    """Units sent to a call from a units column ('' or unreadable: None, counted as one)."""
    value = value.strip(" \t")
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_UNITS else None
