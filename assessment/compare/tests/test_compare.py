"""Before and after: two small datasets of one city where every figure per day is known."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from assessment.compare.selectors import ComparisonError, cfs_comparison, comparison_csv_rows
from assessment.map_models import CfsPilotArea
from assessment.models import CfsCity, CfsDataset
from assessment.services import cfs_dataset_import
from assessment.tests.factories import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["Received", "Description", "Priority", "Beat"]
# Ten days, January 1 to 10: 4 divertible calls of 5 from the public.
BEFORE = [
    ["2024-01-01 10:15:00", "WELFARE CHECK", "2", "A"],
    ["2024-01-02 10:30:00", "WELFARE CHECK", "2", "A"],
    ["2024-01-05 22:00:00", "NOISE COMPLAINT", "3", "B"],
    ["2024-01-06 10:00:00", "SHOOTING", "1", "A"],
    ["2024-01-10 23:00:00", "WELFARE CHECK", "2", "B"],
]
# Five days, June 1 to 5: 4 divertible calls of 4.
AFTER = [
    ["2024-06-01 10:00:00", "WELFARE CHECK", "2", "A"],
    ["2024-06-02 10:00:00", "WELFARE CHECK", "2", "A"],
    ["2024-06-03 10:00:00", "WELFARE CHECK", "2", "B"],
    ["2024-06-05 03:00:00", "NOISE COMPLAINT", "3", "A"],
]


@pytest.fixture
def make(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def run(name: str, rows: list[list[str]], city: str = "Testville") -> CfsDataset:
        path = write_csv(tmp_path / f"{name}.csv", [HEADER, *rows])
        return cfs_dataset_import(
            path=path, dataset_name=name, city_name=city, timezone_name="America/Chicago"
        ).dataset

    return run


@pytest.fixture
def pair(make):
    return make("before", BEFORE), make("after", AFTER)


def test_divertible_calls_per_day_in_total_by_hour_and_by_call_type(pair):
    before, after = pair
    comparison = cfs_comparison(baseline=before, pilot=after)
    assert (comparison.baseline.days, comparison.pilot.days) == (10, 5)
    assert comparison.divertible.baseline == pytest.approx(0.4)
    assert comparison.divertible.pilot == pytest.approx(0.8)
    assert comparison.divertible.change == pytest.approx(0.4)
    assert comparison.divertible.change_share == pytest.approx(1.0)
    assert (comparison.public.baseline, comparison.public.pilot) == (pytest.approx(0.5), pytest.approx(0.8))
    hours = {row.key: row for row in comparison.by_hour}
    assert len(hours) == 24
    assert (hours[10].baseline, hours[10].pilot) == (pytest.approx(0.2), pytest.approx(0.6))
    assert hours[10].change_share == pytest.approx(2.0)
    assert (hours[3].baseline, hours[3].pilot, hours[3].change_share) == (0, pytest.approx(0.2), None)
    assert hours[22].change == pytest.approx(-0.1) and hours[22].change_share == pytest.approx(-1.0)
    types = {row.label: (row.baseline_calls, row.pilot_calls) for row in comparison.by_type}
    assert types == {"WELFARE CHECK": (3, 3), "NOISE COMPLAINT": (1, 1)}  # SHOOTING is not divertible
    assert comparison.by_type[0].label == "WELFARE CHECK"
    assert comparison.by_type[0].pilot == pytest.approx(0.6)


def test_areas_restrict_both_datasets(pair):
    before, after = pair
    comparison = cfs_comparison(baseline=before, pilot=after, areas=["A"])
    assert comparison.divertible.baseline == pytest.approx(0.2)  # 2 calls in area A over 10 days
    assert comparison.divertible.pilot == pytest.approx(0.6)  # 3 over 5 days
    nowhere = cfs_comparison(baseline=before, pilot=after, areas=["Z"])
    assert nowhere.divertible.baseline == 0
    assert any("no public-generated calls in the chosen areas" in warning for warning in nowhere.warnings)


def test_refuses_the_same_dataset_two_cities_and_an_empty_dataset(pair, make):
    before, after = pair
    with pytest.raises(ComparisonError, match="same dataset"):
        cfs_comparison(baseline=before, pilot=before)
    elsewhere = make("elsewhere", AFTER, city="Otherton")
    with pytest.raises(ComparisonError, match="one city"):
        cfs_comparison(baseline=before, pilot=elsewhere)
    empty = CfsDataset.objects.create(
        city=CfsCity.objects.get(name="Testville"), name="empty", timezone="UTC"
    )
    with pytest.raises(ComparisonError, match="no calls"):
        cfs_comparison(baseline=before, pilot=empty)


def test_flags_overlapping_periods_reversed_order_short_periods_and_unclassified(pair, make):
    before, after = pair
    comparison = cfs_comparison(baseline=before, pilot=after)
    assert [w for w in comparison.warnings if "overlap" in w] == []
    assert sum("covers only" in w for w in comparison.warnings) == 2  # 10 and 5 days
    overlapping = make("overlapping", [["2024-01-08 12:00:00", "WELFARE CHECK", "2", "A"], *AFTER[:1]])
    assert any("overlap" in w for w in cfs_comparison(baseline=before, pilot=overlapping).warnings)
    assert any("after the pilot" in w for w in cfs_comparison(baseline=after, pilot=before).warnings)
    unknown = make(
        "unknown", [[f"2024-07-0{day} 12:00:00", "XYZZY", "", "A"] for day in range(1, 4)] + AFTER[:1]
    )
    warnings = cfs_comparison(baseline=before, pilot=unknown).warnings
    assert any("75 % of the public-generated calls of unknown are not classified" in w for w in warnings)


def test_the_page_is_for_coordinators_and_shows_the_change(client, coordinator, dispatcher, pair):
    before, after = pair
    url = reverse("assessment:cfs_compare") + f"?baseline={before.pk}&pilot={after.pk}"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403
    assert client.get(reverse("assessment:cfs_compare_export") + url.split("/compare/")[1]).status_code in (
        403,
        404,
    )
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["comparison"].divertible.pilot == pytest.approx(0.8)
    assert "+100.0 %" in page and "+0.40" in page
    assert reverse("assessment:cfs_compare_export") in page
    # Linked from the datasets list and from each analysis page.
    assert reverse("assessment:cfs_compare") in client.get(reverse("assessment:cfs_index")).content.decode()
    analysis = client.get(reverse("assessment:cfs_analysis", args=[before.pk])).content.decode()
    assert f"{reverse('assessment:cfs_compare')}?baseline={before.pk}" in analysis
    chosen = client.get(reverse("assessment:cfs_compare") + f"?baseline={before.pk}")
    assert chosen.status_code == 200 and chosen.context["comparison"] is None


def test_the_page_refuses_a_pair_that_cannot_be_compared(client, coordinator, pair):
    before, _after = pair
    client.force_login(coordinator)
    response = client.get(reverse("assessment:cfs_compare") + f"?baseline={before.pk}&pilot={before.pk}")
    assert response.status_code == 400
    assert "the same dataset was chosen twice" in response.content.decode()
    export = client.get(reverse("assessment:cfs_compare_export") + f"?baseline={before.pk}&pilot={before.pk}")
    assert export.status_code == 400
    assert "same dataset" in export.content.decode()
    assert client.get(reverse("assessment:cfs_compare_export")).status_code == 302


def test_csv_export(client, coordinator, pair):
    before, after = pair
    client.force_login(coordinator)
    response = client.get(
        reverse("assessment:cfs_compare_export") + f"?baseline={before.pk}&pilot={after.pk}&areas=A"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "compare-before-vs-after.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["section", "item", "baseline calls", "baseline calls per day"]
    assert rows[1] == ["total", "divertible", "2", "0.2", "3", "0.6", "0.4", "200.0"]
    hour_22 = next(row for row in rows if row[:2] == ["hour", "22:00"])
    assert hour_22[6] == "0.0"  # area A had no divertible call at 22:00 in either
    assert ["areas", "A"] in rows


def test_csv_rows_write_negative_changes_as_numbers(pair):
    before, after = pair
    rows = comparison_csv_rows(cfs_comparison(baseline=after, pilot=before))
    total = rows[1]
    assert total[6] == pytest.approx(-0.4) and total[7] == pytest.approx(-50.0)


def test_an_import_refreshes_the_statistics_of_the_aggregates(tmp_path, django_capture_on_commit_callbacks):
    """The planner needs to know a dataset's slot rows are many (10 M calls: 200,000 rows), or it
    sorts them on disk: ANALYZE runs once the import commits."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL statistics")
    rows = [
        [f"2024-03-{day:02d} {hour:02d}:00:00", "WELFARE CHECK", "2", "A"]
        for day in range(1, 29)
        for hour in range(24)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'assessment_cfsslotcount'")
        (before,) = cursor.fetchone()
    with django_capture_on_commit_callbacks(execute=True):
        cfs_dataset_import(
            path=write_csv(tmp_path / "m.csv", [HEADER, *rows]), dataset_name="m", city_name="T"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'assessment_cfsslotcount'")
        (after,) = cursor.fetchone()
    # A fresh table never analysed says -1 (0 before PostgreSQL 14); the import's rows are counted.
    assert before < 24 * 4 <= after  # 24 hours x 4 weekdays at least


def test_the_baselines_saved_pilot_areas_are_ticked_by_default(client, coordinator, pair):
    before, after = pair
    client.force_login(coordinator)
    url = reverse("assessment:cfs_compare") + f"?baseline={before.pk}"
    page = client.get(url)
    assert page.context["form"]["areas"].value() in (None, [])  # nothing saved: all areas
    CfsPilotArea.objects.create(dataset=before, areas=["A"])
    page = client.get(url)
    form = page.context["form"]
    assert form["areas"].value() == ["A"]
    assert [value for value, _label in form.fields["areas"].choices] == ["A", "B"]
    checkboxes = re.findall(r"<input[^>]*name=\"areas\"[^>]*>", page.content.decode())
    assert [("checked" in tag, 'value="A"' in tag) for tag in checkboxes] == [(True, True), (False, False)]
    # Submitting the form as shown compares those areas; unticking them all compares every area.
    ticked = client.get(url + f"&pilot={after.pk}&areas=A")
    assert ticked.context["comparison"].areas == ["A"]
    assert client.get(url + f"&pilot={after.pk}").context["comparison"].areas is None
