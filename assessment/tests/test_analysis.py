"""Analysis numbers on a small constructed dataset, where every expected value is known."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from assessment import selectors
from assessment.models import CfsCallType, Divertibility
from assessment.services import cfs_call_type_classify
from assessment.tests.factories import write_csv

pytestmark = pytest.mark.django_db

D, M, N, U = (
    Divertibility.DIVERTIBLE,
    Divertibility.MAYBE,
    Divertibility.NOT_DIVERTIBLE,
    Divertibility.UNCLASSIFIED,
)
HEADER = ["Received", "Description", "Priority", "Beat"]

# 2024-01-01 is a Monday. Eight calls from January 1 to February 1 (32 days).
ROWS = [
    ["2024-01-01 10:15:00", "WELFARE CHECK", "2", "A"],  # Mon 10, divertible
    ["2024-01-01 11:30:00", "WELFARE CHECK", "2", "A"],  # Mon 11, divertible
    ["2024-01-09 10:45:00", "WELFARE CHECK", "3", "B"],  # Tue 10, divertible
    ["2024-01-08 10:05:00", "SHOOTING", "1", "A"],  # Mon 10, not divertible
    ["2024-01-07 23:59:00", "SHOOTING", "1", "B"],  # Sun 23, not divertible
    ["2024-01-13 22:00:00", "NOISE COMPLAINT", "3", "B"],  # Sat 22, divertible
    ["2024-01-17 09:00:00", "SICK PERSON", "2", "A"],  # Wed 9, maybe (Vera: Medical Emergencies)
    ["2024-02-01 12:00:00", "XYZZY", "", "-1"],  # Thu 12, unclassified, unknown area
]


@pytest.fixture
def dataset(tmp_path, import_csv):
    path = write_csv(tmp_path / "calls.csv", [HEADER, *ROWS])
    result = import_csv(path, city_name="Testville", timezone_name="America/Chicago")
    assert result.rows_imported == 8
    return result.dataset


def test_shares_by_divertibility_category_and_call_type(dataset):
    analysis = selectors.cfs_analysis(dataset=dataset)
    summary = analysis["summary"]
    assert summary.split == {D: 4, M: 1, N: 2, U: 1}
    assert summary.divertible_share == 0.5
    assert summary.maybe_share == 0.125
    types = {
        row["label"]: (row["calls"], row["divertibility"], row["share"]) for row in analysis["call_types"]
    }
    assert types == {
        "WELFARE CHECK": (3, D, 0.375),
        "SHOOTING": (2, N, 0.25),
        "NOISE COMPLAINT": (1, D, 0.125),
        "SICK PERSON": (1, M, 0.125),
        "XYZZY": (1, U, 0.125),
    }
    assert [row["label"] for row in analysis["call_types"]][:2] == ["WELFARE CHECK", "SHOOTING"]
    categories = {row.label: row.split for row in analysis["categories"]}
    assert categories["Assisting the Public"] == {D: 3, M: 0, N: 0, U: 0}
    assert categories["Violent Crime"] == {D: 0, M: 0, N: 2, U: 0}
    assert categories["Complaints/Environmental Conditions"] == {D: 1, M: 0, N: 0, U: 0}
    assert categories["Medical Emergencies"] == {D: 0, M: 1, N: 0, U: 0}
    assert analysis["categories"][-1].label == ""  # uncategorised last
    assert analysis["categories"][-1].split[U] == 1
    assert analysis["unreviewed_types"] == 5
    assert analysis["unreviewed_calls"] == 8


def test_heatmap_hours_and_weekdays(dataset):
    heatmap = selectors.cfs_heatmap(dataset=dataset)
    divertible = heatmap[D]
    assert (
        divertible[0][10] == 1
        and divertible[0][11] == 1
        and divertible[1][10] == 1
        and divertible[5][22] == 1
    )
    assert sum(map(sum, divertible)) == 4
    assert heatmap[N][0][10] == 1 and heatmap[N][6][23] == 1
    assert heatmap[M][2][9] == 1
    assert heatmap[U][3][12] == 1
    analysis = selectors.cfs_analysis(dataset=dataset)
    assert analysis["divertible_by_hour"][10] == 2
    assert analysis["all_by_hour"][10] == 3
    assert analysis["divertible_by_weekday"] == [2, 1, 0, 0, 0, 1, 0]


def test_by_area_priority_and_month(dataset):
    areas = {row.label: row.split for row in selectors.cfs_area_totals(dataset=dataset)}
    assert areas == {
        "A": {D: 2, M: 1, N: 1, U: 0},
        "B": {D: 2, M: 0, N: 1, U: 0},
        "": {D: 0, M: 0, N: 0, U: 1},
    }
    assert [row.label for row in selectors.cfs_area_totals(dataset=dataset)] == ["A", "B", ""]
    priorities = selectors.cfs_priority_totals(dataset=dataset)
    assert [(row.label, row.total, row.divertible) for row in priorities] == [
        ("1", 2, 0),
        ("2", 3, 2),
        ("3", 2, 2),
        ("", 1, 0),
    ]
    months = selectors.cfs_month_totals(dataset=dataset)
    assert [(row.key, row.total, row.divertible, row.maybe) for row in months] == [
        (date(2024, 1, 1), 7, 4, 1),
        (date(2024, 2, 1), 1, 0, 0),
    ]
    assert selectors.cfs_areas(dataset=dataset) == ["A", "B", ""]


def test_weekday_occurrences():
    # January 1 (Monday) to February 1 (Thursday) 2024: 32 days.
    assert selectors.weekday_occurrences(date(2024, 1, 1), date(2024, 2, 1)) == [5, 5, 5, 5, 4, 4, 4]
    assert selectors.weekday_occurrences(date(2024, 1, 3), date(2024, 1, 3)) == [0, 0, 1, 0, 0, 0, 0]


def test_coverage_planner_arithmetic(dataset):
    coverage = selectors.cfs_coverage(dataset=dataset, days=[0, 1], hours=[10, 11], minutes_per_call=60)
    assert coverage.covered == {D: 3, M: 0, N: 1, U: 0}
    assert coverage.totals == {D: 4, M: 1, N: 2, U: 1}
    assert coverage.divertible_share == 0.75
    assert coverage.maybe_share == 0
    assert coverage.all_share == 0.5
    assert coverage.shifts == 10  # 5 Mondays + 5 Tuesdays
    assert coverage.divertible_per_shift == pytest.approx(0.3)
    assert coverage.divertible_per_hour == pytest.approx(0.15)
    assert coverage.responder_hours_per_shift == pytest.approx(0.3)
    assert coverage.peak_calls_per_hour == pytest.approx(0.2)  # one call in 5 Monday 10:00s
    assert coverage.teams_at_peak == 1

    in_a = selectors.cfs_coverage(
        dataset=dataset, days=[0, 1], hours=[10, 11], areas=["A"], minutes_per_call=30
    )
    assert in_a.covered[D] == 2
    assert in_a.divertible_share == 0.5
    assert in_a.responder_hours_per_shift == pytest.approx(0.1)

    weekend_nights = selectors.cfs_coverage(dataset=dataset, days=[5, 6], hours=[22, 23])
    assert weekend_nights.covered == {D: 1, M: 0, N: 1, U: 0}
    assert weekend_nights.shifts == 8
    assert weekend_nights.divertible_per_shift == pytest.approx(1 / 8)

    unknown_area = selectors.cfs_coverage(dataset=dataset, days=[3], hours=[12], areas=[""])
    assert unknown_area.covered[U] == 1

    nothing = selectors.cfs_coverage(dataset=dataset, days=[], hours=[10])
    assert (
        nothing.shifts,
        nothing.divertible_share,
        nothing.divertible_per_shift,
        nothing.teams_at_peak,
    ) == (0, 0, 0, 0)


def test_a_reclassification_shows_at_once(dataset, coordinator):
    xyzzy = CfsCallType.objects.get(key="XYZZY")
    cfs_call_type_classify(call_type=xyzzy, category=None, divertibility=D, user=coordinator)
    assert selectors.cfs_divertibility_totals(dataset=dataset).split == {D: 5, M: 1, N: 2, U: 0}
    assert selectors.cfs_heatmap(dataset=dataset)[D][3][12] == 1


def test_pilot_contacts_beside_the_pattern():
    try:
        intake_model = apps.get_model("hotline", "Intake")
    except LookupError:
        assert selectors.pilot_contacts().available is False
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    monday_ten = datetime(2024, 1, 1, 10, 30, tzinfo=zone)
    for offset in (timedelta(0), timedelta(minutes=5), timedelta(days=1, hours=5)):
        intake_model.objects.create(channel="voice", caller="+12025550123", created_at=monday_ten + offset)
    pattern = selectors.pilot_contacts()
    assert pattern.available
    assert pattern.contacts == 3
    assert pattern.by_hour[10] == 2 and pattern.by_hour[15] == 1
    assert pattern.by_weekday == [2, 1, 0, 0, 0, 0, 0]


def test_pilot_contacts_without_the_hotline_app(monkeypatch):
    def missing(app_label, model_name):
        raise LookupError(app_label)

    monkeypatch.setattr(selectors.apps, "get_model", missing)
    assert selectors.pilot_contacts().available is False


def test_a_dataset_of_about_a_month_is_drawn_day_by_day(dataset, client, coordinator):
    analysis = selectors.cfs_analysis(dataset=dataset)
    assert analysis["trend_by"] == "day"
    trend = analysis["trend"]
    # January 1 to February 1: 32 days, the days without calls as zeros (local dates, Chicago).
    assert len(trend) == 32
    assert (trend[0].key, trend[-1].key) == (date(2024, 1, 1), date(2024, 2, 1))
    by_day = {row.key: (row.total, row.divertible) for row in trend}
    assert by_day[date(2024, 1, 1)] == (2, 2)
    assert by_day[date(2024, 1, 7)] == (1, 0)  # 23:59 local stays on the 7th
    assert by_day[date(2024, 1, 2)] == (0, 0)
    assert sum(row.total for row in trend) == 8
    client.force_login(coordinator)
    page = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk])).content.decode()
    assert "Trend by day" in page and "Trend by month" not in page


def test_a_dataset_of_several_months_is_drawn_month_by_month(tmp_path, import_csv):
    rows = [["2024-01-05 10:00:00", "WELFARE CHECK", "2", "A"], ["2024-06-20 10:00:00", "SHOOTING", "1", "B"]]
    result = import_csv(write_csv(tmp_path / "long.csv", [HEADER, *rows]), city_name="Longville")
    analysis = selectors.cfs_analysis(dataset=result.dataset)
    assert analysis["trend_by"] == "month"
    assert [row.key for row in analysis["trend"]] == [date(2024, 1, 1), date(2024, 6, 1)]
