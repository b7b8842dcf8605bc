"""Which column holds what, judged by the values as well as by the header.

Cities name their columns every way ("TimeCreate", "Dispatch_Date", "EVENT_RECV_TS"...), so a
header synonym alone misses many real exports and can pick a wrong column. Each column is
profiled from the first rows (`profile_columns`): how many of its values read as date-times, as
dates alone, as times of day alone, as numbers in a latitude or longitude range, as short codes
or as text, and how many distinct values it has. `detect_columns` then chooses, for each field,
the column whose values fit, using header names as hints and tie-breakers, and explains each
choice (`ColumnChoice`: the column, why, and how confident). The profiles are made by
`profiles.profile_columns`. It recognises:

- the received time: a date-time column (which format); or a date column (also one whose times
  are all midnight, as Los Angeles' "Dispatch_Date" "01/15/2019 12:00:00 AM") combined with a
  separate time-of-day column; it warns when no call has a time of day;
- the call type: a code column and a description column that match one to one, a description
  alone or a code alone; with a lookup table, the column whose values are the lookup's codes;
- the dispatch, arrival and clear times (date-times, or times of day completed by the call's
  date) and a units column, when the file has them, for time on scene;
- area, priority, disposition, coordinates (a latitude/longitude pair, or a point), and the
  call source (911, phone, officer-initiated...), which tells public-generated calls from
  officers' own activity.

Called by `sniffing.choose_mapping` when no preset or saved mapping fits the file.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assessment.cfs import presets
from assessment.cfs.parsing.profiles import (
    FITS,
    MOSTLY,
    TIME_HINTS,
    ColumnProfile,
    profile_columns,
    share_of,
)
from assessment.cfs.parsing.rows import normalize_key

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
        why = _("%(share)s of the first values are dates with a time of day (%(format)s)") % {
            "share": _pct(best.datetime_share),
            "format": best.time_format,
        }
        if others:
            why += _("; the earliest-sounding of the date-time columns (%(others)s also)") % {
                "others": ", ".join(others)
            }
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
        if date.mean_length > 10:
            why = _(
                "%(share)s of the first values are dates (%(format)s) (their written times are all "
                'midnight), combined with the time of day in "%(time)s"'
            )
        else:
            why = _(
                '%(share)s of the first values are dates (%(format)s), combined with the time of day in "%(time)s"'
            )
        confidence = HIGH if _stem(time_column.name) == stem else MEDIUM
        values = {"share": _pct(date.date_share), "format": date.time_format, "time": time_column.header}
        detection.take(presets.RECEIVED, date, why % values, confidence)
        detection.take(
            presets.RECEIVED_TIME,
            time_column,
            _('%(share)s of the first values are times of day, completing the dates of "%(date)s"')
            % {"share": _pct(time_column.time_share), "date": date.header},
            confidence,
        )
        used.add(time_column.position)
        return
    detection.take(
        presets.RECEIVED,
        date,
        _("%(share)s of the first values are dates (%(format)s), with no time of day")
        % {"share": _pct(date.date_share), "format": date.time_format},
        LOW,
    )
    detection.warnings.append(
        _(
            '"%(column)s" has dates but no time of day (every time is midnight) and no separate time '
            "column was found: counts by hour will all fall at midnight."
        )
        % {"column": date.header}
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


def _lookupshare_of(p: ColumnProfile, codes: set[str]) -> float:
    return share_of(p.values, lambda v: normalize_key(v) in codes)


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
        scored = sorted(((_lookupshare_of(p, lookup_codes), p) for p in free), key=lambda item: -item[0])
        if scored and scored[0][0] >= MOSTLY:
            share, code = scored[0]
            detection.take(
                presets.CODE,
                code,
                _("%(share)s of its first values are codes of the lookup table") % {"share": _pct(share)},
                HIGH if share >= FITS else MEDIUM,
            )
            used.add(code.position)
            return
        if scored:
            detection.warnings.append(
                _(
                    "No column's values match the lookup table's codes (best: %(share)s of "
                    '"%(column)s"); the call type was detected without it.'
                )
                % {"share": _pct(scored[0][0]), "column": scored[0][1].header}
            )
        else:
            detection.warnings.append(
                _("No column's values match the lookup table's codes; the call type was detected without it.")
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
        why = _(
            '%(codes)s short codes that match the descriptions of "%(column)s" one to one (%(share)s of rows)'
        ) % {"codes": code.distinct, "column": description.header, "share": _pct(agreement)}
        named = code.hinted(CODE_HINTS) or description.hinted(DESCRIPTION_HINTS)
        detection.take(presets.CODE, code, why, HIGH if named else MEDIUM)
        detection.take(
            presets.DESCRIPTION,
            description,
            _('%(texts)s distinct texts, one per code of "%(column)s"')
            % {"texts": description.distinct, "column": code.header},
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
            (
                _("recurring text (%(distinct)s distinct values in %(rows)s rows), named like a call type")
                if named
                else _(
                    "recurring text (%(distinct)s distinct values in %(rows)s rows), the most varied such column"
                )
            )
            % {"distinct": best.distinct, "rows": best.count},
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
            _("short recurring codes (%(distinct)s distinct values), named like a call type")
            % {"distinct": best.distinct},
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
                _("%(share)s decimal degrees within ±90") % {"share": _pct(latitude.latitude_share)},
                HIGH,
            )
            detection.take(
                presets.LONGITUDE,
                longitude,
                _("%(share)s decimal degrees within ±180") % {"share": _pct(longitude.longitude_share)},
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
            _('%(share)s are points ("POINT (lon lat)" or "(lat, lon)")')
            % {"share": _pct(point.point_share)},
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
        _("%(share)s of the first values name how the call came in (911, phone, officer-initiated…)")
        % {"share": _pct(best.source_share)},
        HIGH if best.source_share >= FITS or best.hinted(SOURCE_HINTS) else MEDIUM,
    )
    used.add(best.position)


# --------------------------------------------------------------------------------------------
# Dispatch, arrival and clear times, and units (time on scene: assessment.cfs.scene)

SCENE_HINTS = {
    presets.DISPATCHED: ("dispatch", "assign"),
    presets.ARRIVED: ("arriv", "onscene"),
    presets.CLEARED: ("clear", "close", "complet"),
}
UNITS_HINTS = ("units", "unitcount", "numunit", "numberofunit")


def _detect_scene_times(profiles: list[ColumnProfile], detection: Detection, used: set[int]) -> None:
    """Date-time or time-of-day columns named like a dispatch, an arrival or a clear time."""
    for field_name, hints in SCENE_HINTS.items():
        others = tuple(h for name, more in SCENE_HINTS.items() if name != field_name for h in more)
        candidates = [
            p
            for p in profiles
            if p.position not in used
            and (p.datetime_share >= FITS or p.time_share >= FITS)
            and (p.hinted(hints) or _name_rank(p, field_name) < 1000)
            and not p.hinted(others)
        ]
        if not candidates:
            continue
        best = min(candidates, key=lambda p: (_name_rank(p, field_name), p.position))
        if best.datetime_share >= FITS:
            why = _("%(share)s of the first values are dates with a time of day (%(format)s)") % {
                "share": _pct(best.datetime_share),
                "format": best.time_format,
            }
        else:
            why = _(
                "%(share)s of the first values are times of day (on the call's date; the next day "
                "when over 12 hours before the time before)"
            ) % {"share": _pct(best.time_share)}
        why += "; " + _("named like the %(field)s") % {"field": presets.FIELD_LABELS[field_name]}
        detection.take(field_name, best, why, HIGH if _name_rank(best, field_name) < 1000 else MEDIUM)
        used.add(best.position)
    received = next((p for p in profiles if p.header == detection.columns.get(presets.RECEIVED)), None)
    if (
        presets.DISPATCHED not in detection.columns
        and presets.CLEARED in detection.columns
        and received is not None
        and received.hinted(SCENE_HINTS[presets.DISPATCHED])
    ):
        detection.take(
            presets.DISPATCHED,
            received,
            _("the received time is named like the dispatch time: it is taken as the dispatch time"),
            MEDIUM,
        )
    if presets.CLEARED in detection.columns and not {presets.ARRIVED, presets.DISPATCHED} & set(
        detection.columns
    ):
        detection.warnings.append(
            _("A clear time was found but no arrival or dispatch time: time on scene cannot be computed.")
        )


def _whole_units(value: str) -> bool:
    return value.isascii() and value.isdigit() and 0 < int(value) < 100


def _detect_units(profiles: list[ColumnProfile], detection: Detection, used: set[int]) -> None:
    candidates = [
        p
        for p in profiles
        if p.position not in used
        and p.values
        and (p.hinted(UNITS_HINTS) or _name_rank(p, presets.UNITS) < 1000)
        and share_of(p.values, _whole_units) >= FITS
    ]
    if not candidates:
        return
    best = min(candidates, key=lambda p: (_name_rank(p, presets.UNITS), p.position))
    detection.take(
        presets.UNITS,
        best,
        _("%(share)s of the first values are whole numbers from 1 to 99, named like a number of units")
        % {"share": _pct(share_of(best.values, _whole_units))},
        HIGH if _name_rank(best, presets.UNITS) < 1000 else MEDIUM,
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
    _detect_scene_times(profiles, detection, used)
    _detect_units(profiles, detection, used)
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
        why=lambda p: (
            _("named like a priority, %(distinct)s distinct short values") % {"distinct": p.distinct}
        ),
        max_distinct=30,
    )
    _detect_hinted(
        profiles,
        detection,
        used,
        field_name=presets.AREA,
        hints=AREA_HINTS,
        fits=lambda p: p.max_length <= 60,
        why=lambda p: _("named like an area, %(distinct)s distinct values") % {"distinct": p.distinct},
        max_distinct=500,
    )
    _detect_hinted(
        profiles,
        detection,
        used,
        field_name=presets.DISPOSITION,
        hints=DISPOSITION_HINTS,
        fits=lambda p: p.max_length <= 120,
        why=lambda p: _("named like a disposition, %(distinct)s distinct values") % {"distinct": p.distinct},
        max_distinct=500,
    )
    return detection
