"""Reading exports: encodings, BOMs, delimiters, time formats, mapping detection, bad rows."""

import codecs
import gzip
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assessment.cfs import parsing, presets
from assessment.cfs.parsing import CfsFileError, RowNormalizer, TimeParser, open_csv
from assessment.tests.factories import MKE_HEADER, csv_text, mke_row, write_csv

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-05-01 00:10:28", datetime(2018, 5, 1, 0, 10, 28)),  # noqa: DTZ001
        ("2018-05-01T00:10:28.000", datetime(2018, 5, 1, 0, 10, 28)),  # noqa: DTZ001
        ("2018-05-01 00:10", datetime(2018, 5, 1, 0, 10)),  # noqa: DTZ001
        ("05/01/2018 12:10:28 AM", datetime(2018, 5, 1, 0, 10, 28)),  # noqa: DTZ001
        ("05/01/2018 12:10:28 PM", datetime(2018, 5, 1, 12, 10, 28)),  # noqa: DTZ001
        ("5/1/2018 13:05", datetime(2018, 5, 1, 13, 5)),  # noqa: DTZ001
        ("5/1/18 1:05PM", datetime(2018, 5, 1, 13, 5)),  # noqa: DTZ001
        ("2018 May 01 10:05:00 PM", datetime(2018, 5, 1, 22, 5)),  # noqa: DTZ001
        ("01-May-2018 00:10:28", datetime(2018, 5, 1, 0, 10, 28)),  # noqa: DTZ001
        ("20180501001028", datetime(2018, 5, 1, 0, 10, 28)),  # noqa: DTZ001
    ],
)
def test_time_parser_reads_the_formats_exports_use(text, expected):
    assert TimeParser().parse(text) == expected


def test_time_parser_keeps_utc_offsets():
    parsed = TimeParser().parse("2016/09/20 04:52:00+00")
    assert parsed == datetime(2016, 9, 20, 4, 52, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "N/A", "yesterday", "13/45/2018 10:00", "2018-02-30 10:00:00", "10:00"])
def test_time_parser_refuses_what_is_not_a_time(text):
    assert TimeParser().parse(text) is None


def test_time_parser_switches_format_and_back():
    parser = TimeParser()
    assert parser.parse("05/01/2018 01:00:00 AM") == datetime(2018, 5, 1, 1)  # noqa: DTZ001
    assert parser.parse("2018-05-02 02:00:00") == datetime(2018, 5, 2, 2)  # noqa: DTZ001
    assert parser.parse("05/03/2018 03:00:00 PM") == datetime(2018, 5, 3, 15)  # noqa: DTZ001


def _rows(path):
    opened = open_csv(path)
    try:
        return opened.headers, list(opened.reader), opened.delimiter
    finally:
        opened.close()


@pytest.mark.parametrize(
    "prefix",
    [b"", codecs.BOM_UTF8, "\ufeff".encode().decode("latin-1").encode("utf-8")],
    ids=["no-bom", "bom", "double-encoded-bom"],
)
def test_open_csv_strips_byte_order_marks(tmp_path, prefix):
    path = write_csv(
        tmp_path / "f.csv", [["time", "nature"], ["2018-05-01 00:00:00", "THEFT"]], prefix=prefix
    )
    headers, rows, _delimiter = _rows(path)
    assert headers == ["time", "nature"]
    assert rows == [["2018-05-01 00:00:00", "THEFT"]]


def test_open_csv_reads_utf16_with_bom(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_text([["time", "nature"], ["2018-05-01 00:00:00", "CAFÉ"]]).encode("utf-16"))
    headers, rows, _ = _rows(path)
    assert headers == ["time", "nature"]
    assert rows == [["2018-05-01 00:00:00", "CAFÉ"]]


def test_open_csv_reads_windows_1252(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_text([["time", "nature"], ["2018-05-01 00:00:00", "DÉJÀ VU"]]).encode("cp1252"))
    _headers, rows, _ = _rows(path)
    assert rows == [["2018-05-01 00:00:00", "DÉJÀ VU"]]


def test_open_csv_handles_crlf_quotes_semicolons_and_gzip(tmp_path):
    text = csv_text([["Time", "Call Type"], ["2018-05-01 00:00:00", "THEFT, PETTY"]], quote_all=True)
    gz = tmp_path / "f.csv.gz"
    gz.write_bytes(gzip.compress(text.replace(",", ";").replace("THEFT; PETTY", "THEFT, PETTY").encode()))
    headers, rows, delimiter = _rows(gz)
    assert delimiter == ";"
    assert headers == ["Time", "Call Type"]
    assert rows == [["2018-05-01 00:00:00", "THEFT, PETTY"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00binary workbook", "Excel"),
        (b"\x00\x01\x02\x03time,nature\x00\x00", "binary"),
        (codecs.BOM_UTF8 + b"\x00\xff\xfe\x00garbage\x00", "binary"),
    ],
    ids=["empty", "blank-lines", "xlsx", "binary", "bom-then-garbage"],
)
def test_open_csv_refuses_files_that_are_not_csv(tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(CfsFileError, match=message):
        open_csv(path)


def test_open_csv_missing_file(tmp_path):
    with pytest.raises(CfsFileError, match="not found"):
        open_csv(tmp_path / "nope.csv")


def test_auto_detection_uses_the_preset_whose_columns_the_file_has():
    choice = parsing.choose_mapping(MKE_HEADER, [], preset_name="auto")
    assert choice.source == "preset:milwaukee"
    assert choice.city == "Milwaukee"
    assert choice.timezone == "America/Chicago"


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        (
            "seattle",
            [
                "CAD Event Number",
                "Event Clearance Description",
                "Call Type",
                "Priority",
                "Initial Call Type",
                "Final Call Type",
                "Original Time Queued",
                "Arrived Time",
                "Precinct",
                "Sector",
                "Beat",
                "Blurred_Longitude",
                "Blurred_Latitude",
            ],
        ),
        (
            "new_orleans",
            [
                "NOPD_Item",
                "Type",
                "TypeText",
                "Priority",
                "InitialType",
                "InitialTypeText ",
                "InitialPriority",
                "MapX",
                "MapY",
                "TimeCreate",
                "TimeDispatch",
                "TimeArrive",
                "TimeClosed",
                "Disposition",
                "DispositionText",
                "SelfInitiated",
                "Beat",
                "BLOCK_ADDRESS",
                "Zip",
                "PoliceDistrict",
                "Location",
            ],
        ),
        (
            "detroit",
            [
                "X",
                "Y",
                "incident_id",
                "agency",
                "incident_address",
                "zip_code",
                "priority",
                "callcode",
                "calldescription",
                "category",
                "call_timestamp",
                "precinct_sca",
                "respondingunit",
                "officerinitiated",
                "intaketime",
                "dispatchtime",
                "traveltime",
                "totalresponsetime",
                "time_on_scene",
                "totaltime",
                "neighborhood",
                "block_id",
                "council_district",
                "longitude",
                "latitude",
                "ObjectId",
            ],
        ),
    ],
)
def test_published_headers_match_their_preset(name, headers):
    choice = parsing.choose_mapping(headers, [], preset_name="auto")
    assert choice.source == f"preset:{name}"
    positions, absent = presets.resolve_columns(choice.columns, headers)
    assert absent == []
    assert presets.RECEIVED in positions


def test_auto_detection_by_synonyms_checks_the_values():
    headers = ["Incident #", "Call Received Date/Time", "Call Type Description", "Beat", "Location", "Status"]
    sample = [
        (2, ["1", "2021-03-01 10:00:00", "WELFARE CHECK", "B1", "12 MAIN ST", "Closed"]),
        (3, ["2", "2021-03-01 11:00:00", "NOISE", "B2", "14 MAIN ST", "Closed"]),
    ]
    choice = parsing.choose_mapping(headers, sample, preset_name="auto")
    assert choice.source == "auto"
    assert choice.columns == {
        presets.RECEIVED: "Call Received Date/Time",
        presets.DESCRIPTION: "Call Type Description",
        presets.DISPOSITION: "Status",
        presets.AREA: "Beat",
    }
    assert any("Location" in note for note in choice.notes)  # an address, not coordinates


def test_auto_detection_joins_separate_date_and_time_columns():
    headers = ["Dispatch_Date", "Dispatch_Time", "Call_Type_Text"]
    sample = [(2, ["2016-10-31", "04:57:44", "TRESPASS SUSP"]), (3, ["2016-10-31", "05:01:02", "THEFT"])]
    choice = parsing.choose_mapping(headers, sample, preset_name="auto")
    assert choice.columns[presets.RECEIVED] == "Dispatch_Date"
    assert choice.columns[presets.RECEIVED_TIME] == "Dispatch_Time"


def test_auto_detection_keeps_a_point_column_that_holds_coordinates():
    headers = ["TimeCreated", "Problem", "Geolocation"]
    sample = [(2, ["2020-01-01 00:00:00", "THEFT", "POINT (-90.07 29.95)"])]
    choice = parsing.choose_mapping(headers, sample, preset_name="auto")
    assert choice.columns[presets.POINT] == "Geolocation"


def test_a_saved_city_mapping_wins_over_detection():
    headers = ["when", "what", "where"]
    custom = {presets.RECEIVED: "when", presets.DESCRIPTION: "what", presets.AREA: "where"}
    choice = parsing.choose_mapping(
        headers, [], preset_name="auto", custom_columns=custom, custom_city="Gotham"
    )
    assert choice.source == "custom:Gotham"
    assert choice.columns == custom


def test_unknown_preset_is_refused():
    with pytest.raises(CfsFileError, match="Unknown preset 'atlantis'"):
        parsing.choose_mapping(MKE_HEADER, [], preset_name="atlantis")


def test_missing_fields_error_lists_the_headers_and_the_needs():
    error = parsing.missing_fields_error(["foo", "bar"], {})
    assert '"foo", "bar"' in str(error)
    assert "received time" in str(error)
    assert "call type" in str(error)


def _normalize(tmp_path, rows, *, columns=None, lookup=None, zone=CHICAGO):
    path = write_csv(tmp_path / "f.csv", rows)
    opened = open_csv(path)
    columns = columns or presets.PRESETS["milwaukee"].columns
    positions, _ = presets.resolve_columns(columns, opened.headers)
    normalizer = RowNormalizer(positions=positions, zone=zone, lookup=lookup)
    try:
        calls = list(normalizer.rows(opened.reader, line_offset=opened.header_line))
    finally:
        opened.close()
    return normalizer, calls


def test_bad_rows_are_counted_with_their_line_numbers(tmp_path):
    rows = [
        MKE_HEADER,
        mke_row(1, "2018-05-01 00:10:28", "THEFT"),  # line 2
        mke_row(2, "not a time", "THEFT"),  # line 3
        mke_row(3, "", "THEFT"),  # line 4
        mke_row(4, "2018-05-01 01:00:00", "  "),  # line 5
        ["5", "2018-05-01 02:00:00"],  # line 6: too short
        [],  # line 7: blank
        mke_row(6, "1899-01-01 00:00:00", "THEFT"),  # line 8
        mke_row(7, "2018-05-01 03:00:00", "FIGHT"),  # line 9
    ]
    normalizer, calls = _normalize(tmp_path, rows)
    assert [call[0] for call in calls] == [2, 9]
    assert normalizer.bad.total == 5
    assert normalizer.bad.first == [
        (3, "unreadable received time 'not a time'"),
        (4, "no received time"),
        (5, "no call type"),
        (6, "only 2 fields, the mapped columns need 8"),
        (8, "received time out of range '1899-01-01 00:00:00'"),
    ]
    assert normalizer.blank_lines == 1
    assert normalizer.data_rows == 7


def test_only_the_first_twenty_bad_rows_are_kept(tmp_path):
    rows = (
        [MKE_HEADER]
        + [mke_row(i, "bad", "THEFT") for i in range(30)]
        + [mke_row(99, "2018-05-01 00:00:00", "X")]
    )
    normalizer, calls = _normalize(tmp_path, rows)
    assert len(calls) == 1
    assert normalizer.bad.total == 30
    assert len(normalizer.bad.first) == 20
    assert normalizer.bad.first[-1][0] == 21


def test_values_are_normalised(tmp_path):
    rows = [
        MKE_HEADER,
        mke_row(1, "2018-05-01 00:10:28", " trbl  w/subj ", district="-1", lat="0", lon="0"),
        mke_row(2, "2018-05-01 00:11:00", "TRBL W/SUBJ", district=" 3 ", lat="", lon=""),
        mke_row(3, "2018-05-01 00:12:00", "TRBL W/SUBJ", district="UNKNOWN", lat="95", lon="-87"),
        mke_row(4, "2018-05-01 00:13:00", "TRBL W/SUBJ", district="CITY", lat="43.1", lon="-87.9"),
    ]
    normalizer, calls = _normalize(tmp_path, rows)
    assert {call[3] for call in calls} == {"TRBL W/SUBJ"}
    assert [call[4] for call in calls] == ["", "3", "", "CITY"]
    assert [(call[7], call[8]) for call in calls] == [
        (None, None),
        (None, None),
        (None, None),
        ("43.1", "-87.9"),
    ]
    assert list(normalizer.call_types) == ["TRBL W/SUBJ"]


def test_codes_use_the_lookup_and_the_longest_description(tmp_path):
    columns = {presets.RECEIVED: "time", presets.CODE: "code", presets.DESCRIPTION: "desc"}
    rows = [
        ["time", "code", "desc"],
        ["2018-05-01 00:00:00", "21", "COMPLAINT OTH"],
        ["2018-05-01 00:01:00", "21", "COMPLAINT OTHER"],
        ["2018-05-01 00:02:00", "103", ""],
        ["2018-05-01 00:03:00", "", "SUSPICIOUS PERSON"],
    ]
    normalizer, calls = _normalize(tmp_path, rows, columns=columns, lookup={"103": "DISTURBANCE"})
    assert [call[3] for call in calls] == ["21", "21", "103", "SUSPICIOUS PERSON"]
    seen = normalizer.call_types
    assert (seen["21"].code, seen["21"].description) == ("21", "COMPLAINT OTHER")
    assert (seen["103"].code, seen["103"].description) == ("103", "DISTURBANCE")
    assert (seen["SUSPICIOUS PERSON"].code, seen["SUSPICIOUS PERSON"].description) == (
        "",
        "SUSPICIOUS PERSON",
    )


def test_utc_offsets_become_local_wall_clock_times(tmp_path):
    columns = {presets.RECEIVED: "call_timestamp", presets.DESCRIPTION: "calldescription"}
    rows = [["call_timestamp", "calldescription"], ["2021/07/01 16:30:00+00", "DISTURBANCE"]]
    _normalizer, calls = _normalize(tmp_path, rows, columns=columns, zone=ZoneInfo("America/Detroit"))
    assert calls[0][1] == datetime(2021, 7, 1, 12, 30)  # noqa: DTZ001 - EDT is UTC-4
    assert calls[0][1].replace(tzinfo=ZoneInfo("America/Detroit")).utcoffset() == timedelta(hours=-4)


def test_point_columns_give_coordinates(tmp_path):
    columns = {presets.RECEIVED: "t", presets.DESCRIPTION: "d", presets.POINT: "Location"}
    rows = [
        ["t", "d", "Location"],
        ["2019-01-01 00:00:00", "X", "POINT (-90.0715 29.9511)"],
        ["2019-01-01 00:00:00", "X", "(29.95, -90.07)"],
        ["2019-01-01 00:00:00", "X", "POINT (0 0)"],
    ]
    _normalizer, calls = _normalize(tmp_path, rows, columns=columns)
    assert [(call[7], call[8]) for call in calls] == [
        ("29.9511", "-90.0715"),
        ("29.95", "-90.07"),
        (None, None),
    ]


def test_us_formatted_files_and_a_damaged_gzip(tmp_path):
    columns = {presets.RECEIVED: "t", presets.DESCRIPTION: "d"}
    rows = [
        ["t", "d"],
        ["05/01/2018 12:10:28 AM", "X"],
        ["2018-05-01 01:00:00", "X"],
        ["05/01/2018 01:10:28 PM", "X"],
    ]
    normalizer, calls = _normalize(tmp_path, rows, columns=columns)
    assert [call[1].hour for call in calls] == [0, 1, 13]
    assert normalizer.bad.total == 0

    body = csv_text([["t", "d"]] + [["2018-05-01 00:00:00", f"TYPE {i}"] for i in range(5000)]).encode()
    damaged = tmp_path / "damaged.csv.gz"
    damaged.write_bytes(gzip.compress(body)[:-4000])
    opened = open_csv(damaged)
    positions, _ = presets.resolve_columns(columns, opened.headers)
    with pytest.raises(CfsFileError, match="could not be read after line"):
        list(RowNormalizer(positions=positions, zone=CHICAGO).rows(opened.reader, line_offset=1))
    opened.close()


def test_a_column_of_free_text_is_not_taken_for_call_types(tmp_path, monkeypatch):
    monkeypatch.setattr(parsing.rows, "MAX_CALL_TYPES", 10)
    rows = [MKE_HEADER] + [mke_row(i, "2018-05-01 00:00:00", f"NOTE NUMBER {i}") for i in range(11)]
    with pytest.raises(CfsFileError, match="More than 10 different call types"):
        _normalize(tmp_path, rows)


def test_read_lookup_finds_code_and_description_columns(tmp_path):
    path = write_csv(tmp_path / "codes.csv", [["Description", "Code"], ["THEFT", "23"], ["", "24"]])
    assert parsing.read_lookup(path) == {"23": "THEFT", "24": ""}


def test_read_lookup_needs_two_columns(tmp_path):
    path = write_csv(tmp_path / "codes.csv", [["code"], ["23"]])
    with pytest.raises(CfsFileError, match="two columns"):
        parsing.read_lookup(path)
