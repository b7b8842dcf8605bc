"""The PostgreSQL fast path (raw COPY, parsing in SQL) against the Python path, file by file.

Each file is imported twice, once by each path, into datasets of two cities; everything stored
must be the same: calls with their lines, call types, aggregates, bad rows, blank lines, first and
last times. Files the fast path cannot take must fall back to the Python path by themselves.
"""

import gzip
import os

import pytest
from django.db import connection

from assessment.cfs import fastload
from assessment.cfs.fastload import copy_stream
from assessment.models import (
    CfsCall,
    CfsCallType,
    CfsDataset,
    CfsDispositionCount,
    CfsPeriodCount,
    CfsSceneTimeCount,
    CfsSlotCount,
)
from assessment.tests.factories import MILWAUKEE, MILWAUKEE_ROWS, MKE_HEADER, csv_text, mke_row, write_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's"),
]


def _stored(dataset: CfsDataset) -> dict:
    calls = sorted(
        (
            c.line,
            c.call_type.key,
            c.received_at,
            c.area,
            c.priority,
            c.disposition,
            c.latitude,
            c.longitude,
            c.source_kind,
            c.scene_seconds,
            c.units,
        )
        for c in CfsCall.objects.filter(dataset=dataset).select_related("call_type")
    )
    slots = sorted(
        (s.call_type.key, s.weekday, s.hour, s.area, s.source_kind, s.calls)
        for s in CfsSlotCount.objects.filter(dataset=dataset).select_related("call_type")
    )
    periods = sorted(
        (p.call_type.key, p.month, p.priority, p.source_kind, p.calls)
        for p in CfsPeriodCount.objects.filter(dataset=dataset).select_related("call_type")
    )
    dispositions = sorted(
        (d.call_type.key, d.area, d.source_kind, d.disposition, d.calls)
        for d in CfsDispositionCount.objects.filter(dataset=dataset).select_related("call_type")
    )
    scene = sorted(
        (t.call_type.key, t.area, t.source_kind, t.bucket, t.calls, t.seconds, t.unit_seconds)
        for t in CfsSceneTimeCount.objects.filter(dataset=dataset).select_related("call_type")
    )
    types = list(
        CfsCallType.objects.filter(city=dataset.city).order_by("pk").values_list("key", "code", "description")
    )
    fields = (
        dataset.row_count,
        dataset.bad_row_count,
        dataset.bad_rows,
        dataset.blank_line_count,
        dataset.first_received_at,
        dataset.last_received_at,
        dataset.import_report.get("scene_time"),
    )
    return {
        "calls": calls,
        "slots": slots,
        "periods": periods,
        "dispositions": dispositions,
        "scene": scene,
        "types": types,
        "fields": fields,
    }


def _both_paths(import_csv, monkeypatch, path, **options):
    """(fast result, python result, what each stored)."""
    options.setdefault("timezone_name", "America/Chicago")
    fast = import_csv(path, dataset_name="fast", city_name="Fast", **options)
    with monkeypatch.context() as patched:
        patched.setattr(fastload, "usable", lambda positions, sample: False)
        slow = import_csv(path, dataset_name="slow", city_name="Slow", **options)
    assert "copy_to_staging" in slow.timings
    fast_dataset = CfsDataset.objects.get(pk=fast.dataset.pk)
    slow_dataset = CfsDataset.objects.get(pk=slow.dataset.pk)
    return fast, slow, _stored(fast_dataset), _stored(slow_dataset)


def _fast_used(result) -> bool:
    return "copy_raw" in result.timings


def test_milwaukee_file_by_both_paths(import_csv, monkeypatch):
    fast, slow, fast_stored, slow_stored = _both_paths(import_csv, monkeypatch, MILWAUKEE, preset="auto")
    assert _fast_used(fast)
    assert fast.rows_imported == slow.rows_imported == MILWAUKEE_ROWS
    assert fast.new_call_types == slow.new_call_types > 100
    assert fast_stored == slow_stored


def test_the_fast_path_leaves_the_session_time_zone_as_it_found_it(tmp_path, import_csv, monkeypatch):
    """The statement converts local times in the import's zone set for the session (as the Python
    path's AT TIME ZONE does: an hour that happens twice is read in standard time); whatever runs
    afterwards in the same transaction must see the connection's zone again."""
    rows = [
        MKE_HEADER,
        mke_row(1, "2018-05-03 10:00:00", "THEFT"),
        mke_row(2, "2018-11-04 01:30:00", "THEFT"),
    ]
    path = write_csv(tmp_path / "zone.csv", rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        (before,) = cursor.fetchone()
        fast, _slow, fast_stored, slow_stored = _both_paths(import_csv, monkeypatch, path)
        cursor.execute("SELECT current_setting('TimeZone')")
        (after,) = cursor.fetchone()
    assert _fast_used(fast)
    assert before != "America/Chicago"
    assert after == before
    assert fast_stored == slow_stored
    received = [call[2].isoformat() for call in fast_stored["calls"]]
    assert received == ["2018-05-03T15:00:00+00:00", "2018-11-04T07:30:00+00:00"]


def test_quirks_and_bad_rows_by_both_paths(tmp_path, import_csv, monkeypatch):
    long_area = "Z" * 70
    rows = [MKE_HEADER]
    rows += [
        mke_row(1, "2018-05-03 10:00:00", "WELFARE CITIZEN", district="-1", lat="", lon=""),
        mke_row(2, "2018-05-01 09:00:00", "TRBL W/SUBJ", district="3"),
        mke_row(3, "2018-05-02 08:00:00", "trbl  w/subj", district=" SPD ", lat="0", lon="0"),
        mke_row(4, "N/A", "THEFT"),
        mke_row(5, "2018-05-02 24:00:00", "THEFT"),
        mke_row(6, "1900-05-02 08:00:00", "THEFT"),
        mke_row(7, "2018-05-02 08:00:00", ""),
        mke_row(8, "2018-05-01T09:00:00-05:00", "THEFT", district=long_area),
        mke_row(9, "05/01/2018 10:05:00 PM", "theft", district="UNKNOWN"),
        mke_row(10, " 2018-05-04 07:00:00 ", "  ", lat="91", lon="-87.9"),
        ["", "", "", "", "", "", "", ""],
        ["11", "", "", "", "", "", "THEFT", ""],
        mke_row(12, "2018-05-04 07:00:00", "A\\B", district="C\\D", lat="nan", lon="1"),
        mke_row(13, "2018-03-11 02:30:00", "THEFT"),  # a time that does not exist in Chicago
    ]
    rows += [
        mke_row(100 + i, f"2018-06-{1 + i % 28:02d} {i % 24:02d}:15:00", f"TYPE {i % 7}") for i in range(60)
    ]
    text = csv_text(rows, quote_all=True) + "\r\n\r\n"
    path = tmp_path / "quirks.csv.gz"
    path.write_bytes(gzip.compress("\ufeff".encode().decode("latin-1").encode() + text.encode()))

    fast, slow, fast_stored, slow_stored = _both_paths(import_csv, monkeypatch, path, max_bad_share=0.9)
    assert _fast_used(fast)
    assert fast_stored == slow_stored
    assert fast.bad_row_count == 6 and fast.blank_lines == 3
    assert [line for line, _reason in fast.bad_rows] == [5, 6, 7, 8, 11, 13]


def test_codes_descriptions_and_lookup_by_both_paths(tmp_path, import_csv, monkeypatch):
    header = ["TimeCreate", "Type", "TypeText", "Priority", "PoliceDistrict", "Disposition"]
    rows = [header]
    for i in range(50):
        description = "DISTURBANCE, DOMESTIC" if i % 3 else "DISTURBANCE, DOM"  # truncated sometimes
        rows.append(
            [
                f"2019-01-{1 + i % 9:02d} 0{i % 10}:00:00",
                "103D" if i % 2 else "21",
                description,
                str(i % 4),
                str(i % 5),
                "GOA",
            ]
        )
    rows.append(["2019-01-09 00:00:00", "", "", "-", "0", "NAT"])
    path = write_csv(tmp_path / "nola.csv", rows, line_end="\n")
    lookup = write_csv(tmp_path / "lookup.csv", [["code", "description"], ["21", "COMPLAINT OTHER"]])

    fast, slow, fast_stored, slow_stored = _both_paths(
        import_csv, monkeypatch, path, lookup_path=lookup, preset="new_orleans"
    )
    assert _fast_used(fast)
    assert fast_stored == slow_stored
    assert fast.bad_rows == slow.bad_rows == [(52, "no call type")]


@pytest.mark.parametrize(
    "tail",
    [
        '\r\n\r\n9,2018-05-01 00:00:00,"9 N 1ST ST",43.1,-87.9,1,THEFT,Advised\r\n',  # a blank line
        '\r\n9,2018-05-01 00:00:00,"9 N\r\n1ST ST",43.1,-87.9,1,THEFT,Advised\r\n',  # a field on two lines
        "\r\n9,2018-05-01 00:00:00,x,north,-87.9,1,THEFT,Advised\r\n",  # text as a coordinate
        "\r\n9,2018-02-30 00:00:00,x,43.1,-87.9,1,THEFT,Advised\r\n",  # no such day
        "\r\n9,2018-05-01 00:00:00,x,43.1,-87.9,1,THEFT\r\n",  # a field missing
        "\r\n9,2018-05-01 00:00:00,x,43.1,-87.9,1,THEFT,Advised,extra\r\n",  # a field more
        '\r\n9,2018-05-01 00:00:00,x,43.1,-87.9,1,say "hi" now,Advised\r\n',  # COPY drops these quotes
        '\r\n9,2018-05-01 00:00:00,x,43.1,-87.9,1,TV 32" SCREEN,Advised\r\n',
        '\r\n9,2018-05-01 00:00:00,x,43.1,-87.9,1,TV 32"" SCREEN,Advised\r\n',  # COPY: TV 32 SCREEN
        "\r\n9,2018-02-30 00:00:00,x,43.1,-87.9,1,,Advised\r\n",  # no such day, and no call type
    ],
    ids=[
        "blank-line",
        "multi-line-field",
        "text-coordinate",
        "bad-date",
        "short-row",
        "long-row",
        "stray-quotes",
        "one-stray-quote",
        "doubled-quote-unquoted",
        "bad-date-no-call-type",
    ],
)
def test_files_the_fast_path_cannot_take_fall_back(tmp_path, import_csv, monkeypatch, tail):
    rows = [MKE_HEADER] + [mke_row(i, f"2018-05-0{1 + i % 9} 10:00:00", "THEFT") for i in range(1, 8)]
    path = tmp_path / "odd.csv"
    path.write_text(csv_text(rows).rstrip("\r\n") + tail, newline="")

    fast, slow, fast_stored, slow_stored = _both_paths(import_csv, monkeypatch, path, max_bad_share=0.9)
    assert not _fast_used(fast)
    assert fast_stored == slow_stored


def _stray_reference(chunk: str, delimiter: str) -> bool:
    """Character by character: a quote that is not part of a well-formed quoted field (one that
    starts a field, holds only doubled quotes and ends where the field ends)."""
    text = chunk.replace("\r\n", "\n").replace("\n", delimiter)
    index, field_start = 0, True
    while index < len(text):
        char = text[index]
        if char == delimiter:
            index, field_start = index + 1, True
            continue
        if char == '"':
            if not field_start:
                return True
            index += 1
            while True:
                if index >= len(text):
                    return True  # never closed
                if text[index] == '"':
                    if text[index + 1 : index + 2] == '"':
                        index += 2
                        continue
                    break
                index += 1
            if index + 1 < len(text) and text[index + 1] != delimiter:
                return True  # text after the closing quote
        index, field_start = index + 1, False
    return False


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_stray_quote_check_matches_a_character_by_character_reading(delimiter):
    import random

    rng = random.Random(2018)  # noqa: S311 - test data
    alphabet = ["a", '"', delimiter, "\n", "\r\n", '""', "b"]
    strays = 0
    for _ in range(20_000):
        chunk = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14)))
        expected = _stray_reference(chunk, delimiter)
        assert copy_stream.stray_quotes(chunk, delimiter) is expected, repr(chunk)
        strays += expected
    assert 0 < strays < 20_000  # both answers were exercised
    assert not copy_stream.stray_quotes('1,"32"" TV, black",x\r\n"",2,""""\r\n', ",")
    assert copy_stream.stray_quotes('1,TV 32"" SCREEN,x\r\n', ",")  # COPY would read TV 32 SCREEN
    assert copy_stream.stray_quotes('1,"unclosed,x\r\n', ",")


def _reader_threads() -> list:
    import threading

    return [thread for thread in threading.enumerate() if thread.name == "cfs-copy-reader"]


@pytest.mark.parametrize("broken_at", [None, 150])
def test_many_small_chunks_are_read_ahead_in_order(tmp_path, import_csv, monkeypatch, broken_at):
    """Chunks of 64 characters: the reader thread hands over hundreds of them in file order; a
    stray quote far into the file stops it and the file falls back, with no thread left."""
    monkeypatch.setattr(copy_stream, "CHUNK_CHARS", 64)
    rows = [MKE_HEADER] + [
        mke_row(
            i,
            f"2018-05-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00",
            "THEFT" if i % 3 else "ASSIST CITIZEN",
        )
        for i in range(1, 301)
    ]
    if broken_at:
        rows[broken_at][6] = "BROKEN"
    path = tmp_path / "long.csv"
    path.write_text(csv_text(rows).replace("BROKEN", 'TV 32" SCREEN'), newline="")

    fast, slow, fast_stored, slow_stored = _both_paths(import_csv, monkeypatch, path, max_bad_share=0.9)
    assert _fast_used(fast) is (broken_at is None)
    assert fast_stored == slow_stored
    assert fast.rows_imported == 300
    assert _reader_threads() == []


# Values real exports hold, quirks included: odd times, quotes, delimiters, -1 and 0 for no area.
_TIMES = [
    "2018-05-01 10:00:00",
    "2018-05-31 23:59:59",
    "2018-11-04 01:30:00",  # the hour that happens twice in Chicago
    "2018-03-11 02:30:00",  # the hour that does not happen
    "2018-05-01T10:00:00",
    "2018-05-01 10:00:00-05:00",
    "05/01/2018 10:00",
    " 2018-05-01 10:00:00 ",
    "2018-02-30 10:00:00",
    "2018-05-01 24:00:00",
    "2018-05-01 10:75:00",
    "2018-13-01 10:00:00",
    "1899-05-01 10:00:00",
    "N/A",
    "",
]
_NATURES = [
    "THEFT",
    "ASSIST CITIZEN",
    "Welfare Check",
    " spaced ",
    "ÜBER",
    "",
    "A,B",
    'say "hi"',
    'TV 32"" SCREEN',
    "x" * 250,
]
_AREAS = ["1", "7", "-1", "0", "", " 3 ", "CITY", "Z1"]
_COORDINATES = [
    ("43.05", "-87.95"),
    ("", ""),
    ("0", "0"),
    ("91", "-87.9"),
    ("43.1", ""),
    ("4.31e1", "-87.9"),
    ("north", "-87.9"),
]


_CODES = ["21", "103D", "", " 21 ", "21A", "103d"]
_DESCRIPTIONS = [
    "DISTURBANCE, DOMESTIC",
    "COMPLAINT OTHER",
    "",
    "DISTURBANCE, DOM",
    "complaint  other",
    'TV 32"" SCREEN',
]
_PRIORITIES = ["1", "2A", "", "-", " 3 ", "0"]
_DISPOSITIONS = ["GOA", "NAT", "", "rtf ", "N/A"]


def _fuzz_both_paths(import_csv, monkeypatch, tmp_path, *, header, clean_row, fields, options) -> dict:
    """Import generated files by both paths and require the same outcome.

    `clean_row(i)` is a canonical row; `fields` maps a column index to (values, how many of the
    first values are clean). Each file: a few clean rows, then generated ones; either quoting,
    line end and delimiter, with or without a BOM, sometimes with the generated values pasted in
    past the writer's quoting (so quotes and delimiters land in unquoted fields). Returns how many
    files were stored by the fast path and how many fell back."""
    import csv
    import io

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from assessment.services import CfsImportError

    def mostly_clean(values, clean):
        return st.one_of(st.sampled_from(values[:clean]), st.sampled_from(values))

    columns = sorted(fields)
    row_strategy = st.tuples(*(mostly_clean(*fields[column]) for column in columns))
    runs = {"fast": 0, "fallback": 0}
    counter = iter(range(100_000))

    @settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
        deadline=None,
        derandomize=not os.environ.get("FUZZ_EXAMPLES"),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        rows=st.lists(row_strategy, min_size=1, max_size=12),
        clean_first=st.integers(min_value=1, max_value=4),
        quote_all=st.booleans(),
        line_end=st.sampled_from(["\r\n", "\n"]),
        delimiter=st.sampled_from([",", ";", "\t"]),
        bom=st.booleans(),
        unquoted=st.booleans(),
    )
    def check(rows, clean_first, quote_all, line_end, delimiter, bom, unquoted):
        table = [clean_row(i) for i in range(1, clean_first + 1)]
        pasted = {}
        for index, values in enumerate(rows):
            row = clean_row(100 + index)
            for column, value in zip(columns, values, strict=True):
                if unquoted:
                    marker = f"@{index}.{column}@"
                    pasted[marker] = value
                    value = marker
                row[column] = value
            table.append(row)
        buffer = io.StringIO()
        writer = csv.writer(
            buffer,
            delimiter=delimiter,
            lineterminator=line_end,
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        )
        writer.writerows([header, *table])
        text = buffer.getvalue()
        for marker, value in pasted.items():
            text = text.replace(f'"{marker}"', value).replace(marker, value)
        path = tmp_path / f"generated-{next(counter)}.csv"
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))

        number = next(counter)
        outcomes = []
        for label, fast_allowed in (("fast", True), ("slow", False)):
            with monkeypatch.context() as patched:
                if not fast_allowed:
                    patched.setattr(fastload, "usable", lambda positions, sample: False)
                try:
                    result = import_csv(
                        path, dataset_name=f"{label}{number}", city_name=f"{label} {number}", **options
                    )
                except CfsImportError as exc:
                    outcomes.append(("error", str(exc)))
                else:
                    dataset = CfsDataset.objects.get(pk=result.dataset.pk)
                    outcomes.append(("stored", _stored(dataset), result.bad_rows, _fast_used(result)))
        fast, slow = outcomes
        assert fast[:3] == slow[:3], path.read_text()
        if fast[0] == "stored":
            runs["fast" if fast[3] else "fallback"] += 1

    check()
    return runs


# Differential fuzzing: whatever the fast path takes must be stored exactly as the Python path
# stores it, and what it cannot take must fall back. 60 fixed examples each in the suite;
# `FUZZ_EXAMPLES=300` runs that many random ones (many more fill the lock table: every import of
# a test shares its one transaction).


def test_generated_milwaukee_files_store_the_same_by_both_paths(import_csv, monkeypatch, tmp_path):
    runs = _fuzz_both_paths(
        import_csv,
        monkeypatch,
        tmp_path,
        header=MKE_HEADER,
        clean_row=lambda i: mke_row(i, f"2018-05-0{1 + i % 9} 0{i % 10}:15:00", "THEFT"),
        fields={
            1: (_TIMES, 4),
            3: ([lat for lat, _lon in _COORDINATES], 3),
            5: (_AREAS, 4),
            6: (_NATURES, 5),
        },
        options={"timezone_name": "America/Chicago", "max_bad_share": 1.0, "preset": "auto"},
    )
    assert runs["fast"] >= 10  # the comparison was exercised, both ways
    assert runs["fallback"] >= 5


def test_generated_code_and_description_files_store_the_same_by_both_paths(tmp_path, import_csv, monkeypatch):
    lookup = write_csv(tmp_path / "lookup.csv", [["code", "description"], ["21", "COMPLAINT OTHER"]])
    header = ["TimeCreate", "Type", "TypeText", "Priority", "PoliceDistrict", "Disposition"]
    runs = _fuzz_both_paths(
        import_csv,
        monkeypatch,
        tmp_path,
        header=header,
        clean_row=lambda i: [
            f"2019-01-0{1 + i % 9} 0{i % 10}:00:00",
            "21",
            "COMPLAINT OTHER",
            "1",
            "3",
            "GOA",
        ],
        fields={
            0: (_TIMES, 4),
            1: (_CODES, 2),
            2: (_DESCRIPTIONS, 2),
            3: (_PRIORITIES, 3),
            4: (_AREAS, 4),
            5: (_DISPOSITIONS, 3),
        },
        options={
            "timezone_name": "America/New_York",
            "max_bad_share": 1.0,
            "preset": "new_orleans",
            "lookup_path": lookup,
        },
    )
    assert runs["fast"] >= 10
    assert runs["fallback"] >= 5


_DATES = [
    "2019-01-03",
    "2019-01-04T00:00:00",
    "01/05/2019 12:00:00 AM",
    " 2019-01-06 ",
    "\t2019-01-07",
    "2019-02-30",
    "",
    "someday",
]
_CLOCKS = ["13:45:11", "00:00:00", "0905", "905", "", " 12:00:00", "25:00:00", "1:45 PM", "12:00:00\t", "x"]
_DATE_TIME_HEADER = [
    "Incident_Number",
    "Dispatch_Date",
    "Dispatch_Time",
    "Call_Type_Code",
    "Call_Type_Text",
    "Area_Occ",
]
_DATE_TIME_COLUMNS = {
    "received": "Dispatch_Date",
    "received_time": "Dispatch_Time",
    "code": "Call_Type_Code",
    "description": "Call_Type_Text",
    "area": "Area_Occ",
}


def _date_time_row(i: int) -> list[str]:
    return [
        f"PD{i:06d}",
        f"2019-01-{1 + i % 9:02d}",
        f"{i % 24:02d}:{i % 60:02d}:07",
        "415",
        "DISTURBANCE",
        "Newton",
    ]


def test_a_date_column_and_a_time_column_by_both_paths(tmp_path, import_csv, monkeypatch):
    rows = [_DATE_TIME_HEADER] + [_date_time_row(i) for i in range(1, 40)]
    rows.append(
        ["PD999998", "01/15/2019 12:00:00 AM", "0905", "902", "MEDICAL AID", "Harbor"]
    )  # fixed in Python
    rows.append(["PD999999", "2019-01-16", "25:00:00", "902", "MEDICAL AID", "Harbor"])  # bad: no such hour
    path = write_csv(tmp_path / "la.csv", rows)
    fast, slow, fast_stored, slow_stored = _both_paths(
        import_csv, monkeypatch, path, preset="auto", timezone_name="America/Los_Angeles"
    )
    assert fast.mapping.columns["received_time"] == "Dispatch_Time"
    assert _fast_used(fast)
    assert fast_stored == slow_stored
    assert fast.rows_imported == 40 and [line for line, _reason in fast.bad_rows] == [42]


def test_generated_date_and_time_files_store_the_same_by_both_paths(tmp_path, import_csv, monkeypatch):
    runs = _fuzz_both_paths(
        import_csv,
        monkeypatch,
        tmp_path,
        header=_DATE_TIME_HEADER,
        clean_row=_date_time_row,
        fields={1: (_DATES, 3), 2: (_CLOCKS, 3), 3: (_CODES, 2), 5: (_AREAS, 4)},
        options={
            "timezone_name": "America/Los_Angeles",
            "max_bad_share": 1.0,
            "columns": _DATE_TIME_COLUMNS,
        },
    )
    assert runs["fast"] >= 10
    assert runs["fallback"] >= 5


_SOURCES = [
    "911",
    "ONVIEW",
    "",
    " Officer Initiated ",
    "PHONE",
    "public",
    "officer",
    "radio",
    "A\\B",
    'say "hi"',
]
_SOURCE_HEADER = ["time", "nature", "How Received", "district"]


def _source_row(i: int) -> list[str]:
    return [f"2018-05-0{1 + i % 9} 0{i % 10}:15:00", "TRAFFIC STOP" if i % 2 else "THEFT", "911", str(i % 4)]


def test_a_call_source_column_by_both_paths(tmp_path, import_csv, monkeypatch):
    rows = [_SOURCE_HEADER] + [_source_row(i) for i in range(1, 30)]
    rows += [["2018-05-09 10:00:00", "PATROL", source, "2"] for source in _SOURCES if '"' not in source]
    path = write_csv(tmp_path / "sources.csv", rows)
    fast, slow, fast_stored, slow_stored = _both_paths(import_csv, monkeypatch, path, preset="auto")
    assert fast.mapping.columns["source"] == "How Received"
    assert _fast_used(fast)
    assert fast_stored == slow_stored
    kinds = {row[8] for row in fast_stored["calls"]}  # the call source of each call
    assert kinds == {"public", "officer", ""}


def test_generated_call_source_files_store_the_same_by_both_paths(tmp_path, import_csv, monkeypatch):
    runs = _fuzz_both_paths(
        import_csv,
        monkeypatch,
        tmp_path,
        header=_SOURCE_HEADER,
        clean_row=_source_row,
        fields={0: (_TIMES, 4), 2: (_SOURCES, 5), 3: (_AREAS, 4)},
        options={
            "timezone_name": "America/Chicago",
            "max_bad_share": 1.0,
            "columns": {
                "received": "time",
                "description": "nature",
                "source": "How Received",
                "area": "district",
            },
        },
    )
    assert runs["fast"] >= 10
    assert runs["fallback"] >= 5


# Dispatch, arrival and clear times (assessment.cfs.scene): computed in SQL for canonical values,
# by the Python path for the others; both must store the same calls and aggregates.
_SCENE_HEADER = [
    "Incident_Number",
    "Dispatch_Date",
    "Dispatch_Time",
    "Arrival_Time",
    "Clear_Time",
    "Units",
    "Call_Type_Text",
    "Area_Occ",
    "Disposition",
]
_SCENE_COLUMNS = {
    "received": "Dispatch_Date",
    "received_time": "Dispatch_Time",
    "dispatched": "Dispatch_Date",
    "arrived": "Arrival_Time",
    "cleared": "Clear_Time",
    "units": "Units",
    "description": "Call_Type_Text",
    "area": "Area_Occ",
    "disposition": "Disposition",
}
_ARRIVALS = [
    "10:10:00",
    "",
    "23:59:59",
    "00:05",
    "2019-01-02 10:20:00",
    "10:10:00.5",
    "0905",
    " 10:10",
    "soon",
]
_CLEARS = [
    "10:40:00",
    "",
    "10:05:00",
    "00:30:00",
    "2019-01-04 10:00:00",
    "2019-01-02 09:00:00",
    "25:00",
    "later",
]
_UNITS = ["1", "", "2", " 3 ", "0", "150", "A12", "007", "²"]
_SCENE_DISPOSITIONS = ["ADVISED", "", "REPORT TAKEN", "advised ", "N/A"]


def _scene_row(i: int) -> list[str]:
    return [
        f"PD{i:06d}",
        f"2019-01-{1 + i % 9:02d}",
        f"{i % 24:02d}:{i % 60:02d}:07",
        f"{(i + 1) % 24:02d}:{i % 60:02d}:07",
        f"{(i + 2) % 24:02d}:{i % 60:02d}:07",
        str(1 + i % 3),
        "WELFARE CHECK" if i % 2 else "DISTURBANCE",
        "Newton" if i % 3 else "Harbor",
        "ADVISED" if i % 4 else "REPORT TAKEN",
    ]


def test_scene_times_by_both_paths(tmp_path, import_csv, monkeypatch):
    rows = [_SCENE_HEADER] + [_scene_row(i) for i in range(1, 40)]
    rows.append(
        ["PD999997", "2019-01-05", "23:50:00", "00:10:00", "01:00:00", "", "NOISE", "Harbor", "ADVISED"]
    )
    rows.append(["PD999998", "2019-01-05", "12:00:00", "12:10:00", "12:05:00", "2", "NOISE", "Harbor", ""])
    rows.append(["PD999999", "2019-01-05", "12:00:00", "", "2019-01-07 12:00:00", "1", "NOISE", "Harbor", ""])
    path = write_csv(tmp_path / "scene.csv", rows)
    fast, slow, fast_stored, slow_stored = _both_paths(
        import_csv, monkeypatch, path, columns=_SCENE_COLUMNS, timezone_name="America/Los_Angeles"
    )
    assert _fast_used(fast)
    assert fast_stored == slow_stored
    assert fast_stored["scene"]
    assert fast.report["scene_time"] == slow.report["scene_time"]
    assert fast.report["scene_time"]["negative"] == 1 and fast.report["scene_time"]["too_long"] == 1


def test_generated_scene_time_files_store_the_same_by_both_paths(tmp_path, import_csv, monkeypatch):
    runs = _fuzz_both_paths(
        import_csv,
        monkeypatch,
        tmp_path,
        header=_SCENE_HEADER,
        clean_row=_scene_row,
        fields={3: (_ARRIVALS, 5), 4: (_CLEARS, 6), 5: (_UNITS, 6), 8: (_SCENE_DISPOSITIONS, 5)},
        options={
            "timezone_name": "America/Los_Angeles",
            "max_bad_share": 1.0,
            "columns": _SCENE_COLUMNS,
        },
    )
    assert runs["fast"] >= 10
    assert runs["fallback"] >= 5
