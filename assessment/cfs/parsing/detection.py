"""Which column holds what, judged by the values as well as by the header.

Cities name their columns every way ("TimeCreate", "Dispatch_Date", "EVENT_RECV_TS"...), so a
header synonym alone misses many real exports and can pick a wrong column. Each column is
profiled from the first rows (`profile_columns`): how many of its values read as date-times, as
dates alone, as times of day alone, as numbers in a latitude or longitude range, as short codes
or as text, and how many distinct values it has. `detect_columns` then chooses, for each field,
the column whose values fit, using header names as hints and tie-breakers, and explains each
choice (`ColumnChoice`: the column, why, and how confident). It recognises:

- the received time: a date-time column (which format); or a date column (also one whose times
  are all midnight, as Los Angeles' "Dispatch_Date" "01/15/2019 12:00:00 AM") combined with a
  separate time-of-day column; it warns when no call has a time of day;
- the call type: a code column and a description column that match one to one, a description
  alone or a code alone; with a lookup table, the column whose values are the lookup's codes;
- area, priority, disposition, coordinates (a latitude/longitude pair, or a point), and the
  call source (911, phone, officer-initiated...), which tells public-generated calls from
  officers' own activity.

Called by `sniffing.choose_mapping` when no preset or saved mapping fits the file.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from assessment.cfs import presets
from assessment.cfs.parsing.rows import normalize_key, parse_coordinate, parse_point
from assessment.cfs.parsing.sources import source_kind
from assessment.cfs.parsing.times import MAX_YEAR, MIN_YEAR, TimeParser, time_format_of, time_of_day

HIGH, MEDIUM, LOW = "high", "medium", "low"

# Header fragments (normalised: lower case, letters and digits only) that hint at a field.
RECEIVED_HINTS = (
    "receiv",
    "creat",
    "queue",
    "report",
    "entry",
    "entered",
    "open",
    "start",
    "call",
    "incident",
)
LATER_TIME_HINTS = (
    "arriv",
    "enroute",
    "onscene",
    "clear",
    "close",
    "complet",
    "end",
    "update",
    "modif",
    "dispo",
)

TIME_HINTS = ("time", "hour", "hhmm", "tm")
CODE_HINTS = ("code", "type", "nature", "problem", "cfs", "event", "call", "incident", "offense", "final")
DESCRIPTION_HINTS = ("desc", "text", "nature", "problem", "type", "name", "offense", "final", "call")
NOT_CALL_TYPE_HINTS = (
    "dispo",
    "status",
    "clear",
    "addr",
    "street",
    "location",
    "block",
    "city",
    "state",
    "zip",
    "unit",
    "officer",
    "agency",
    "district",
    "beat",
    "sector",
    "zone",
    "precinct",
    "ward",
    "area",
    "priority",
    "source",
    "number",
    "id",
)
AREA_HINTS = (
    "district",
    "beat",
    "sector",
    "zone",
    "precinct",
    "ward",
    "division",
    "area",
    "neighbo",
    "reporting",
)
PRIORITY_HINTS = ("priority", "prio", "pri")
DISPOSITION_HINTS = ("dispo", "clearance", "cleared", "closecode", "status", "outcome", "result")
SOURCE_HINTS = (
    "source",
    "initiat",
    "origin",
    "howreceived",
    "receivedvia",
    "method",
    "callsource",
    "callorigin",
)
LATITUDE_HINTS = ("lat", "ycoord", "y")
LONGITUDE_HINTS = ("lon", "lng", "xcoord", "x")

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


@dataclass(frozen=True)
class ColumnChoice:
    """A detected column with the reason, for the import report."""

    field: str
    header: str
    why: str
    confidence: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "header": self.header, "why": self.why, "confidence": self.confidence}


@dataclass
class Detection:
    columns: dict[str, str] = field(default_factory=dict)
    choices: list[ColumnChoice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def take(self, field_name: str, column: ColumnProfile, why: str, confidence: str) -> None:
        self.columns[field_name] = column.header
        self.choices.append(ColumnChoice(field_name, column.header, why, confidence))


def _share(values: list[str], test) -> float:
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
        profile.decimal_share = _share(values, lambda v: "." in v and _number(v) is not None)
        profile.latitude_share = _share(values, lambda v: parse_coordinate(v, 90) is not None and "." in v)
        profile.longitude_share = _share(values, lambda v: parse_coordinate(v, 180) is not None and "." in v)
        profile.point_share = _share(values, lambda v: parse_point(v)[0] is not None)
        profile.letter_share = _share(values, lambda v: any(c.isalpha() for c in v))
        profile.space_share = _share(values, lambda v: " " in v)
        profile.source_share = _share(values, lambda v: source_kind(v) != "")
        lengths = [len(value) for value in values]
        profile.mean_length = sum(lengths) / count
        profile.max_length = max(lengths)
    return profiles


def _name_rank(column: ColumnProfile, field_name: str) -> int:
    """0 for the best header synonym of the field, growing; 1000 when none."""
    synonyms = presets.SYNONYMS.get(field_name, ())
    return synonyms.index(column.name) if column.name in synonyms else 1000


def _pct(share: float) -> str:
    return f"{share:.0%}"


# --------------------------------------------------------------------------------------------
# The received time


def _received_preference(column: ColumnProfile) -> tuple:
    """Earlier moments of a call first: received/created before dispatched, arrived, cleared."""
    later = column.hinted(LATER_TIME_HINTS)
    dispatch = "dispatch" in column.name
    return (
        later,
        dispatch,
        not column.hinted(RECEIVED_HINTS),
        _name_rank(column, presets.RECEIVED),
        column.position,
    )


def _stem(name: str) -> str:
    return re.sub(r"(date|time|dt|tm|day|hour|hhmm)", "", name)


def _detect_received(profiles: list[ColumnProfile], detection: Detection, used: set[int]) -> None:
    full = [p for p in profiles if p.datetime_share >= FITS]
    if full:
        best = min(full, key=_received_preference)
        others = [p.header for p in full if p is not best]
        why = f"{_pct(best.datetime_share)} of the first values are dates with a time of day ({best.time_format})"
        if others:
            why += "; the earliest-sounding of the date-time columns (" + ", ".join(others) + " also)"
        named = _name_rank(best, presets.RECEIVED) < 1000 or best.hinted(RECEIVED_HINTS)
        detection.take(presets.RECEIVED, best, why, HIGH if named else MEDIUM)
        used.add(best.position)
        return
    dates = [p for p in profiles if p.date_share >= FITS]
    if not dates:
        return
    date = min(dates, key=_received_preference)
    used.add(date.position)
    times = [p for p in profiles if p.time_share >= FITS and p.position not in used]
    if times:
        stem = _stem(date.name)
        time_column = min(
            times,
            key=lambda p: (_stem(p.name) != stem, not p.hinted(TIME_HINTS), abs(p.position - date.position)),
        )
        midnight = " (their written times are all midnight)" if date.mean_length > 10 else ""
        detection.take(
            presets.RECEIVED,
            date,
            f"{_pct(date.date_share)} of the first values are dates ({date.time_format}){midnight}, "
            f'combined with the time of day in "{time_column.header}"',
            HIGH if _stem(time_column.name) == stem else MEDIUM,
        )
        detection.take(
            presets.RECEIVED_TIME,
            time_column,
            f"{_pct(time_column.time_share)} of the first values are times of day, "
            f'completing the dates of "{date.header}"',
            HIGH if _stem(time_column.name) == stem else MEDIUM,
        )
        used.add(time_column.position)
        return
    detection.take(
        presets.RECEIVED,
        date,
        f"{_pct(date.date_share)} of the first values are dates ({date.time_format}), with no time of day",
        LOW,
    )
    detection.warnings.append(
        f'"{date.header}" has dates but no time of day (every time is midnight) and no separate time '
        "column was found: counts by hour will all fall at midnight."
    )


# --------------------------------------------------------------------------------------------
# The call type


def _categorical(p: ColumnProfile) -> bool:
    """Could hold call types: recurring text or codes, not times, coordinates or identifiers."""
    if not p.values or p.is_timelike or p.point_share >= MOSTLY:
        return False
    if p.decimal_share >= MOSTLY:
        return False
    if p.number_share >= FITS and p.mean_length >= 6:  # record numbers
        return False
    return p.repeats and p.max_length <= 200


def _code_like(p: ColumnProfile) -> bool:
    return _categorical(p) and p.mean_length <= 12 and p.space_share < MOSTLY


def _description_like(p: ColumnProfile) -> bool:
    return _categorical(p) and p.letter_share >= FITS and p.mean_length >= 4


def _one_to_one(a: ColumnProfile, b: ColumnProfile, sample: list[tuple[int, list[str]]]) -> float:
    """How far each value of a goes with one value of b and back (the share of rows that agree
    with the commonest pairing, the lower of both directions)."""
    pairs = [
        (row[a.position].strip(), row[b.position].strip())
        for _line, row in sample
        if max(a.position, b.position) < len(row) and row[a.position].strip() and row[b.position].strip()
    ]
    if len(pairs) < 2:
        return 0.0

    def functional(items: list[tuple[str, str]]) -> float:
        seen: dict[str, Counter] = defaultdict(Counter)
        for left, right in items:
            seen[left][right] += 1
        return sum(counter.most_common(1)[0][1] for counter in seen.values()) / len(items)

    return min(functional(pairs), functional([(right, left) for left, right in pairs]))


def _lookup_share(p: ColumnProfile, codes: set[str]) -> float:
    return _share(p.values, lambda v: normalize_key(v) in codes)


def _call_type_score(p: ColumnProfile, field_name: str, hints: tuple[str, ...]) -> tuple:
    return (
        p.hinted(NOT_CALL_TYPE_HINTS) and not p.hinted(hints),
        _name_rank(p, field_name),
        not p.hinted(hints),
        -p.distinct,
        p.position,
    )


def _detect_call_type(
    profiles: list[ColumnProfile],
    sample: list[tuple[int, list[str]]],
    detection: Detection,
    used: set[int],
    lookup_codes: set[str] | None,
) -> None:
    free = [p for p in profiles if p.position not in used]
    if lookup_codes:
        scored = sorted(((_lookup_share(p, lookup_codes), p) for p in free), key=lambda item: -item[0])
        if scored and scored[0][0] >= MOSTLY:
            share, code = scored[0]
            detection.take(
                presets.CODE,
                code,
                f"{_pct(share)} of its first values are codes of the lookup table",
                HIGH if share >= FITS else MEDIUM,
            )
            used.add(code.position)
            return
        detection.warnings.append(
            "No column's values match the lookup table's codes"
            + (f' (best: {_pct(scored[0][0])} of "{scored[0][1].header}")' if scored else "")
            + "; the call type was detected without it."
        )
    codes = [p for p in free if _code_like(p)]
    descriptions = [p for p in free if _description_like(p)]

    def plausible(p: ColumnProfile, hints: tuple[str, ...]) -> bool:
        return p.hinted(hints) or not p.hinted(NOT_CALL_TYPE_HINTS)

    pairs = []
    # A pairing means something only when codes recur in enough rows.
    for code in (p for p in codes if p.count >= 5 and p.distinct < p.count and plausible(p, CODE_HINTS)):
        for description in descriptions:
            if code is description or description.mean_length <= code.mean_length:
                continue
            if not plausible(description, DESCRIPTION_HINTS):
                continue
            agreement = _one_to_one(code, description, sample)
            if agreement >= FITS and code.distinct >= 2:
                pairs.append((agreement, code, description))
    if pairs:
        agreement, code, description = min(
            pairs,
            key=lambda item: (
                _call_type_score(item[1], presets.CODE, CODE_HINTS)[:3],
                _call_type_score(item[2], presets.DESCRIPTION, DESCRIPTION_HINTS)[:3],
                -item[0],
                -item[1].distinct,
            ),
        )
        why = f'{code.distinct} short codes that match the descriptions of "{description.header}" one to one ({_pct(agreement)} of rows)'
        named = code.hinted(CODE_HINTS) or description.hinted(DESCRIPTION_HINTS)
        detection.take(presets.CODE, code, why, HIGH if named else MEDIUM)
        detection.take(
            presets.DESCRIPTION,
            description,
            f'{description.distinct} distinct texts, one per code of "{code.header}"',
            HIGH if named else MEDIUM,
        )
        used.update({code.position, description.position})
        return

    def named_description(p: ColumnProfile) -> bool:
        return _name_rank(p, presets.DESCRIPTION) < 1000 or p.hinted(DESCRIPTION_HINTS)

    # Unnamed text is taken for call types only when its values recur over enough rows.
    candidates = [
        p
        for p in descriptions
        if (
            named_description(p)
            or (not p.hinted(NOT_CALL_TYPE_HINTS) and p.count >= 5 and p.distinct < p.count)
        )
    ]
    if candidates:
        best = min(candidates, key=lambda p: _call_type_score(p, presets.DESCRIPTION, DESCRIPTION_HINTS))
        named = named_description(best)
        detection.take(
            presets.DESCRIPTION,
            best,
            f"recurring text ({best.distinct} distinct values in {best.count} rows)"
            + (", named like a call type" if named else ", the most varied such column"),
            HIGH if named else LOW,
        )
        used.add(best.position)
        return
    candidates = [p for p in codes if p.hinted(CODE_HINTS) and not p.hinted(NOT_CALL_TYPE_HINTS)]
    if candidates:
        best = min(candidates, key=lambda p: _call_type_score(p, presets.CODE, CODE_HINTS))
        detection.take(
            presets.CODE,
            best,
            f"short recurring codes ({best.distinct} distinct values), named like a call type",
            MEDIUM,
        )
        used.add(best.position)


# --------------------------------------------------------------------------------------------
# The other fields


def _detect_coordinates(profiles: list[ColumnProfile], detection: Detection, used: set[int]) -> None:
    free = [p for p in profiles if p.position not in used and not p.is_timelike]
    latitudes = [p for p in free if p.latitude_share >= FITS and p.hinted(LATITUDE_HINTS)]
    longitudes = [p for p in free if p.longitude_share >= FITS and p.hinted(LONGITUDE_HINTS)]
    if latitudes and longitudes:
        latitude = min(latitudes, key=lambda p: (_name_rank(p, presets.LATITUDE), p.position))
        longitude = min(
            (p for p in longitudes if p is not latitude),
            key=lambda p: (_name_rank(p, presets.LONGITUDE), p.position),
            default=None,
        )
        if longitude is not None:
            detection.take(
                presets.LATITUDE,
                latitude,
                f"{_pct(latitude.latitude_share)} decimal degrees within ±90",
                HIGH,
            )
            detection.take(
                presets.LONGITUDE,
                longitude,
                f"{_pct(longitude.longitude_share)} decimal degrees within ±180",
                HIGH,
            )
            used.update({latitude.position, longitude.position})
            return
    points = [p for p in free if p.point_share >= MOSTLY]
    if points:
        point = min(points, key=lambda p: (_name_rank(p, presets.POINT), -p.point_share, p.position))
        detection.take(
            presets.POINT,
            point,
            f'{_pct(point.point_share)} are points ("POINT (lon lat)" or "(lat, lon)")',
            HIGH,
        )
        used.add(point.position)


def _detect_hinted(
    profiles: list[ColumnProfile],
    detection: Detection,
    used: set[int],
    *,
    field_name: str,
    hints: tuple[str, ...],
    fits,
    why,
    max_distinct: int,
) -> None:
    candidates = [
        p
        for p in profiles
        if p.position not in used
        and p.values
        and not p.is_timelike
        and (p.hinted(hints) or _name_rank(p, field_name) < 1000)
        and p.distinct <= max_distinct
        and fits(p)
    ]
    if not candidates:
        return
    best = min(candidates, key=lambda p: (_name_rank(p, field_name), p.position))
    detection.take(field_name, best, why(best), HIGH if _name_rank(best, field_name) < 1000 else MEDIUM)
    used.add(best.position)


def _detect_source(profiles: list[ColumnProfile], detection: Detection, used: set[int]) -> None:
    free = [p for p in profiles if p.position not in used and p.values and not p.is_timelike]
    by_values = [p for p in free if p.source_share >= MOSTLY and p.distinct <= 40]
    by_name = [p for p in free if p.hinted(SOURCE_HINTS) and p.distinct <= 40 and p.source_share > 0]
    candidates = by_values or by_name
    if not candidates:
        return
    best = max(candidates, key=lambda p: (p.source_share, p.hinted(SOURCE_HINTS), -p.position))
    detection.take(
        presets.SOURCE,
        best,
        f"{_pct(best.source_share)} of the first values name how the call came in (911, phone, officer-initiated…)",
        HIGH if best.source_share >= FITS or best.hinted(SOURCE_HINTS) else MEDIUM,
    )
    used.add(best.position)


def detect_columns(
    headers: list[str], sample: list[tuple[int, list[str]]], *, lookup_codes: set[str] | None = None
) -> Detection:
    """Choose a column for each field from the header and the first rows' values."""
    profiles = profile_columns(headers, sample)
    detection = Detection()
    used: set[int] = set()
    _detect_received(profiles, detection, used)
    _detect_coordinates(profiles, detection, used)
    _detect_source(profiles, detection, used)
    _detect_call_type(profiles, sample, detection, used, lookup_codes)
    _detect_hinted(
        profiles,
        detection,
        used,
        field_name=presets.PRIORITY,
        hints=PRIORITY_HINTS,
        fits=lambda p: p.max_length <= 20,
        why=lambda p: f"named like a priority, {p.distinct} distinct short values",
        max_distinct=30,
    )
    _detect_hinted(
        profiles,
        detection,
        used,
        field_name=presets.AREA,
        hints=AREA_HINTS,
        fits=lambda p: p.max_length <= 60,
        why=lambda p: f"named like an area, {p.distinct} distinct values",
        max_distinct=500,
    )
    _detect_hinted(
        profiles,
        detection,
        used,
        field_name=presets.DISPOSITION,
        hints=DISPOSITION_HINTS,
        fits=lambda p: p.max_length <= 120,
        why=lambda p: f"named like a disposition, {p.distinct} distinct values",
        max_distinct=500,
    )
    return detection
