"""Column mappings: the fields we read, presets for published exports, and auto-detection.

A mapping is a plain dict {field: header as written in the file}. Headers are matched
ignoring case, spaces and punctuation ("Original Time Queued" == "original_time_queued").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# The fields of a call, in display order. Only RECEIVED and one of CODE/DESCRIPTION are required.
RECEIVED = "received"
RECEIVED_TIME = "received_time"
CODE = "code"
DESCRIPTION = "description"
PRIORITY = "priority"
AREA = "area"
DISPOSITION = "disposition"
LATITUDE = "latitude"
LONGITUDE = "longitude"
POINT = "point"
SOURCE = "source"
DISPATCHED = "dispatched"
ARRIVED = "arrived"
CLEARED = "cleared"
UNITS = "units"
# The optional columns time on scene is computed from (assessment.cfs.scene).
SCENE_FIELDS = (DISPATCHED, ARRIVED, CLEARED, UNITS)

FIELDS: tuple[str, ...] = (
    RECEIVED,
    RECEIVED_TIME,
    CODE,
    DESCRIPTION,
    PRIORITY,
    AREA,
    DISPOSITION,
    LATITUDE,
    LONGITUDE,
    POINT,
    SOURCE,
    DISPATCHED,
    ARRIVED,
    CLEARED,
    UNITS,
)

FIELD_LABELS = {
    RECEIVED: _("received time"),
    RECEIVED_TIME: _("time of day (when the date and time are in separate columns)"),
    CODE: _("call type code"),
    DESCRIPTION: _("call type description"),
    PRIORITY: _("priority"),
    AREA: _("area (district, beat, sector, zone…)"),
    DISPOSITION: _("disposition"),
    LATITUDE: _("latitude"),
    LONGITUDE: _("longitude"),
    POINT: _('location point ("POINT (lon lat)" or "(lat, lon)")'),
    SOURCE: _("call source (911, phone, officer-initiated…)"),
    DISPATCHED: _("dispatch time"),
    ARRIVED: _("arrival time (on scene)"),
    CLEARED: _("clear time (call closed)"),
    UNITS: _("units sent"),
}


def normalize_header(header: str) -> str:
    """'Original Time Queued ' -> 'originaltimequeued'; BOM debris and punctuation removed."""
    return re.sub(r"[^0-9a-z]+", "", header.replace("\ufeff", "").replace("ï»¿", "").lower())


def missing_required(columns: dict[str, str]) -> list[str]:
    """The required fields a mapping lacks: the received time, and a code or description."""
    missing = []
    if not columns.get(RECEIVED):
        missing.append(RECEIVED)
    if not columns.get(CODE) and not columns.get(DESCRIPTION):
        missing.append(f"{CODE}|{DESCRIPTION}")
    return missing


def required_fields_text() -> str:
    return "received time, and call type code or call type description"


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    city: str
    timezone: str
    columns: dict[str, str]
    source: str
    notes: str = ""


# Header names exactly as the cities publish them. Time zones are the cities' own: naive times
# in these files are local wall-clock times; Detroit's carry a UTC offset, which wins.
PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="milwaukee",
            label="Milwaukee Police Department calls for service (city call data, scraped CSV)",
            city="Milwaukee",
            timezone="America/Chicago",
            columns={
                RECEIVED: "time",
                DESCRIPTION: "nature",
                AREA: "district",
                DISPOSITION: "status",
                LATITUDE: "latitude",
                LONGITUDE: "longitude",
            },
            source="github.com/eisenivan/mke-calls-for-service data.csv",
            notes="No priority column; 'nature' is an abbreviated call type truncated to 16 characters.",
        ),
        Preset(
            name="seattle",
            label="Seattle Police Department Call Data (data.seattle.gov 33kz-ixgy)",
            city="Seattle",
            timezone="America/Los_Angeles",
            columns={
                RECEIVED: "Original Time Queued",
                DESCRIPTION: "Final Call Type",
                PRIORITY: "Priority",
                AREA: "Sector",
                DISPOSITION: "Event Clearance Description",
                LATITUDE: "Blurred_Latitude",
                LONGITUDE: "Blurred_Longitude",
                SOURCE: "Call Type",
            },
            source="https://data.seattle.gov/Public-Safety/Call-Data/33kz-ixgy",
            notes="'Call Type' is the call source (911, ONVIEW...), not the call type.",
        ),
        Preset(
            name="new_orleans",
            label="New Orleans Police Department Calls for Service (data.nola.gov, one file a year)",
            city="New Orleans",
            timezone="America/Chicago",
            columns={
                RECEIVED: "TimeCreate",
                CODE: "Type",
                DESCRIPTION: "TypeText",
                PRIORITY: "Priority",
                AREA: "PoliceDistrict",
                DISPOSITION: "DispositionText",
                POINT: "Location",
            },
            source="https://data.nola.gov (Calls for Service 2011-)",
            notes="MapX/MapY are state-plane feet; coordinates come from 'Location' (POINT (lon lat)).",
        ),
        Preset(
            name="detroit",
            label="Detroit 911 Calls for Service (data.detroitmi.gov)",
            city="Detroit",
            timezone="America/Detroit",
            columns={
                RECEIVED: "call_timestamp",
                CODE: "callcode",
                DESCRIPTION: "calldescription",
                PRIORITY: "priority",
                AREA: "council_district",
                LATITUDE: "latitude",
                LONGITUDE: "longitude",
            },
            source="https://data.detroitmi.gov/datasets/911-calls-for-service",
            notes="call_timestamp is 'YYYY/MM/DD HH:MM:SS+00' (UTC); no disposition column.",
        ),
        Preset(
            name="san_francisco",
            label="San Francisco Law Enforcement Dispatched Calls for Service: Closed (2zdj-bwza)",
            city="San Francisco",
            timezone="America/Los_Angeles",
            columns={
                RECEIVED: "received_datetime",
                CODE: "call_type_final",
                DESCRIPTION: "call_type_final_desc",
                PRIORITY: "priority_final",
                AREA: "police_district",
                DISPOSITION: "disposition",
                POINT: "intersection_point",
            },
            source="https://data.sfgov.org/Public-Safety/Law-Enforcement-Dispatched-Calls-for-Service-Close/2zdj-bwza",
        ),
    )
}


# Synonyms for auto-detection, normalised, best first. Exact matches only: a wrong guess is worse
# than none, and the coordinator can always correct the mapping.
SYNONYMS: dict[str, tuple[str, ...]] = {
    RECEIVED: (
        "receiveddatetime",
        "calldatetimereceived",
        "callreceiveddatetime",
        "callreceivedtime",
        "timereceived",
        "receivedtime",
        "received",
        "datetimereceived",
        "receiveddate",
        "calltimestamp",
        "calldatetime",
        "calltime",
        "timecreate",
        "createtime",
        "createdtime",
        "createddate",
        "createdat",
        "originaltimequeued",
        "timequeued",
        "queuetime",
        "eventtime",
        "eventdatetime",
        "incidentdatetime",
        "incidenttime",
        "responsedate",
        "reporteddate",
        "datetime",
        "timestamp",
        "time",
        "calldate",
        "incidentdate",
        "eventdate",
        "dispatchdate",
        "date",
    ),
    RECEIVED_TIME: (),
    CODE: (
        "calltypecode",
        "calltypefinal",
        "finalcalltypecode",
        "callcode",
        "typecode",
        "naturecode",
        "problemcode",
        "incidentcode",
        "eventtypecode",
        "cfscode",
        "type",
    ),
    DESCRIPTION: (
        "calltypefinaldesc",
        "calltypedescription",
        "calltypedesc",
        "calltypetext",
        "finalcalltype",
        "finalcalltypedescription",
        "finalcasetype",
        "casetypefinaldesc",
        "calldescription",
        "calldesc",
        "typetext",
        "typedescription",
        "natureofcall",
        "nature",
        "naturedescription",
        "problem",
        "callproblem",
        "call911problem",
        "incidenttype",
        "incidenttypedescription",
        "eventtype",
        "eventdescription",
        "initialcalltype",
        "initialtypetext",
        "calltype",
        "description",
        "offense",
    ),
    PRIORITY: (
        "priority",
        "priorityfinal",
        "finalpriority",
        "callpriority",
        "callprioritycode",
        "prioritycode",
        "prioritylevel",
        "priorityoriginal",
        "initialpriority",
    ),
    AREA: (
        "district",
        "policedistrict",
        "precinct",
        "sector",
        "beat",
        "zone",
        "area",
        "division",
        "policearea",
        "patrolarea",
        "councildistrict",
        "neighborhood",
        "neighbourhood",
        "ward",
        "areaocc",
        "reportingarea",
    ),
    DISPOSITION: (
        "disposition",
        "dispositiontext",
        "dispositiondescription",
        "finaldisposition",
        "eventclearancedescription",
        "clearancedescription",
        "clearbydesc",
        "clearance",
        "closecode",
        "status",
    ),
    LATITUDE: ("latitude", "lat", "blurredlatitude", "dispatchblurredlatitude", "ycoordinate", "y"),
    LONGITUDE: (
        "longitude",
        "lon",
        "lng",
        "long",
        "blurredlongitude",
        "dispatchblurredlongitude",
        "xcoordinate",
        "x",
    ),
    POINT: ("location", "geolocation", "point", "intersectionpoint", "location1", "geocodedcolumn", "geom"),
    SOURCE: (
        "callsource",
        "source",
        "initiatedby",
        "initiated",
        "callorigin",
        "origin",
        "howreceived",
        "receivedvia",
        "callmethod",
        "selfinitiated",
    ),
    DISPATCHED: ("dispatchdatetime", "dispatchtime", "timedispatched", "dispatcheddatetime", "dispatched"),
    ARRIVED: (
        "arrivaldatetime",
        "arrivaltime",
        "timearrived",
        "arriveddatetime",
        "onscenedatetime",
        "onscenetime",
        "timeonscene",
        "arrived",
    ),
    CLEARED: (
        "cleardatetime",
        "cleartime",
        "timecleared",
        "cleareddatetime",
        "closeddatetime",
        "closetime",
        "closedtime",
        "timeclosed",
        "completedtime",
        "cleared",
        "closed",
    ),
    UNITS: ("units", "numberofunits", "unitcount", "numunits", "unitsassigned", "unitsdispatched"),
}


@dataclass
class MappingChoice:
    """The mapping an import will use and how it was chosen, for the report."""

    columns: dict[str, str]
    source: str  # "preset:<name>", "custom:<city>", "auto" or "manual"
    city: str = ""
    timezone: str = ""
    notes: list[str] = field(default_factory=list)
    # Detection by content: {"field", "header", "why", "confidence"} per chosen column.
    explanations: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def preset_name(self) -> str:
        return self.source.split(":", 1)[1] if self.source.startswith("preset:") else ""


def mapping_source_label(source: str) -> str:
    """How a mapping was chosen, in the reader's words ("detected automatically", a preset's
    label, "saved for <city>", "chosen by hand")."""
    kind, _sep, name = source.partition(":")
    if kind == "auto":
        return str(_("detected automatically"))
    if kind == "preset":
        preset = PRESETS.get(name)
        return str(_("preset: %(name)s") % {"name": preset.label if preset else name})
    if kind == "custom":
        return str(_("saved for %(city)s") % {"city": name})
    if kind == "manual":
        return str(_("chosen by hand"))
    return source


def labelled_explanations(explanations: list[dict[str, str]]) -> list[dict[str, str]]:
    """Detection explanations with each field's label, for the pages (unknown fields dropped)."""
    return [
        {**item, "label": str(FIELD_LABELS[item["field"]])}
        for item in explanations
        if item.get("field") in FIELD_LABELS
    ]


def header_index(headers: list[str]) -> dict[str, int]:
    """Normalised header -> first column index."""
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(normalize_header(header), position)
    return index


def resolve_columns(columns: dict[str, str], headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column positions of a mapping in this file, and the mapped headers the file lacks."""
    index = header_index(headers)
    positions: dict[str, int] = {}
    absent: list[str] = []
    for field_name, header in columns.items():
        if not header:
            continue
        position = index.get(normalize_header(header))
        if position is None:
            absent.append(header)
        else:
            positions[field_name] = position
    return positions, absent


def preset_matching(headers: list[str]) -> Preset | None:
    """The preset all of whose columns the file has (the one using most columns wins)."""
    best: Preset | None = None
    for preset in PRESETS.values():
        _positions, absent = resolve_columns(preset.columns, headers)
        if absent:
            continue
        if best is None or len(preset.columns) > len(best.columns):
            best = preset
    return best


def detect_by_synonyms(headers: list[str]) -> dict[str, str]:
    """Map each field to the best synonym present; a column is used for one field only."""
    index = header_index(headers)
    used: set[int] = set()
    columns: dict[str, str] = {}
    # Fields with the most specific synonyms first, so that e.g. "calltype" is not taken by
    # the code field before the description field can use it.
    for field_name in (RECEIVED, DESCRIPTION, CODE, PRIORITY, DISPOSITION, LATITUDE, LONGITUDE, AREA, POINT):
        for synonym in SYNONYMS[field_name]:
            position = index.get(synonym)
            if position is not None and position not in used:
                columns[field_name] = headers[position]
                used.add(position)
                break
    return columns
