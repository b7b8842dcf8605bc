"""Received times as exports write them: ISO, ArcGIS's slashed ISO, US month/day/year with or
without AM/PM, month names, compact digits, and a time of day alone (for files that keep the date
and the time in two columns).

`TimeParser` remembers the format that worked last, so that a million rows cost a million fast
calls, not a million strptime tries. Used by `rows.RowNormalizer`, the column checks of
`sniffing` and the PostgreSQL fast path (`assessment.cfs.fastload`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, tzinfo

from django.utils.translation import gettext_lazy

MIN_YEAR = 1970
MAX_YEAR = 2100


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _parse_slashed_iso(value: str) -> datetime:
    # ArcGIS exports: "2016/09/20 04:52:00+00"
    if value[4:5] != "/":
        raise ValueError(value)
    return datetime.fromisoformat(value.replace("/", "-", 2))


def _clock(text: str, meridiem: str) -> tuple[int, int, int, int]:
    parts = text.split(":")
    if not 2 <= len(parts) <= 3:
        raise ValueError(text)
    hour, minute = int(parts[0]), int(parts[1])
    second, micro = 0, 0
    if len(parts) == 3:
        seconds = parts[2]
        if "." in seconds:
            whole, fraction = seconds.split(".", 1)
            second, micro = int(whole), int((fraction + "000000")[:6])
        else:
            second = int(seconds)
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    return hour, minute, second, micro


def _split_meridiem(rest: list[str]) -> tuple[str, str]:
    """('10:05:00', 'PM') from ['10:05:00', 'PM'] or ['10:05:00PM']."""
    if not rest:
        return "", ""
    clock = rest[0]
    meridiem = rest[1].upper() if len(rest) > 1 else ""
    upper = clock.upper()
    if upper.endswith(("AM", "PM")):
        clock, meridiem = clock[:-2], upper[-2:]
    if meridiem not in ("", "AM", "PM") or len(rest) > 2:
        raise ValueError(rest)
    return clock, meridiem


def _parse_us(value: str) -> datetime:
    """'05/01/2018 12:10:28 AM', '5/1/2018 0:10', '05/01/2018' (Socrata, Excel)."""
    date_text, *rest = value.split()
    month, day, year = date_text.split("/")
    if len(year) == 2:
        year = "20" + year
    clock, meridiem = _split_meridiem(rest)
    if not clock:
        return datetime(int(year), int(month), int(day))  # noqa: DTZ001 - a wall-clock time; its zone is the dataset's
    hour, minute, second, micro = _clock(clock, meridiem)
    return datetime(int(year), int(month), int(day), hour, minute, second, micro)  # noqa: DTZ001 - a wall-clock time; its zone is the dataset's


def _parse_month_name(value: str) -> datetime:
    """'2018 May 01 12:10:28 AM' (Socrata), '01-May-2018 00:10:28', 'May 1 2018 12:10AM'."""
    tokens = value.replace(",", " ").replace("-", " ").split()
    date_parts, rest = tokens[:3], tokens[3:]
    year = month = day = None
    for token in date_parts:
        lowered = token.lower()
        if lowered in _MONTHS:
            month = _MONTHS[lowered]
        elif len(token) == 4 and token.isdigit():
            year = int(token)
        elif token.isdigit():
            day = int(token)
        else:
            raise ValueError(value)
    if year is None or month is None or day is None:
        raise ValueError(value)
    clock, meridiem = _split_meridiem(rest)
    if not clock:
        return datetime(year, month, day)  # noqa: DTZ001 - a wall-clock time; its zone is the dataset's
    hour, minute, second, micro = _clock(clock, meridiem)
    return datetime(year, month, day, hour, minute, second, micro)  # noqa: DTZ001 - a wall-clock time; its zone is the dataset's


def _parse_compact(value: str) -> datetime:
    """'20180501001028' or '201805010010'."""
    if not value.isdigit() or len(value) not in (12, 14):
        raise ValueError(value)
    return datetime(  # noqa: DTZ001 - a wall-clock time; its zone is the dataset's
        int(value[0:4]),
        int(value[4:6]),
        int(value[6:8]),
        int(value[8:10]),
        int(value[10:12]),
        int(value[12:14] or 0),
    )


PARSERS: tuple[Callable[[str], datetime], ...] = (
    _parse_iso,
    _parse_slashed_iso,
    _parse_us,
    _parse_month_name,
    _parse_compact,
)

TIME_FORMATS_HELP = (
    "2018-05-01 00:10:28 (ISO, also with T, fractions and offsets), 2016/09/20 04:52:00+00, "
    "05/01/2018 12:10:28 AM, 2018 May 01 12:10:28 AM, 01-May-2018 00:10:28, 20180501001028"
)


class TimeParser:
    """Parses one file's times; tries the format that worked last first."""

    def __init__(self) -> None:
        self._fast: Callable[[str], datetime] = _parse_iso

    @property
    def prefers_iso(self) -> bool:
        return self._fast is _parse_iso

    def parse(self, value: str) -> datetime | None:
        try:
            return self._fast(value)
        except (ValueError, TypeError, IndexError):
            pass
        value = value.strip()
        for parser in PARSERS:
            try:
                parsed = parser(value)
            except (ValueError, TypeError, IndexError):
                continue
            self._fast = parser
            return parsed
        return None


def time_of_day(value: str, *, military: bool = True) -> time | None:
    """A time of day alone ("13:45", "1:45:00 PM", and with `military` "1345")."""
    try:
        clock, meridiem = _split_meridiem(value.split())
        hour, minute, second, micro = _clock(clock, meridiem)
        return time(hour, minute, second, micro)
    except (ValueError, IndexError):
        pass
    if military and value.isdigit() and len(value) in (3, 4):  # "0905" military time
        hour, minute = int(value[:-2]), int(value[-2:])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return None


def combine_date_and_time(date_text: str, time_text: str) -> str:
    """The received time of a file that keeps the date and the time of day in two columns: the
    date column's date (whatever time it writes, often midnight) and the time column's clock.
    "01/15/2019 12:00:00 AM" + "13:45:11" -> "01/15/2019 13:45:11"; a military "0905" becomes
    "09:05". The fast path builds the same text in SQL for canonical values and calls this for
    the others (`assessment.cfs.fastload`)."""
    clock = time_text.strip()
    if clock.isdigit() and len(clock) in (3, 4):
        clock = f"{clock[:-2]:0>2}:{clock[-2:]}"
    return date_text.strip().split("T")[0].split(" ")[0] + " " + clock


FORMAT_LABELS = {
    _parse_iso: gettext_lazy("ISO 8601, e.g. 2018-05-01 00:10:28"),
    _parse_slashed_iso: gettext_lazy("year/month/day, e.g. 2016/09/20 04:52:00+00"),
    _parse_us: gettext_lazy("month/day/year, e.g. 05/01/2018 12:10:28 AM"),
    _parse_month_name: gettext_lazy("with a month name, e.g. 01-May-2018 00:10:28"),
    _parse_compact: gettext_lazy("digits only, e.g. 20180501001028"),
}


def time_format_of(value: str) -> str:
    """Which of the formats `TimeParser` reads this value is in ("" when none)."""
    value = value.strip()
    for parser in PARSERS:
        try:
            parser(value)
        except (ValueError, TypeError, IndexError):
            continue
        return str(FORMAT_LABELS[parser])
    return ""


def utc_text(local: datetime, zone: tzinfo) -> str:
    """Django's SQLite storage of an aware datetime: UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None).isoformat(" ")
