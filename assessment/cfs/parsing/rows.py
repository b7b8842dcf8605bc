"""Turning csv rows into normalised calls: received time, call type key, area, priority,
disposition and coordinates, with bad rows counted by line number instead of dropped.

`RowNormalizer` is the Python import path (`assessment.services`, `assessment.cfs.loader`); the
PostgreSQL fast path (`assessment.cfs.fastload`) shares its value cleaning so both paths store
the same calls.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from assessment.cfs import presets, scene
from assessment.cfs.parsing._common import CfsFileError
from assessment.cfs.parsing.sources import source_kind
from assessment.cfs.parsing.times import MAX_YEAR, MIN_YEAR, TimeParser, combine_date_and_time

BAD_ROWS_KEPT = 20
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
    if (
        number != number or number == 0 or not -limit <= number <= limit
    ):  # NaN, or 0: exports write 0 for "no coordinate"
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


def shown(value: str) -> str:
    value = value.strip()
    return value if len(value) <= 40 else value[:37] + "..."


# A normalised call, as a plain tuple because a million of them go by:
# (line, local wall-clock datetime (naive, in the dataset's zone), the same as canonical text
#  "YYYY-MM-DD HH:MM:SS" when the file had it so (else None), type key, area, priority,
#  disposition, latitude and longitude as decimal text (or None), call source kind ("public",
#  "officer" or "" as `sources.source_kind` reads the source column))
NormalizedCall = tuple


class RowNormalizer:
    """Turns csv rows into calls: (line, local wall time, type key, area, priority, disposition,
    latitude, longitude). Counts bad rows and blank lines; collects the call types seen."""

    def __init__(self, *, positions: dict[str, int], zone: tzinfo, lookup: dict[str, str] | None = None):
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
        self._source_cache: dict[str, str] = {}
        # Time on scene: calls with one, and the durations dropped (negative, over 24 h).
        self.scene = {"timed": 0, scene.NEGATIVE: 0, scene.TOO_LONG: 0}
        self._clock = scene.SceneClock()

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
        source_at = positions.get(presets.SOURCE)
        dispatched_at = positions.get(presets.DISPATCHED)
        arrived_at = positions.get(presets.ARRIVED)
        cleared_at = positions.get(presets.CLEARED)
        units_at = positions.get(presets.UNITS)
        # The received column named as the dispatch (Los Angeles' "Dispatch_Date"): the received
        # time is the dispatch time.
        dispatch_is_received = dispatched_at is not None and dispatched_at == received_at
        scene_counts = self.scene
        scene_of = self._clock.scene_seconds
        needed = max(positions.values()) + 1
        parse = self._times.parse
        fromisoformat = datetime.fromisoformat
        bad = self.bad
        zone = self.zone
        area_cache, priority_cache = self._area_cache, self._priority_cache
        disposition_cache, type_cache = self._disposition_cache, self._type_cache
        source_cache = self._source_cache
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
                    raw_time = combine_date_and_time(raw_time, row[time_at])
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
                            reader.line_num + line_offset, f"unreadable received time {shown(raw_time)!r}"
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
                    bad.add(reader.line_num + line_offset, f"received time out of range {shown(raw_time)!r}")
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
                        priority = cached(priority_cache, value, clean_priority)
                if disposition_at is not None:
                    value = row[disposition_at]
                    disposition = disposition_cache.get(value)
                    if disposition is None:
                        disposition = cached(disposition_cache, value, clean_disposition)
                source = ""
                if source_at is not None:
                    value = row[source_at]
                    source = source_cache.get(value)
                    if source is None:
                        source = cached(source_cache, value, source_kind)
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
                            or not (lat and lon)  # 0 is what exports write for "no coordinate"
                            or "_" in latitude
                            or "_" in longitude
                        ):
                            latitude = longitude = None
                elif point_at is not None and row[point_at]:
                    latitude, longitude = parse_point(row[point_at])
                seconds = units = None
                if cleared_at is not None:
                    dispatched = (
                        moment.isoformat(" ")
                        if dispatch_is_received
                        else (row[dispatched_at] if dispatched_at is not None else "")
                    )
                    arrived = row[arrived_at] if arrived_at is not None else ""
                    outcome = scene_of(moment, dispatched, arrived, row[cleared_at], zone=zone)
                    if isinstance(outcome, int):
                        seconds = outcome
                        scene_counts["timed"] += 1
                    elif outcome != scene.MISSING:
                        scene_counts[outcome] += 1
                if units_at is not None:
                    units = scene.units(row[units_at])
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
                    yield (
                        head
                        + ("\t\\N\t\\N" if latitude is None else f"\t{latitude}\t{longitude}")
                        + f"\t{source}"
                        + ("\t\\N" if seconds is None else f"\t{seconds}")
                        + ("\t\\N" if units is None else f"\t{units}")
                    )
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
                    source,
                    seconds,
                    units,
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


def clean_priority(value: str) -> str:
    cleaned = clean_text(value, MAX_PRIORITY)
    return "" if cleaned.upper() in AREA_PLACEHOLDERS - {"0"} else cleaned


def clean_disposition(value: str) -> str:
    return clean_text(value, MAX_DISPOSITION)
