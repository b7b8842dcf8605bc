"""What the first rows of each column of an export look like: the evidence detection judges by.

`profile_columns` reads every column's non-blank values among the sampled rows and measures how
many read as date-times (and in which format), as dates alone (also dates whose written time is
always midnight), as times of day alone, as numbers, as latitudes or longitudes, as points, as
text, as call sources, and how many distinct values there are. `detection.detect_columns`, its
only caller, chooses the columns from these profiles.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from assessment.cfs import presets
from assessment.cfs.parsing.rows import parse_coordinate, parse_point
from assessment.cfs.parsing.sources import source_kind
from assessment.cfs.parsing.times import MAX_YEAR, MIN_YEAR, TimeParser, time_format_of, time_of_day

TIME_HINTS = ("time", "hour", "hhmm", "tm")

# With so few rows to judge from, every figure below is a share of the non-blank values.
FITS = 0.9
MOSTLY = 0.5


@dataclass
class ColumnProfile:
    """What the first rows of one column look like."""

    position: int
    header: str
    name: str  # normalised header
    values: list[str]
    distinct: int = 0
    datetime_share: float = 0.0  # date and time of day
    date_share: float = 0.0  # a date; its time, if written, always midnight
    time_share: float = 0.0  # a time of day alone
    midnight_only: bool = False
    time_format: str = ""
    number_share: float = 0.0
    decimal_share: float = 0.0  # numbers with a fractional part (coordinates)
    latitude_share: float = 0.0
    longitude_share: float = 0.0
    point_share: float = 0.0
    letter_share: float = 0.0
    space_share: float = 0.0
    source_share: float = 0.0
    mean_length: float = 0.0
    max_length: int = 0

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def distinct_share(self) -> float:
        return self.distinct / self.count if self.count else 0.0

    @property
    def repeats(self) -> bool:
        """Values recur, as categories do (identifiers and addresses mostly do not)."""
        if self.count < 5:
            return self.distinct >= 1
        return self.distinct <= max(2, 0.8 * self.count)

    @property
    def is_timelike(self) -> bool:
        return max(self.datetime_share, self.date_share, self.time_share) >= MOSTLY

    def hinted(self, hints: tuple[str, ...]) -> bool:
        """The header contains a hint (hints of one or two letters must be the whole header)."""
        return self.name in hints or any(len(hint) > 2 and hint in self.name for hint in hints)


def share_of(values: list[str], test) -> float:
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number else None  # NaN


def profile_columns(headers: list[str], sample: list[tuple[int, list[str]]]) -> list[ColumnProfile]:
    profiles = []
    for position, header in enumerate(headers):
        values = [
            row[position].strip() for _line, row in sample if position < len(row) and row[position].strip()
        ]
        profile = ColumnProfile(position, header, presets.normalize_header(header), values)
        profiles.append(profile)
        if not values:
            continue
        profile.distinct = len(set(values))
        parser = TimeParser()
        datetimes = dates = times = 0
        formats: Counter[str] = Counter()
        for value in values:
            parsed = parser.parse(value)
            if parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR:
                formats[time_format_of(value)] += 1
                if (parsed.hour, parsed.minute, parsed.second, parsed.microsecond) == (0, 0, 0, 0):
                    dates += 1
                else:
                    datetimes += 1
            elif time_of_day(value, military=profile.hinted(TIME_HINTS)) is not None:
                times += 1
        count = len(values)
        parsed_share = (datetimes + dates) / count
        if parsed_share >= MOSTLY and datetimes == 0:
            profile.date_share, profile.midnight_only = parsed_share, True
        elif parsed_share >= MOSTLY:
            profile.datetime_share = parsed_share
        profile.time_share = times / count
        profile.time_format = formats.most_common(1)[0][0] if formats else ""
        numbers = [number for number in map(_number, values) if number is not None]
        profile.number_share = len(numbers) / count
        profile.decimal_share = share_of(values, lambda v: "." in v and _number(v) is not None)
        profile.latitude_share = share_of(values, lambda v: parse_coordinate(v, 90) is not None and "." in v)
        profile.longitude_share = share_of(
            values, lambda v: parse_coordinate(v, 180) is not None and "." in v
        )
        profile.point_share = share_of(values, lambda v: parse_point(v)[0] is not None)
        profile.letter_share = share_of(values, lambda v: any(c.isalpha() for c in v))
        profile.space_share = share_of(values, lambda v: " " in v)
        profile.source_share = share_of(values, lambda v: source_kind(v) != "")
        lengths = [len(value) for value in values]
        profile.mean_length = sum(lengths) / count
        profile.max_length = max(lengths)
    return profiles
