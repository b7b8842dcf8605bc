"""Dispatch, arrival and clear times: detection, time on scene per call, the aggregates both
import paths write, the disposition breakdown, and the analysis page's sections."""

from datetime import datetime

import pytest
from django.db.models import Sum
from django.urls import reverse

from assessment import selectors_dispositions, selectors_scene_time
from assessment.cfs import presets, scene
from assessment.cfs.parsing.detection import detect_columns
from assessment.models import CfsCall, CfsCallType, CfsDispositionCount, CfsSceneTimeCount, Divertibility
from assessment.tests.factories import write_csv

LA_HEADER = [
    "Incident_Number",
    "Area_Occ",
    "Dispatch_Date",
    "Dispatch_Time",
    "Arrival_Time",
    "Clear_Time",
    "Call_Type_Code",
    "Call_Type_Text",
    "Disposition",
]
# (dispatch time, arrival, clear, code, text, area, disposition): minutes on scene in the comment.
LA_CALLS = [
    ("10:00", "10:10", "10:40", "907", "WELFARE CHECK", "Central", "ADVISED"),  # 30
    ("11:00", "11:05", "11:25", "907", "WELFARE CHECK", "Central", "NO REPORT"),  # 20
    ("23:50", "00:05", "00:55", "907", "WELFARE CHECK", "Rampart", "REPORT TAKEN"),  # 50, past midnight
    ("12:00", "", "12:45", "415", "DISTURBANCE", "Rampart", "ADVISED"),  # 45, dispatch to clear
    ("13:00", "13:10", "13:05", "415", "DISTURBANCE", "Central", "ARREST"),  # negative: dropped
    ("14:00", "14:10", "", "242", "BATTERY", "Central", "ARREST"),  # no clear time
    ("15:00", "15:20", "16:20", "242", "BATTERY", "Central", "REPORT TAKEN"),  # 60
]


def _la_rows(calls=LA_CALLS) -> list[list[str]]:
    rows = [LA_HEADER]
    for number, (dispatched, arrived, cleared, code, text, area, disposition) in enumerate(calls, start=1):
        rows.append(
            [
                f"19{number:05d}",
                area,
                "01/15/2019 12:00:00 AM",
                dispatched,
                arrived,
                cleared,
                code,
                text,
                disposition,
            ]
        )
    return rows


def _sample(rows: list[list[str]]) -> list[tuple[int, list[str]]]:
    return [(line, row) for line, row in enumerate(rows[1:], start=2)]


# --------------------------------------------------------------------------------------------
# Time on scene of one call


def test_time_on_scene_is_arrival_to_clear_or_dispatch_to_clear():
    clock = scene.SceneClock()
    received = datetime(2019, 1, 15, 10, 0)  # noqa: DTZ001 - a wall-clock time
    assert clock.scene_seconds(received, "10:00", "10:10", "10:40") == 30 * 60
    assert clock.scene_seconds(received, "10:00", "", "10:40") == 40 * 60
    assert clock.scene_seconds(received, "", "", "10:40") == scene.MISSING
    assert clock.scene_seconds(received, "10:00", "10:10", "") == scene.MISSING
    assert clock.scene_seconds(received, "10:00", "10:10", "10:05") == scene.NEGATIVE


def test_times_of_day_run_past_midnight_and_full_date_times_are_taken_as_written():
    clock = scene.SceneClock()
    late = datetime(2019, 1, 15, 23, 50)  # noqa: DTZ001 - a wall-clock time
    assert clock.scene_seconds(late, "23:50", "00:05", "00:55") == 50 * 60
    received = datetime(2019, 1, 15, 8, 0)  # noqa: DTZ001 - a wall-clock time
    assert (
        clock.scene_seconds(received, "2019-01-15 08:01:00", "2019-01-15 08:10:00", "2019-01-15 09:10:30")
        == 3630
    )
    assert (
        clock.scene_seconds(received, "2019-01-15 08:01:00", "2019-01-15 08:10:00", "2019-01-17 08:10:00")
        == scene.TOO_LONG
    )


def test_buckets_cover_every_kept_duration_in_order():
    assert scene.bucket_of(0) == 0
    assert scene.bucket_of(59) == 0
    assert scene.bucket_of(60) == 1
    assert scene.bucket_of(scene.MAX_SCENE_SECONDS) == len(scene.BUCKET_UPPER_SECONDS) - 1
    previous = -1
    for seconds in range(0, scene.MAX_SCENE_SECONDS + 1, 97):
        bucket = scene.bucket_of(seconds)
        low, high = scene.bucket_bounds(bucket)
        assert low <= seconds < high
        assert bucket >= previous
        previous = bucket


def test_the_median_is_interpolated_in_its_bucket():
    # 3 calls in [10, 11) minutes, 1 in [20, 21): the median lies in the first bucket.
    assert selectors_scene_time.median_of_buckets(
        {scene.bucket_of(600): 3, scene.bucket_of(1200): 1}
    ) == pytest.approx(600 + 60 * (2 / 3))
    assert selectors_scene_time.median_of_buckets({}) is None


def test_units_are_whole_numbers_from_one():
    assert [scene.units(v) for v in ("2", " 1 ", "0", "", "A12", "150")] == [2, 1, None, None, None, None]


# --------------------------------------------------------------------------------------------
# Detection


def test_an_la_like_file_s_dispatch_arrival_and_clear_times_are_detected():
    rows = _la_rows()
    detection = detect_columns(rows[0], _sample(rows))
    columns = detection.columns
    assert columns[presets.RECEIVED] == "Dispatch_Date"
    assert columns[presets.RECEIVED_TIME] == "Dispatch_Time"
    assert columns[presets.ARRIVED] == "Arrival_Time"
    assert columns[presets.CLEARED] == "Clear_Time"
    assert columns[presets.DISPATCHED] == "Dispatch_Date"  # the received time is the dispatch
    assert columns[presets.DISPOSITION] == "Disposition"
    why = {choice.field: choice.why for choice in detection.choices}
    assert "times of day" in why[presets.ARRIVED]
    assert "dispatch time" in why[presets.DISPATCHED]


def test_date_time_columns_and_a_units_column_are_detected_by_content_and_name():
    header = ["CallReceived", "DispatchDateTime", "OnSceneDateTime", "CloseDateTime", "Units", "Nature"]
    rows = [header] + [
        [
            f"2019-02-0{day} 10:00:00",
            f"2019-02-0{day} 10:02:00",
            f"2019-02-0{day} 10:12:00",
            f"2019-02-0{day} 10:52:00",
            str(day % 3 + 1),
            "WELFARE CHECK" if day % 2 else "NOISE",
        ]
        for day in range(1, 9)
    ]
    detection = detect_columns(header, _sample(rows))
    assert detection.columns[presets.RECEIVED] == "CallReceived"
    assert detection.columns[presets.DISPATCHED] == "DispatchDateTime"
    assert detection.columns[presets.ARRIVED] == "OnSceneDateTime"
    assert detection.columns[presets.CLEARED] == "CloseDateTime"
    assert detection.columns[presets.UNITS] == "Units"


def test_an_identifier_named_unit_is_not_taken_for_a_number_of_units():
    header = ["Time", "Unit", "Nature"]
    rows = [header] + [[f"2019-02-0{d} 10:00:00", f"1A{d}", "NOISE"] for d in range(1, 9)]
    assert presets.UNITS not in detect_columns(header, _sample(rows)).columns


# --------------------------------------------------------------------------------------------
# Import


@pytest.fixture
def la_dataset(tmp_path, import_csv):
    return import_csv(
        write_csv(tmp_path / "la.csv", _la_rows()), dataset_name="la", timezone_name="America/Los_Angeles"
    ).dataset


@pytest.mark.django_db
def test_the_import_stores_time_on_scene_per_call_and_reports_what_was_dropped(la_dataset):
    seconds = dict(CfsCall.objects.filter(dataset=la_dataset).values_list("line", "scene_seconds"))
    assert seconds == {2: 1800, 3: 1200, 4: 3000, 5: 2700, 6: None, 7: None, 8: 3600}
    report = la_dataset.import_report["scene_time"]
    assert report == {"timed": 5, "negative": 1, "too_long": 0, "units_column": False}


@pytest.mark.django_db
def test_the_aggregates_are_the_calls_stored(la_dataset):
    """The pre-aggregated tables hold exactly what the calls table says (`test_import_fastpath`
    compares what the two import paths store)."""
    calls = CfsCall.objects.filter(dataset=la_dataset)
    expected = {}
    for call in calls.exclude(scene_seconds=None):
        key = (call.call_type_id, call.area, scene.bucket_of(call.scene_seconds))
        n, s = expected.get(key, (0, 0))
        expected[key] = (n + 1, s + call.scene_seconds)
    stored = {
        (row.call_type_id, row.area, row.bucket): (row.calls, row.seconds)
        for row in CfsSceneTimeCount.objects.filter(dataset=la_dataset)
    }
    assert stored == expected
    assert (
        CfsSceneTimeCount.objects.filter(dataset=la_dataset).aggregate(u=Sum("unit_seconds"))["u"]
        == calls.aggregate(s=Sum("scene_seconds"))["s"]
    )
    dispositions = {
        (row.call_type_id, row.area, row.disposition): row.calls
        for row in CfsDispositionCount.objects.filter(dataset=la_dataset)
    }
    assert sum(dispositions.values()) == calls.count() == 7


@pytest.mark.django_db
def test_units_multiply_the_unit_hours(tmp_path, import_csv):
    header = ["Time", "Nature", "Dispatched", "Arrived", "Cleared", "Units"]
    rows = [header] + [
        [
            "2019-03-01 10:00:00",
            "WELFARE CHECK",
            "2019-03-01 10:01:00",
            "2019-03-01 10:10:00",
            "2019-03-01 10:40:00",
            "2",
        ],
        [
            "2019-03-01 11:00:00",
            "WELFARE CHECK",
            "2019-03-01 11:01:00",
            "2019-03-01 11:10:00",
            "2019-03-01 11:20:00",
            "",
        ],
    ]
    dataset = import_csv(write_csv(tmp_path / "units.csv", rows), dataset_name="units").dataset
    assert dataset.import_report["scene_time"]["units_column"] is True
    times = selectors_scene_time.cfs_scene_times(dataset=dataset)
    (row,) = times.rows
    assert (row.calls, row.seconds, row.unit_seconds) == (2, 2400, 2 * 1800 + 600)
    assert row.mean_minutes == 20
    assert not times.units_assumed


# --------------------------------------------------------------------------------------------
# Selectors and the page


@pytest.mark.django_db
def test_scene_time_selector_by_call_type_and_area(la_dataset):
    times = selectors_scene_time.cfs_scene_times(dataset=la_dataset)
    by_key = {row.call_type.key: row for row in times.rows}
    assert by_key["907"].calls == 3
    assert by_key["907"].mean_minutes == pytest.approx((30 + 20 + 50) / 3)
    assert 30 <= by_key["907"].median_minutes < 35  # the median call (30 min) is in the 30-35 min bucket
    assert by_key["415"].calls == 1  # the negative one is dropped
    assert times.dropped == 1 and times.units_assumed
    central = selectors_scene_time.cfs_scene_times(dataset=la_dataset, areas=["Central"])
    assert {row.call_type.key: row.calls for row in central.rows} == {"907": 2, "242": 1}


@pytest.mark.django_db
def test_unit_hours_absorbable_in_a_window_are_divertible_calls_times_their_mean(la_dataset):
    CfsCallType.objects.filter(city=la_dataset.city).update(divertibility=Divertibility.NOT_DIVERTIBLE)
    CfsCallType.objects.filter(city=la_dataset.city, key="907").update(divertibility=Divertibility.DIVERTIBLE)
    # 2019-01-15 is a Tuesday (weekday 1); the welfare checks are at 10, 11 and 23 h.
    absorbable = selectors_scene_time.cfs_absorbable_unit_hours(
        dataset=la_dataset, days=[1], hours=[10, 11], shifts=1
    )
    mean_hours = (30 + 20 + 50) / 3 / 60
    assert absorbable.divertible_calls == 2
    assert absorbable.divertible_unit_hours == pytest.approx(2 * mean_hours)
    assert absorbable.per_shift == pytest.approx(2 * mean_hours)
    rampart = selectors_scene_time.cfs_absorbable_unit_hours(
        dataset=la_dataset, days=[1], hours=list(range(24)), areas=["Rampart"]
    )
    assert rampart.divertible_calls == 1
    assert rampart.divertible_unit_hours == pytest.approx(50 / 60)


@pytest.mark.django_db
def test_disposition_breakdown_gives_the_advised_or_no_report_share(la_dataset):
    breakdown = selectors_dispositions.cfs_disposition_breakdown(dataset=la_dataset)
    by_key = {row.call_type.key: row for row in breakdown.rows}
    assert by_key["907"].no_report_share == pytest.approx(2 / 3)
    assert by_key["242"].no_report_share == 0
    assert by_key["907"].top[0][1] == pytest.approx(1 / 3)
    assert breakdown.no_report == 3
    central = selectors_dispositions.cfs_disposition_breakdown(dataset=la_dataset, areas=["Central"])
    assert {row.call_type.key: row.calls for row in central.rows} == {"907": 2, "415": 1, "242": 2}
    assert selectors_dispositions.is_no_report("NO POLICE ACTION REQUIRED")
    assert not selectors_dispositions.is_no_report("ARREST MADE")


@pytest.mark.django_db
def test_the_analysis_page_shows_dispositions_time_on_scene_and_absorbable_hours(
    client, coordinator, la_dataset
):
    CfsCallType.objects.filter(city=la_dataset.city, key="907").update(divertibility=Divertibility.DIVERTIBLE)
    client.force_login(coordinator)
    url = reverse("assessment:cfs_analysis", args=[la_dataset.pk])
    page = client.get(url).content.decode()
    assert 'id="disposition-table"' in page
    assert 'id="scene-time-table"' in page
    assert "every call is counted as one police unit" in page
    assert "1 duration was dropped (1 negative, 0 over 24 hours)" in page
    response = client.get(
        url,
        {"planner": "1", "days": ["1"], "hours": ["10", "11"], "minutes_per_call": "30"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="coverage-result",
    )
    assert 'id="absorbable-unit-hours"' in response.content.decode()
    assert response.context["absorbable"].divertible_calls == 2


@pytest.mark.django_db
def test_a_file_without_these_columns_says_so(client, coordinator, tmp_path, import_csv):
    rows = [["Time", "Nature"], ["2019-03-01 10:00:00", "NOISE"], ["2019-03-01 11:00:00", "NOISE"]]
    dataset = import_csv(write_csv(tmp_path / "plain.csv", rows), dataset_name="plain").dataset
    client.force_login(coordinator)
    page = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk])).content.decode()
    assert "time on scene and unit-hours need them" in page
    assert "no disposition column" in page


@pytest.mark.django_db
def test_the_sql_buckets_are_python_s():
    from django.db import connection

    values = [0, 59, 60, 61, 1799, 1800, 1801, 7199, 7200, 21599, 21600, 25200, 86399, 86400]
    with connection.cursor() as cursor:
        for postgres in {connection.vendor == "postgresql", False}:
            select = ", ".join(scene.bucket_sql(str(value), postgres=postgres) for value in values)
            cursor.execute(f"SELECT {select}")  # noqa: S608 - numbers made here
            assert list(cursor.fetchone()) == [scene.bucket_of(value) for value in values]
