"""Importing whole files: the Milwaukee export, broken files, bad rows, --replace, the command.

These run on SQLite (batched inserts) and, with DATABASE_URL, on PostgreSQL (COPY + one
INSERT ... SELECT): the same assertions hold for both paths.
"""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from assessment.cfs import parsing
from assessment.models import (
    CfsCall,
    CfsCallType,
    CfsCity,
    CfsColumnMapping,
    CfsDataset,
    CfsPeriodCount,
    CfsSlotCount,
    Divertibility,
)
from assessment.services import CfsImportError, cfs_call_type_classify
from assessment.tests.factories import MILWAUKEE, MILWAUKEE_ROWS, MKE_HEADER, csv_text, mke_row, write_csv

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def _state() -> tuple:
    """Everything an import writes, to check that a failed one wrote nothing."""
    return (
        CfsCity.objects.count(),
        CfsDataset.objects.count(),
        CfsCallType.objects.count(),
        CfsCall.objects.count(),
        CfsSlotCount.objects.count(),
        CfsPeriodCount.objects.count(),
        CfsColumnMapping.objects.count(),
    )


def test_milwaukee_file_with_auto_preset_gives_every_row():
    out = StringIO()
    call_command("import_cfs", str(MILWAUKEE), "--preset", "auto", "--dataset", "mke", stdout=out)

    dataset = CfsDataset.objects.get(name="mke")
    assert dataset.row_count == MILWAUKEE_ROWS
    assert CfsCall.objects.filter(dataset=dataset).count() == MILWAUKEE_ROWS
    assert dataset.bad_row_count == 0
    assert CfsSlotCount.objects.filter(dataset=dataset).aggregate(n=Sum("calls"))["n"] == MILWAUKEE_ROWS
    assert CfsPeriodCount.objects.filter(dataset=dataset).aggregate(n=Sum("calls"))["n"] == MILWAUKEE_ROWS
    assert dataset.city.name == "Milwaukee"
    assert dataset.timezone == "America/Chicago"
    assert dataset.mapping_source == "preset:milwaukee"
    assert CfsCallType.objects.filter(city=dataset.city).count() == 179
    # Unsorted rows: the first and last calls are found wherever they are in the file.
    assert dataset.first_received_at == datetime(2018, 5, 1, 0, 0, 14, tzinfo=CHICAGO)
    assert dataset.last_received_at == datetime(2018, 5, 21, 14, 14, 42, tzinfo=CHICAGO)
    first = CfsCall.objects.get(dataset=dataset, line=2)
    assert first.received_at == datetime(2018, 5, 1, 0, 10, 28, tzinfo=CHICAGO)
    assert first.call_type.key == "TRBL W/SUBJ"
    assert (first.area, first.disposition) == ("4", "Unable to Locate Complainant")
    assert (first.latitude, first.longitude) == pytest.approx((43.1127987, -87.9567415))
    assert CfsCall.objects.filter(dataset=dataset, latitude__isnull=True).count() == 11
    assert CfsCall.objects.filter(dataset=dataset, area="CITY").count() == 56
    welfare = CfsCallType.objects.get(city=dataset.city, key="WELFARE CITIZEN")
    assert welfare.divertibility == Divertibility.DIVERTIBLE

    text = out.getvalue()
    assert "Mapping: preset:milwaukee" in text
    assert "<- 'nature'" in text
    assert f"{MILWAUKEE_ROWS:,} calls, 0 bad rows" in text
    assert " s" in text.splitlines()[-1]


def test_import_counts_and_reports_bad_rows(tmp_path, import_csv):
    path = write_csv(
        tmp_path / "calls.csv",
        [
            MKE_HEADER,
            mke_row(1, "2018-05-01 00:10:28", "THEFT"),
            mke_row(2, "garbage", "THEFT"),
            mke_row(3, "2018-05-01 00:12:00", ""),
            mke_row(4, "2018-05-01 00:13:00", "WELFARE CITIZEN"),
        ],
    )
    result = import_csv(path, preset="milwaukee")
    assert result.rows_imported == 2
    assert result.bad_row_count == 2
    assert result.bad_rows == [(3, "unreadable received time 'garbage'"), (4, "no call type")]
    dataset = result.dataset
    assert dataset.bad_rows == [[3, "unreadable received time 'garbage'"], [4, "no call type"]]
    assert sorted(CfsCall.objects.filter(dataset=dataset).values_list("line", flat=True)) == [2, 5]


def test_command_prints_bad_rows_with_line_numbers(tmp_path):
    path = write_csv(
        tmp_path / "calls.csv",
        [
            MKE_HEADER,
            mke_row(1, "2018-05-01 00:10:28", "THEFT"),
            mke_row(2, "31/31/2018", "THEFT"),
            mke_row(3, "2018-05-01 00:10:28", "THEFT"),
        ],
    )
    out = StringIO()
    call_command("import_cfs", str(path), "--dataset", "d", stdout=out)
    assert "line 3: unreadable received time '31/31/2018'" in out.getvalue()
    assert "2 calls, 1 bad rows" in out.getvalue()


def test_a_file_without_the_required_columns_fails_and_changes_nothing(tmp_path):
    before = _state()
    path = write_csv(tmp_path / "x.csv", [["Incident", "Officer", "Notes"], ["1", "Smith", "hello"]])
    with pytest.raises(CommandError) as error:
        call_command("import_cfs", str(path), "--dataset", "x", stdout=StringIO())
    message = str(error.value)
    assert "Nothing was imported" in message
    assert '"Incident", "Officer", "Notes"' in message
    assert "received time" in message and "call type" in message
    assert _state() == before


def test_a_preset_whose_columns_are_missing_fails_with_the_headers(tmp_path, import_csv):
    path = write_csv(tmp_path / "x.csv", [["when", "what"], ["2018-05-01 00:00:00", "THEFT"]])
    with pytest.raises(CfsImportError, match='Headers in the file: "when", "what"'):
        import_csv(path, preset="seattle")
    assert CfsDataset.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf\x00\x00\xff\xfe\x13\x37garbage\x00", "binary"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00workbook", "Excel"),
        (b"", "empty"),
        (b"time,nature\r\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
    ids=["bom-then-binary", "xlsx", "empty", "header-only", "png"],
)
def test_broken_files_give_a_clear_error_and_change_nothing(tmp_path, content, message):
    before = _state()
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_cfs", str(path), "--dataset", "broken", stdout=StringIO())
    assert _state() == before


def test_an_import_mostly_unreadable_fails(tmp_path, import_csv):
    before = _state()
    rows = [MKE_HEADER] + [mke_row(i, f"day {i}", "THEFT") for i in range(6)]
    rows += [mke_row(10 + i, "2018-05-01 00:00:00", "THEFT") for i in range(4)]
    path = write_csv(tmp_path / "x.csv", rows)
    with pytest.raises(CfsImportError, match=r"6 of 10 rows \(60%\) could not be read.*line 2: unreadable"):
        import_csv(path, preset="milwaukee")
    assert _state() == before
    # Below the limit, the same file imports and reports.
    result = import_csv(path, preset="milwaukee", max_bad_share=0.7)
    assert (result.rows_imported, result.bad_row_count) == (4, 6)


def test_quirky_exports_import(tmp_path, import_csv):
    """Double-encoded BOM, every field quoted, CRLF, unsorted rows, -1 areas, blank coordinates."""
    rows = [
        MKE_HEADER,
        mke_row(1, "2018-05-03 10:00:00", "WELFARE CITIZEN", district="-1", lat="", lon=""),
        mke_row(2, "2018-05-01 09:00:00", "TRBL W/SUBJ", district="3"),
        mke_row(3, "2018-05-02 08:00:00", "trbl  w/subj", district="SPD", lat="0", lon="0"),
    ]
    path = write_csv(
        tmp_path / "q.csv", rows, quote_all=True, prefix="\ufeff".encode().decode("latin-1").encode()
    )
    result = import_csv(path, preset="auto")
    assert result.mapping.source == "preset:milwaukee"
    assert result.rows_imported == 3
    calls = {call.line: call for call in CfsCall.objects.filter(dataset=result.dataset)}
    assert calls[2].area == "" and calls[2].latitude is None
    assert calls[3].area == "3" and calls[3].latitude == pytest.approx(43.05)
    assert calls[4].latitude is None
    assert calls[3].call_type_id == calls[4].call_type_id
    assert result.dataset.first_received_at == datetime(2018, 5, 1, 9, tzinfo=CHICAGO)


def test_codes_with_a_lookup_file(tmp_path, import_csv):
    path = write_csv(
        tmp_path / "codes_only.csv",
        [
            ["TimeCreate", "Type", "PoliceDistrict"],
            ["2019-01-01 00:00:00", "21", "1"],
            ["2019-01-01 00:05:00", "103D", "2"],
        ],
    )
    lookup = write_csv(
        tmp_path / "lookup.csv",
        [["code", "description"], ["21", "COMPLAINT OTHER"], ["103D", "DISTURBANCE, DOMESTIC"]],
    )
    result = import_csv(path, lookup_path=lookup, city_name="New Orleans", timezone_name="America/Chicago")
    assert result.rows_imported == 2
    types = {t.code: t for t in CfsCallType.objects.filter(city__name="New Orleans")}
    assert types["21"].description == "COMPLAINT OTHER"
    assert types["103D"].description == "DISTURBANCE, DOMESTIC"
    assert types["103D"].label == "103D – DISTURBANCE, DOMESTIC"


def test_naive_times_use_the_preset_zone_and_offsets_win(tmp_path, import_csv):
    detroit = write_csv(
        tmp_path / "detroit.csv",
        [
            [
                "incident_id",
                "callcode",
                "calldescription",
                "call_timestamp",
                "priority",
                "council_district",
                "longitude",
                "latitude",
            ],
            ["1", "3411", "DISTURBANCE", "2021/07/01 16:30:00+00", "2", "5", "-83.05", "42.33"],
        ],
    )
    result = import_csv(detroit, preset="detroit")
    call = CfsCall.objects.get(dataset=result.dataset)
    assert call.received_at == datetime(2021, 7, 1, 16, 30, tzinfo=ZoneInfo("UTC"))
    slot = CfsSlotCount.objects.get(dataset=result.dataset)
    assert (slot.weekday, slot.hour) == (3, 12)  # Thursday, 12:30 in Detroit
    assert result.dataset.timezone == "America/Detroit"


def test_existing_dataset_needs_replace(tmp_path, import_csv):
    path = write_csv(tmp_path / "a.csv", [MKE_HEADER, mke_row(1, "2018-05-01 00:10:28", "THEFT")])
    import_csv(path, dataset_name="d")
    with pytest.raises(CfsImportError, match="already exists"):
        import_csv(path, dataset_name="d")
    assert CfsCall.objects.count() == 1


def test_replace_swaps_a_dataset_atomically(tmp_path, import_csv):
    first = write_csv(
        tmp_path / "a.csv", [MKE_HEADER] + [mke_row(i, "2018-05-01 00:10:28", "THEFT") for i in range(3)]
    )
    second = write_csv(
        tmp_path / "b.csv", [MKE_HEADER] + [mke_row(i, "2018-06-01 00:10:28", "FIGHT") for i in range(5)]
    )
    broken = write_csv(tmp_path / "c.csv", [["no", "columns"], ["x", "y"]])
    original = import_csv(first, dataset_name="d").dataset

    with pytest.raises(CfsImportError):
        import_csv(broken, dataset_name="d", replace=True)
    unreadable = write_csv(tmp_path / "e.csv", [MKE_HEADER] + [mke_row(i, "never", "X") for i in range(4)])
    with pytest.raises(CfsImportError, match="No row could be read"):
        import_csv(unreadable, dataset_name="d", replace=True)
    dataset = CfsDataset.objects.get(name="d")
    assert dataset.row_count == 3
    assert CfsCall.objects.filter(dataset=dataset).count() == 3
    assert CfsSlotCount.objects.filter(dataset=dataset).aggregate(n=Sum("calls"))["n"] == 3

    out = StringIO()
    call_command("import_cfs", str(second), "--dataset", "d", "--replace", stdout=out)
    assert "Replaced dataset 'd'" in out.getvalue()
    dataset = CfsDataset.objects.get(name="d")
    assert dataset.pk == original.pk
    assert dataset.row_count == 5
    assert set(CfsCall.objects.filter(dataset=dataset).values_list("call_type__key", flat=True)) == {"FIGHT"}
    assert CfsSlotCount.objects.filter(dataset=dataset).aggregate(n=Sum("calls"))["n"] == 5
    assert CfsPeriodCount.objects.filter(dataset=dataset).aggregate(n=Sum("calls"))["n"] == 5
    assert dataset.first_received_at.month == 6


def test_a_city_classification_is_reused_by_its_next_dataset(tmp_path, import_csv, coordinator):
    path = write_csv(tmp_path / "a.csv", [MKE_HEADER, mke_row(1, "2018-05-01 00:10:28", "TRBL W/SUBJ")])
    import_csv(path, dataset_name="may")
    trouble = CfsCallType.objects.get(key="TRBL W/SUBJ")
    assert (trouble.divertibility, trouble.reviewed) == (Divertibility.MAYBE, False)  # suggested
    cfs_call_type_classify(
        call_type=trouble, category=None, divertibility=Divertibility.DIVERTIBLE, user=coordinator
    )

    import_csv(path, dataset_name="june")
    assert CfsCallType.objects.filter(key="TRBL W/SUBJ").count() == 1
    trouble.refresh_from_db()
    assert (trouble.divertibility, trouble.reviewed) == (Divertibility.DIVERTIBLE, True)


def test_a_saved_column_mapping_corrects_auto_detection(tmp_path, import_csv):
    path = write_csv(
        tmp_path / "odd.csv", [["stamp", "kind", "zone"], ["2020-02-02 02:02:02", "NOISE", "Z1"]]
    )
    with pytest.raises(CfsImportError, match="required fields could not be found"):
        import_csv(path, city_name="Gotham")
    city = CfsCity.objects.create(name="Gotham", timezone="America/New_York")
    CfsColumnMapping.objects.create(
        city=city, columns={"received": "stamp", "description": "kind", "area": "zone"}
    )
    result = import_csv(path, city_name="Gotham")
    assert result.mapping.source == "custom:Gotham"
    assert CfsCall.objects.get(dataset=result.dataset).area == "Z1"


def test_unknown_preset_and_missing_file_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="Unknown preset"):
        call_command("import_cfs", str(MILWAUKEE), "--preset", "atlantis", stdout=StringIO())
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_cfs", str(tmp_path / "none.csv"), stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path")
def test_postgres_copy_escapes_backslashes(tmp_path, import_csv):
    path = write_csv(
        tmp_path / "b.csv", [MKE_HEADER, mke_row(1, "2018-05-01 00:10:28", "A\\B", district="C\\D")]
    )
    result = import_csv(path)
    call = CfsCall.objects.get(dataset=result.dataset)
    assert (call.call_type.key, call.area) == ("A\\B", "C\\D")


def test_an_error_in_the_middle_of_the_file_changes_nothing(tmp_path, import_csv, monkeypatch):
    """Raised while rows stream into the staging table (COPY on PostgreSQL): nothing stays."""
    before = _state()
    rows = [MKE_HEADER] + [mke_row(i, "2018-05-01 00:00:00", f"NOTE {i}") for i in range(3000)]
    monkeypatch.setattr(parsing.rows, "MAX_CALL_TYPES", 2500)
    with pytest.raises(CfsImportError, match="More than 2,500 different call types"):
        import_csv(write_csv(tmp_path / "free_text.csv", rows))
    assert _state() == before

    unquoted = [
        [str(i), "2018-05-01 00:00:00", f"{i} N 1ST ST", "43.1", "-87.9", "1", "THEFT", "Advised"]
        for i in range(3000)
    ]
    body = csv_text([MKE_HEADER, *unquoted]).encode()
    cut = body.index(b"\r\n", 150_000)
    damaged = tmp_path / "quote.csv"
    damaged.write_bytes(
        body[:cut] + b'\r\n1,2018-05-01 00:00:00,"12 N 1ST ST,1,2,3,THEFT,Advised' + body[cut:]
    )
    with pytest.raises(CfsImportError, match=r"Line \d+: a quote opened here is never closed"):
        import_csv(damaged)
    assert _state() == before
