"""Detection of columns by their values: unfamiliar headers, code + description pairs, lookup
tables, a date and a time of day in two columns, call sources; the explanations shown in the
command's output and on the pages."""

import csv
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessment.cfs import parsing, presets
from assessment.cfs.parsing.sources import OFFICER, PUBLIC, source_kind
from assessment.cfs.parsing.times import combine_date_and_time, time_format_of
from assessment.models import CfsCall, CfsCallType, CfsImportJob
from assessment.tests.factories import write_csv

DATA = Path(__file__).resolve().parent / "data"
CODE_DESCRIPTION = DATA / "detect_code_description.csv"
CODE_LOOKUP = DATA / "detect_code_lookup.csv"
LOOKUP = DATA / "detect_lookup_codes.csv"
DATE_TIME = DATA / "detect_date_time.csv"


def _choose(path, **options):
    opened = parsing.open_csv(path)
    try:
        sample = parsing.read_sample(opened)
    finally:
        opened.close()
    return opened.headers, parsing.choose_mapping(opened.headers, sample, **options)


def _explained(choice) -> dict[str, dict]:
    return {item["field"]: item for item in choice.explanations}


def test_code_and_description_with_unfamiliar_names_are_found_by_their_values():
    headers, choice = _choose(CODE_DESCRIPTION)
    assert headers[0] == "Event Number"  # the double-encoded BOM is gone
    assert choice.source == "auto"
    assert choice.columns == {
        presets.RECEIVED: "EVENT_RECV_TS",
        presets.CODE: "EVT_TYP_CD",
        presets.DESCRIPTION: "EVT_TYP_DESC",
        presets.PRIORITY: "Prio",
        presets.AREA: "Patrol Beat",
        presets.DISPOSITION: "Final Dispo",
        presets.LATITUDE: "LAT_WGS84",
        presets.LONGITUDE: "LON_WGS84",
        presets.SOURCE: "Src",
    }
    explained = _explained(choice)
    assert "dates with a time of day" in explained[presets.RECEIVED]["why"]
    assert "ISO 8601" in explained[presets.RECEIVED]["why"]
    assert "one to one" in explained[presets.CODE]["why"]
    assert {item["confidence"] for item in choice.explanations} <= {"high", "medium", "low"}


def test_a_code_description_file_with_an_unfamiliar_time_column_imports(import_csv):
    result = import_csv(CODE_DESCRIPTION, timezone_name="America/Los_Angeles")
    assert result.rows_imported == 60 and result.bad_row_count == 0
    assert result.dataset.column_mapping[presets.RECEIVED] == "EVENT_RECV_TS"
    welfare = CfsCallType.objects.get(city=result.dataset.city, key="10-52")
    assert (welfare.code, welfare.description) == ("10-52", "WELFARE CHECK")
    assert [item["field"] for item in result.report["explanations"]][0] == presets.RECEIVED


def test_a_lookup_table_decides_the_code_column_and_reports_unmatched_codes(import_csv):
    _headers, choice = _choose(CODE_LOOKUP, lookup=parsing.read_lookup(LOOKUP))
    # UNIT and RD hold short recurring codes too; only CFS holds the lookup's codes.
    assert choice.columns[presets.CODE] == "CFS"
    assert "codes of the lookup table" in _explained(choice)[presets.CODE]["why"]

    result = import_csv(CODE_LOOKUP, lookup_path=LOOKUP, timezone_name="America/Chicago")
    with open(CODE_LOOKUP, newline="") as handle:
        volume = Counter(row["CFS"] for row in csv.DictReader(handle))
    with open(LOOKUP, newline="") as handle:
        known = {row["CallCode"] for row in csv.DictReader(handle)}
    unmatched = sorted(
        ((code, n) for code, n in volume.items() if code not in known), key=lambda i: (-i[1], i[0])
    )
    report = result.report["lookup"]
    assert report["codes_in_file"] == len(volume)
    assert report["codes_matched"] == len(set(volume) & known)
    assert report["calls_matched"] == sum(n for code, n in volume.items() if code in known)
    assert report["unmatched"] == [list(item) for item in unmatched] and unmatched
    disturbance = CfsCallType.objects.get(city=result.dataset.city, key="415")
    assert disturbance.description == "DISTURBANCE"  # from the lookup: the file has no descriptions


def test_no_column_matching_the_lookup_is_said():
    lookup = {"ZZ1": "NOTHING", "ZZ2": "NOTHING ELSE"}
    _headers, choice = _choose(CODE_DESCRIPTION, lookup=lookup)
    assert any("No column's values match the lookup" in warning for warning in choice.warnings)
    assert choice.columns[presets.CODE] == "EVT_TYP_CD"  # detected without it


def test_a_date_column_and_a_time_column_are_combined(import_csv):
    _headers, choice = _choose(DATE_TIME)
    assert choice.columns[presets.RECEIVED] == "Dispatch_Date"
    assert choice.columns[presets.RECEIVED_TIME] == "Dispatch_Time"
    assert choice.columns[presets.CODE] == "Call_Type_Code"
    assert choice.columns[presets.DESCRIPTION] == "Call_Type_Text"
    assert "all midnight" in _explained(choice)[presets.RECEIVED]["why"]

    result = import_csv(DATE_TIME, timezone_name="America/Los_Angeles")
    assert result.rows_imported == 60 and result.bad_row_count == 0
    with open(DATE_TIME, newline="") as handle:
        first = next(csv.DictReader(handle))
    call = CfsCall.objects.get(dataset=result.dataset, line=2)
    local = call.received_at.astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles"))
    assert local.strftime("%m/%d/%Y") == first["Dispatch_Date"].split()[0]
    assert local.strftime("%H:%M:%S") == first["Dispatch_Time"]
    assert result.report["warnings"] == []


def test_dates_without_any_time_of_day_are_warned_about(tmp_path, import_csv):
    rows = [["Report Date", "Nature Of Call"]]
    rows += [
        [f"03/{1 + i % 20:02d}/2019 12:00:00 AM", ["THEFT", "NOISE", "ASSIST"][i % 3]] for i in range(30)
    ]
    path = write_csv(tmp_path / "dates.csv", rows)
    _headers, choice = _choose(path)
    assert choice.columns[presets.RECEIVED] == "Report Date"
    assert _explained(choice)[presets.RECEIVED]["confidence"] == "low"
    assert any("no time of day" in warning for warning in choice.warnings)
    result = import_csv(path, timezone_name="America/Chicago")
    assert any("Every call is at midnight" in warning for warning in result.report["warnings"])


def test_military_times_in_a_time_column(tmp_path, import_csv):
    rows = [["Call Date", "Call Time", "Problem"]]
    rows += [
        [f"2019-03-{1 + i:02d}", f"{(i * 7) % 24:02d}{i % 60:02d}", ["THEFT", "NOISE"][i % 2]]
        for i in range(12)
    ]
    path = write_csv(tmp_path / "military.csv", rows)
    _headers, choice = _choose(path)
    assert choice.columns[presets.RECEIVED_TIME] == "Call Time"
    result = import_csv(path, timezone_name="UTC")
    assert result.rows_imported == 12 and result.bad_row_count == 0
    assert CfsCall.objects.get(dataset=result.dataset, line=3).received_at.strftime("%H:%M") == "07:01"


def test_a_column_of_identifiers_or_addresses_is_not_a_call_type(tmp_path):
    rows = [["Record", "Stamp", "Street"]]
    rows += [[str(100000 + i), f"2019-03-01 0{i % 10}:00:00", f"{i} MAIN ST"] for i in range(20)]
    path = write_csv(tmp_path / "ids.csv", rows)
    headers, choice = _choose(path)
    assert presets.missing_required(choice.columns) == [f"{presets.CODE}|{presets.DESCRIPTION}"]
    assert "Headers in the file" in str(parsing.missing_fields_error(headers, choice.columns))


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("911", PUBLIC),
        ("E-911", PUBLIC),
        ("TELEPHONE OTHER, NOT 911", PUBLIC),
        ("Walk-In", PUBLIC),
        ("ALARM CALL (NOT POLICE ALARM)", PUBLIC),
        ("ONVIEW", OFFICER),
        ("On View", OFFICER),
        ("Officer Initiated", OFFICER),
        ("SELF-INITIATED", OFFICER),
        ("Field Initiated", OFFICER),
        ("RADIO", ""),
        ("", ""),
        ("THEFT", ""),
    ],
)
def test_call_source_values(value, kind):
    assert source_kind(value) == kind


def test_time_formats_and_combined_times():
    assert time_format_of("2018-05-01 00:10:28").startswith("ISO 8601")
    assert time_format_of("05/01/2018 12:10:28 AM").startswith("month/day/year")
    assert time_format_of("THEFT") == ""
    assert combine_date_and_time("01/15/2019 12:00:00 AM", " 13:45:11") == "01/15/2019 13:45:11"
    assert combine_date_and_time("2019-01-15T00:00:00", "905") == "2019-01-15 09:05"


def test_import_command_explains_the_columns_and_the_lookup(db):
    out = StringIO()
    call_command(
        "import_cfs", str(CODE_LOOKUP), "--lookup", str(LOOKUP), "--timezone", "America/Chicago", stdout=out
    )
    text = out.getvalue()
    assert "Why these columns:" in text
    assert "call type code <- 'CFS': " in text and "codes of the lookup table" in text
    assert "confidence)" in text
    assert "Lookup: 8 of the file's 10 codes found" in text
    assert "codes not in the lookup, by calls (2 in all):" in text


@pytest.mark.django_db
def test_upload_page_shows_why_each_column_was_chosen(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(coordinator)
    upload = SimpleUploadedFile("la.csv", DATE_TIME.read_bytes())
    client.post(reverse("assessment:cfs_upload"), {"file": upload, "dataset_name": "la", "preset": "auto"})
    job = CfsImportJob.objects.get()
    assert job.column_mapping[presets.RECEIVED_TIME] == "Dispatch_Time"
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="column-choices"' in page
    assert "combined with the time of day in &quot;Dispatch_Time&quot;" in page


def test_the_analysis_page_shows_the_lookup_report_and_the_column_choices(client, coordinator, import_csv):
    dataset = import_csv(CODE_LOOKUP, lookup_path=LOOKUP, timezone_name="America/Chicago").dataset
    client.force_login(coordinator)
    page = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk])).content.decode()
    assert "Lookup table: 8 of the file's 10 codes found (46 of 60 calls)" in page
    assert '<td>NOISE</td><td class="text-end">8</td>' in page
    assert 'id="column-choices"' in page and "codes of the lookup table" in page
