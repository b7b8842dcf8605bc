"""Reading calls-for-service CSV exports as a stream, whatever their quirks.

- `open_csv` sniffs compression (gzip), encoding (UTF-8 with or without BOM, UTF-16 with BOM,
  otherwise Windows-1252) and delimiter, strips BOMs (also a double-encoded one, "ï»¿"), and
  returns the header row and a csv reader positioned on the first data row. Nothing but a
  64 KiB sniffing buffer is ever held in memory.
- `TimeParser` parses received times in the formats exports use, remembering the format that
  worked last so that a million rows cost a million fast calls, not a million strptime tries.
- `RowNormalizer` turns csv rows into normalised call tuples, counting bad rows with their line
  numbers instead of dropping them.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, tzinfo
from pathlib import Path
from typing import IO

from assessment.cfs import presets
from assessment.cfs.presets import MappingChoice

# Real exports have long free-text fields; the csv module's default limit (128 KiB) is fine, but
# a file with an unbalanced quote would otherwise swallow the whole file into one field.
csv.field_size_limit(min(sys.maxsize, 1 << 20))

SNIFF_BYTES = 64 * 1024
BAD_ROWS_KEPT = 20
SAMPLE_ROWS = 200
MIN_YEAR = 1970
MAX_YEAR = 2100

AREA_PLACEHOLDERS = frozenset(
    {"", "-1", "0", "-", "--", "?", "NA", "N/A", "NULL", "NONE", "UNK", "UNKNOWN", "UNKNOWN-UNKNOWN", "#N/A"}
)

MAX_AREA = 60
MAX_PRIORITY = 20
MAX_DISPOSITION = 60
MAX_KEY = 200
# Cities have hundreds of call types, a few thousand at most; more means a wrong column, and
# keeping them all would grow memory with the file.
MAX_CALL_TYPES = 20_000
# Quoted fields may hold line breaks, but no call record spans more lines than this.
MAX_RECORD_LINES = 50
MAX_CODE = 60
MAX_DESCRIPTION = 200


class CfsFileError(Exception):
    """The file cannot be imported; the message says why, for the person who uploaded it."""


# --------------------------------------------------------------------------------------------
# Opening


@dataclass
class OpenedCsv:
    headers: list[str]
    reader: Iterator[list[str]]  # a csv.reader; `line_num` gives the physical line
    text: IO[str]
    raw: IO[bytes]
    encoding: str
    delimiter: str
    header_line: int

    @property
    def line_num(self) -> int:
        """The physical line of the file where the last row read ends."""
        return self.reader.line_num + self.header_line  # type: ignore[attr-defined]

    def bytes_read(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.text.close()


class _CountingReader(io.RawIOBase):
    """Counts the compressed bytes consumed, for progress on gzip files."""

    def __init__(self, inner: IO[bytes], position: Callable[[], int]):
        self._inner = inner
        self._position = position

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self._position()

    def close(self) -> None:
        self._inner.close()
        super().close()


def _sniff_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0  # the codec consumes the BOM itself
    if head.startswith(b"\xc3\xaf\xc2\xbb\xc2\xbf"):
        return "utf-8", 6  # a UTF-8 BOM that was itself decoded as Latin-1 and re-encoded
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252", 0
    return "utf-8", 0


def _check_not_binary(head: bytes, encoding: str) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise CfsFileError(
            "This is a zip archive or an Excel workbook, not a CSV file. Export the sheet as CSV "
            "(comma-separated values) and upload that."
        )
    if encoding != "utf-16" and b"\x00" in head:
        raise CfsFileError(
            "This file contains binary data, not comma-separated text. Export the calls as a CSV file."
        )


def _clean_header(value: str) -> str:
    return value.replace("\ufeff", "").replace("ï»¿", "").replace("\x00", "").strip()


def _choose_delimiter(line: str) -> str:
    counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def open_csv(path: str | Path) -> OpenedCsv:
    """Open an export for streaming; raise CfsFileError when it is not a readable CSV."""
    path = Path(path)
    if not path.exists():
        raise CfsFileError(f"File not found: {path}")
    if path.is_dir():
        raise CfsFileError(f"{path} is a folder, not a file.")
    base = open(path, "rb", buffering=SNIFF_BYTES)  # noqa: SIM115 - closed by OpenedCsv.close
    is_gzip = base.read(2) == b"\x1f\x8b"
    base.seek(0)
    if is_gzip:
        raw: IO[bytes] = _CountingReader(gzip.GzipFile(fileobj=base, mode="rb"), base.tell)  # type: ignore[assignment]
    else:
        raw = base
    buffered = io.BufferedReader(raw, buffer_size=SNIFF_BYTES) if is_gzip else raw
    try:
        head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(buffered, "peek") else b""
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        base.close()
        raise CfsFileError(f"The file could not be read ({exc}).") from exc
    if not head.strip():
        base.close()
        raise CfsFileError("The file is empty.")
    encoding, skip = _sniff_encoding(head)
    try:
        _check_not_binary(head, encoding)
    except CfsFileError:
        base.close()
        raise
    if skip:
        buffered.read(skip)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")  # type: ignore[arg-type]
    first_line = ""
    try:
        # Find the header: the first non-blank line. Read it to choose the delimiter, then
        # parse it with the csv module so that quoted headers work.
        header_line = 0
        while True:
            first_line = text.readline()
            header_line += 1
            if not first_line:
                raise CfsFileError("The file has no header row.")
            if _clean_header(first_line):
                break
        delimiter = _choose_delimiter(first_line)
        headers = [_clean_header(value) for value in next(csv.reader([first_line], delimiter=delimiter))]
    except CfsFileError:
        text.close()
        raise
    except (csv.Error, UnicodeError, OSError, EOFError) as exc:
        text.close()
        raise CfsFileError(f"The header row could not be read ({exc}).") from exc
    reader = csv.reader(text, delimiter=delimiter)
    return OpenedCsv(
        headers=headers,
        reader=reader,
        text=text,
        raw=base,
        encoding=encoding,
        delimiter=delimiter,
        header_line=header_line,
    )


# --------------------------------------------------------------------------------------------
# Times

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


# --------------------------------------------------------------------------------------------
# Values


def normalize_key(value: str) -> str:
    """The identity of a raw call type: case and spacing do not make a new type."""
    return " ".join(value.replace("\x00", "").split()).upper()[:MAX_KEY]


def clean_text(value: str, limit: int) -> str:
    return " ".join(value.replace("\x00", "").split())[:limit]


def clean_area(value: str) -> str:
    cleaned = clean_text(value, MAX_AREA)
    return "" if cleaned.upper() in AREA_PLACEHOLDERS else cleaned


_POINT_WKT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.IGNORECASE)
_POINT_PAIR = re.compile(r"\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)")


def parse_coordinate(value: str, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (limit 180); 0 and out-of-range values are missing."""
    try:
        number = float(value)
    except ValueError:
        return None
    if number != number or number == 0 or not -limit <= number <= limit:  # NaN, placeholder 0
        return None
    return number


def parse_point(value: str) -> tuple[str | None, str | None]:
    """(latitude, longitude) as text from 'POINT (lon lat)' or '(lat, lon)'; (None, None) otherwise."""
    match = _POINT_WKT.search(value)
    if match:
        lon, lat = match.group(1), match.group(2)
    else:
        match = _POINT_PAIR.search(value)
        if not match:
            return None, None
        lat, lon = match.group(1), match.group(2)
    if parse_coordinate(lat, 90) is None or parse_coordinate(lon, 180) is None:
        return None, None
    return lat, lon


# --------------------------------------------------------------------------------------------
# Auto-detection checked against the data


def read_sample(opened: OpenedCsv, limit: int = SAMPLE_ROWS) -> list[tuple[int, list[str]]]:
    sample: list[tuple[int, list[str]]] = []
    try:
        for row in opened.reader:
            if row and any(value.strip() for value in row):
                sample.append((opened.line_num, row))
                if len(sample) >= limit:
                    break
    except csv.Error as exc:
        raise CfsFileError(f"Line {opened.line_num}: the file is not valid CSV ({exc}).") from exc
    return sample


def _values(sample: list[tuple[int, list[str]]], position: int) -> list[str]:
    return [row[position].strip() for _line, row in sample if position < len(row) and row[position].strip()]


def _share(values: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


_TIME_OF_DAY_SYNONYMS = (
    "time",
    "calltime",
    "receivedtime",
    "timereceived",
    "dispatchtime",
    "incidenttime",
    "eventtime",
    "timeofcall",
    "hour",
)


def check_detected_columns(
    columns: dict[str, str], headers: list[str], sample: list[tuple[int, list[str]]]
) -> tuple[dict[str, str], list[str]]:
    """Drop auto-detected columns whose values do not fit, and split date/time columns.

    Returns the corrected columns and notes saying what was changed and why.
    """
    columns = dict(columns)
    notes: list[str] = []
    positions, _absent = presets.resolve_columns(columns, headers)
    parser = TimeParser()

    def parses_as_time(value: str) -> bool:
        parsed = parser.parse(value)
        return parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR

    if presets.RECEIVED in positions:
        values = _values(sample, positions[presets.RECEIVED])
        if values and _share(values, parses_as_time) < 0.5:
            notes.append(f'"{columns[presets.RECEIVED]}" does not hold dates and times; not used')
            del columns[presets.RECEIVED]
        elif values and all(len(value) <= 10 for value in values):
            # A date-only column: look for a separate time-of-day column.
            index = presets.header_index(headers)
            for synonym in _TIME_OF_DAY_SYNONYMS:
                position = index.get(synonym)
                if position is None or position == positions[presets.RECEIVED]:
                    continue
                times = _values(sample, position)
                if times and _share(times, lambda v: _time_of_day(v) is not None) >= 0.9:
                    columns[presets.RECEIVED_TIME] = headers[position]
                    notes.append(
                        f'date in "{columns[presets.RECEIVED]}", time of day in "{headers[position]}"'
                    )
                    break
    if presets.POINT in positions:
        values = _values(sample, positions[presets.POINT])
        if not values or _share(values, lambda v: parse_point(v)[0] is not None) < 0.5:
            notes.append(f'"{columns[presets.POINT]}" holds no coordinates; not used')
            del columns[presets.POINT]
    for field_name, limit in ((presets.LATITUDE, 90), (presets.LONGITUDE, 180)):
        if field_name in positions:
            values = _values(sample, positions[field_name])
            if values and _share(values, lambda v, limit=limit: parse_coordinate(v, limit) is not None) < 0.5:
                notes.append(f'"{columns[field_name]}" holds no {field_name}s; not used')
                del columns[field_name]
    if (presets.LATITUDE in columns) != (presets.LONGITUDE in columns):
        columns.pop(presets.LATITUDE, None)
        columns.pop(presets.LONGITUDE, None)
    if presets.LATITUDE in columns:
        columns.pop(presets.POINT, None)
    return columns, notes


def _time_of_day(value: str) -> time | None:
    try:
        clock, meridiem = _split_meridiem(value.split())
        hour, minute, second, micro = _clock(clock, meridiem)
        return time(hour, minute, second, micro)
    except (ValueError, IndexError):
        pass
    if value.isdigit() and len(value) in (3, 4):  # "0905" military time
        hour, minute = int(value[:-2]), int(value[-2:])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return None


# --------------------------------------------------------------------------------------------
# Rows


@dataclass
class BadRows:
    total: int = 0
    first: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, reason: str) -> None:
        self.total += 1
        if len(self.first) < BAD_ROWS_KEPT:
            self.first.append((line, reason))


@dataclass
class CallTypeSeen:
    code: str
    description: str


def _shown(value: str) -> str:
    value = value.strip()
    return value if len(value) <= 40 else value[:37] + "..."


# A normalised call, as a plain tuple because a million of them go by:
# (line, local wall-clock datetime (naive, in the dataset's zone), the same as canonical text
#  "YYYY-MM-DD HH:MM:SS" when the file had it so (else None), type key, area, priority,
#  disposition, latitude and longitude as decimal text (or None))
NormalizedCall = tuple


class RowNormalizer:
    """Turns csv rows into calls: (line, local wall time, type key, area, priority, disposition,
    latitude, longitude). Counts bad rows and blank lines; collects the call types seen."""

    def __init__(
        self,
        *,
        positions: dict[str, int],
        zone: tzinfo,
        lookup: dict[str, str] | None = None,
    ):
        self.positions = positions
        self.zone = zone
        self.lookup = {normalize_key(code): description for code, description in (lookup or {}).items()}
        self.bad = BadRows()
        self.blank_lines = 0
        self.good_rows = 0
        self.call_types: dict[str, CallTypeSeen] = {}
        self.first_local: datetime | None = None
        self.last_local: datetime | None = None
        self._times = TimeParser()
        self._type_cache: dict[object, str] = {}
        self._area_cache: dict[str, str] = {}
        self._priority_cache: dict[str, str] = {}
        self._disposition_cache: dict[str, str] = {}

    # Each cache is bounded so that a wrongly mapped column of unique values cannot grow memory.
    _CACHE_LIMIT = 50_000

    def _cached(self, cache: dict[str, str], value: str, clean: Callable[[str], str]) -> str:
        cleaned = cache.get(value)
        if cleaned is None:
            cleaned = clean(value)
            if len(cache) < self._CACHE_LIMIT:
                cache[value] = cleaned
        return cleaned

    def _call_type(self, code: str, description: str) -> str:
        """The key of the call type; '' when the row has neither code nor description."""
        # Cached by the raw value(s) as rows() looks them up.
        pair: object = (
            (code, description)
            if self.positions.get(presets.CODE) is not None
            and self.positions.get(presets.DESCRIPTION) is not None
            else (code or description)
        )
        key = self._type_cache.get(pair)
        if key is not None:
            return key
        code_clean = clean_text(code, MAX_CODE)
        description_clean = clean_text(description, MAX_DESCRIPTION)
        key = normalize_key(code_clean or description_clean)
        if key:
            if code_clean:
                description_clean = clean_text(self.lookup.get(key, ""), MAX_DESCRIPTION) or description_clean
            seen = self.call_types.get(key)
            if seen is None:
                if len(self.call_types) >= MAX_CALL_TYPES:
                    raise CfsFileError(
                        f"More than {MAX_CALL_TYPES:,} different call types: the call type column "
                        "holds free text or identifiers, not call types. Choose another column."
                    )
                self.call_types[key] = CallTypeSeen(code=code_clean, description=description_clean)
            elif len(description_clean) > len(seen.description):
                # Truncated descriptions: keep the longest version seen for this code.
                seen.description = description_clean
        if len(self._type_cache) < self._CACHE_LIMIT:
            self._type_cache[pair] = key
        return key

    def rows(self, reader, *, line_offset: int = 0, copy_text: bool = False) -> Iterator:
        """Normalised calls from a csv reader positioned on the first data row; `line_offset` is
        the number of lines before it (the header), so that line numbers are the file's.

        Yields NormalizedCall tuples, or with `copy_text` the same as lines of PostgreSQL's COPY
        text format (line, local time, key, area, priority, disposition, latitude, longitude)."""
        positions = self.positions
        received_at = positions[presets.RECEIVED]
        time_at = positions.get(presets.RECEIVED_TIME)
        code_at = positions.get(presets.CODE)
        description_at = positions.get(presets.DESCRIPTION)
        priority_at = positions.get(presets.PRIORITY)
        area_at = positions.get(presets.AREA)
        disposition_at = positions.get(presets.DISPOSITION)
        latitude_at = positions.get(presets.LATITUDE)
        longitude_at = positions.get(presets.LONGITUDE)
        point_at = positions.get(presets.POINT)
        needed = max(positions.values()) + 1
        parse = self._times.parse
        fromisoformat = datetime.fromisoformat
        bad = self.bad
        zone = self.zone
        area_cache, priority_cache = self._area_cache, self._priority_cache
        disposition_cache, type_cache = self._disposition_cache, self._type_cache
        cached = self._cached
        first = last = None
        good = 0
        iso = True
        previous_line = 0

        try:
            for row in reader:
                # A record spanning many lines is an unbalanced quote swallowing the rows after it.
                if reader.line_num - previous_line > MAX_RECORD_LINES:
                    raise CfsFileError(
                        f"Line {previous_line + 1 + line_offset}: a quote opened here is never closed, "
                        f"so {reader.line_num - previous_line} lines would be read as one row. Fix the file."
                    )
                previous_line = reader.line_num
                if len(row) < needed:
                    if any(value.strip() for value in row):
                        bad.add(
                            reader.line_num + line_offset,
                            f"only {len(row)} fields, the mapped columns need {needed}",
                        )
                    else:
                        self.blank_lines += 1
                    continue
                raw_time = row[received_at]
                if time_at is not None:
                    raw_time = raw_time.strip().split("T")[0].split(" ")[0] + " " + row[time_at].strip()
                if iso:
                    try:
                        moment = fromisoformat(raw_time)  # the common case, without a function layer
                    except ValueError:
                        moment = parse(raw_time) if raw_time else None
                        # A file in another format: stop paying for a failed ISO attempt per row.
                        iso = self._times.prefers_iso
                else:
                    moment = parse(raw_time) if raw_time else None
                if moment is None:
                    if raw_time.strip():
                        bad.add(
                            reader.line_num + line_offset, f"unreadable received time {_shown(raw_time)!r}"
                        )
                    elif any(value.strip() for value in row):
                        bad.add(reader.line_num + line_offset, "no received time")
                    else:
                        self.blank_lines += 1
                    continue
                parsed = moment
                if moment.tzinfo is not None:
                    moment = moment.astimezone(zone).replace(tzinfo=None)
                if not MIN_YEAR <= moment.year <= MAX_YEAR:
                    bad.add(reader.line_num + line_offset, f"received time out of range {_shown(raw_time)!r}")
                    continue
                if code_at is None:
                    key = type_cache.get(row[description_at])
                    if key is None:
                        key = self._call_type("", row[description_at])
                elif description_at is None:
                    key = type_cache.get(row[code_at])
                    if key is None:
                        key = self._call_type(row[code_at], "")
                else:
                    key = type_cache.get((row[code_at], row[description_at]))
                    if key is None:
                        key = self._call_type(row[code_at], row[description_at])
                if not key:
                    bad.add(reader.line_num + line_offset, "no call type")
                    continue
                area = priority = disposition = ""
                if area_at is not None:
                    value = row[area_at]
                    area = area_cache.get(value)
                    if area is None:
                        area = cached(area_cache, value, clean_area)
                if priority_at is not None:
                    value = row[priority_at]
                    priority = priority_cache.get(value)
                    if priority is None:
                        priority = cached(priority_cache, value, _clean_priority)
                if disposition_at is not None:
                    value = row[disposition_at]
                    disposition = disposition_cache.get(value)
                    if disposition is None:
                        disposition = cached(disposition_cache, value, _clean_disposition)
                latitude = longitude = None
                if latitude_at is not None:
                    # Checked with float() but passed on as the file's text: formatting a float
                    # again costs more than parsing it. Inlined: it runs a million times.
                    latitude, longitude = row[latitude_at], row[longitude_at]
                    try:
                        lat, lon = float(latitude), float(longitude)
                    except ValueError:
                        latitude = longitude = None
                    else:
                        if (
                            not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0)
                            or not (lat and lon)  # the placeholder 0
                            or "_" in latitude
                            or "_" in longitude
                        ):
                            latitude = longitude = None
                elif point_at is not None and row[point_at]:
                    latitude, longitude = parse_point(row[point_at])
                if first is None or moment < first:
                    first = moment
                if last is None or moment > last:
                    last = moment
                good += 1
                # The time as text: the file's own value when it is already canonical.
                text = raw_time if len(raw_time) == 19 and moment is parsed and raw_time[10] == " " else None
                if copy_text:
                    # PostgreSQL COPY text format, built here: a million rows make the extra
                    # tuple and generator step measurable. Values hold no tabs or newlines
                    # (normalised); a backslash is doubled.
                    head = f"{reader.line_num + line_offset}\t{text or moment}\t{key}\t{area}\t{priority}\t{disposition}"
                    if "\\" in head:
                        head = head.replace("\\", "\\\\")
                    yield head + ("\t\\N\t\\N" if latitude is None else f"\t{latitude}\t{longitude}")
                    continue
                yield (
                    reader.line_num + line_offset,
                    moment,
                    text,
                    key,
                    area,
                    priority,
                    disposition,
                    latitude,
                    longitude,
                )
        except csv.Error as exc:
            raise CfsFileError(
                f"Line {reader.line_num + line_offset}: the file is not valid CSV ({exc})."
            ) from exc
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or damaged .gz
            raise CfsFileError(
                f"The file could not be read after line {reader.line_num + line_offset} ({exc})."
            ) from exc
        finally:
            self.first_local, self.last_local = first, last
            self.good_rows += good

    @property
    def data_rows(self) -> int:
        return self.good_rows + self.bad.total


def _clean_priority(value: str) -> str:
    cleaned = clean_text(value, MAX_PRIORITY)
    return "" if cleaned.upper() in AREA_PLACEHOLDERS - {"0"} else cleaned


def _clean_disposition(value: str) -> str:
    return clean_text(value, MAX_DISPOSITION)


def read_lookup(path: str | Path) -> dict[str, str]:
    """A code -> description table: columns named like code/description, else the first two."""
    opened = open_csv(path)
    try:
        index = presets.header_index(opened.headers)
        code_at = next(
            (
                index[name]
                for name in ("code", "callcode", "calltypecode", "typecode", "type")
                if name in index
            ),
            0,
        )
        description_at = next(
            (
                index[name]
                for name in ("description", "desc", "calldescription", "calltypedescription", "text", "name")
                if name in index
            ),
            1 if code_at != 1 else 0,
        )
        if len(opened.headers) < 2 or code_at == description_at:
            raise CfsFileError(
                "The lookup file needs two columns, a code and its description; it has: "
                + ", ".join(opened.headers)
            )
        table: dict[str, str] = {}
        for row in opened.reader:
            if len(row) > max(code_at, description_at) and row[code_at].strip():
                table[row[code_at].strip()] = row[description_at].strip()
        return table
    except csv.Error as exc:
        raise CfsFileError(f"The lookup file is not valid CSV ({exc}).") from exc
    finally:
        opened.close()


def choose_mapping(
    headers: list[str],
    sample: list[tuple[int, list[str]]],
    *,
    preset_name: str = "auto",
    custom_columns: dict[str, str] | None = None,
    custom_city: str = "",
    custom_timezone: str = "",
) -> MappingChoice:
    """The mapping to use: a named preset; or, for "auto", the city's saved mapping when the file
    has all its columns, else a preset whose columns the file has, else header synonyms checked
    against the first rows."""
    if preset_name and preset_name != "auto":
        preset = presets.PRESETS.get(preset_name)
        if preset is None:
            raise CfsFileError(
                f"Unknown preset {preset_name!r}. Presets: auto, {', '.join(sorted(presets.PRESETS))}."
            )
        return MappingChoice(
            columns=dict(preset.columns),
            source=f"preset:{preset.name}",
            city=preset.city,
            timezone=preset.timezone,
        )
    if custom_columns:
        _positions, absent = presets.resolve_columns(custom_columns, headers)
        if not absent and not presets.missing_required(custom_columns):
            return MappingChoice(
                columns=dict(custom_columns),
                source=f"custom:{custom_city}",
                city=custom_city,
                timezone=custom_timezone,
            )
    preset = presets.preset_matching(headers)
    if preset is not None:
        return MappingChoice(
            columns=dict(preset.columns),
            source=f"preset:{preset.name}",
            city=preset.city,
            timezone=preset.timezone,
            notes=[f'the headers match the "{preset.name}" preset'],
        )
    columns, notes = check_detected_columns(presets.detect_by_synonyms(headers), headers, sample)
    return MappingChoice(columns=columns, source="auto", notes=notes)


def missing_fields_error(headers: list[str], columns: dict[str, str]) -> CfsFileError:
    shown = [header if len(header) <= 40 else header[:37] + "..." for header in headers[:60]]
    if len(headers) > 60:
        shown.append(f"... ({len(headers)} in all)")
    missing = presets.missing_required(columns)
    labels = []
    for item in missing:
        if item == presets.RECEIVED:
            labels.append("received time")
        else:
            labels.append("call type (a code or a description column)")
    return CfsFileError(
        "The required fields could not be found: "
        + ", ".join(labels)
        + ". Headers in the file: "
        + (", ".join(f'"{header}"' for header in shown) or "(none)")
        + ". Needed: "
        + presets.required_fields_text()
        + ". Choose a preset (--preset NAME) or save a column mapping for this city."
    )


def utc_text(local: datetime, zone: tzinfo) -> str:
    """Django's SQLite storage of an aware datetime: UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None).isoformat(" ")
