"""Before and after inside a GeoJSON boundary: the baseline's polygons are counted for the pilot
dataset too (in the background), and the figures equal a direct count of the calls inside."""

from __future__ import annotations

import csv
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from assessment import map_counting
from assessment.compare.forms import CompareForm
from assessment.map_models import CfsBoundary, CfsPilotArea, CountState
from assessment.models import CfsCall, Divertibility
from assessment.selectors import is_public_generated
from assessment.services import cfs_dataset_import
from assessment.tests.factories import write_csv
from assessment.tests.map_helpers import counted_boundary

pytestmark = pytest.mark.django_db

HEADER = ["Received", "Description", "Priority", "Beat", "Latitude", "Longitude"]
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-88.0, 43.0], [-87.9, 43.0], [-87.9, 43.1], [-88.0, 43.1], [-88.0, 43.0]]],
}
IN, OUT = ("43.05", "-87.95"), ("43.5", "-87.95")
BEFORE = [  # ten days
    ["2024-01-01 10:15:00", "WELFARE CHECK", "2", "A", *IN],
    ["2024-01-02 10:30:00", "WELFARE CHECK", "2", "A", *IN],
    ["2024-01-03 11:00:00", "WELFARE CHECK", "2", "B", *OUT],
    ["2024-01-05 22:00:00", "NOISE COMPLAINT", "3", "B", *IN],
    ["2024-01-06 10:00:00", "SHOOTING", "1", "A", *IN],
    ["2024-01-08 09:00:00", "NOISE COMPLAINT", "3", "A", "", ""],
    ["2024-01-10 23:00:00", "WELFARE CHECK", "2", "B", *OUT],
]
AFTER = [  # five days
    ["2024-06-01 10:00:00", "WELFARE CHECK", "2", "A", *IN],
    ["2024-06-02 10:00:00", "WELFARE CHECK", "2", "A", *OUT],
    ["2024-06-03 10:00:00", "WELFARE CHECK", "2", "B", *IN],
    ["2024-06-04 03:00:00", "NOISE COMPLAINT", "3", "A", *IN],
    ["2024-06-05 03:00:00", "NOISE COMPLAINT", "3", "A", *OUT],
]


@pytest.fixture
def pair(tmp_path):
    def make(name, rows):
        path = write_csv(tmp_path / f"{name}.csv", [HEADER, *rows])
        return cfs_dataset_import(
            path=path, dataset_name=name, city_name="Testville", timezone_name="America/Chicago"
        ).dataset

    before, after = make("before", BEFORE), make("after", AFTER)
    from assessment.models import CfsCallType

    CfsCallType.objects.filter(key__in=["WELFARE CHECK", "NOISE COMPLAINT"]).update(
        divertibility=Divertibility.DIVERTIBLE
    )
    CfsCallType.objects.filter(key="SHOOTING").update(divertibility=Divertibility.NOT_DIVERTIBLE)
    return before, after


def _direct(dataset) -> tuple[int, Counter]:
    """Divertible public-generated calls inside SQUARE, read from the calls themselves."""
    polygons = [[[tuple(point) for point in ring] for ring in SQUARE["coordinates"]]]
    zone = ZoneInfo(dataset.timezone)
    total, by_hour = 0, Counter()
    for call in CfsCall.objects.filter(dataset=dataset).select_related("call_type"):
        if call.latitude is None or not map_counting.contains(polygons, call.longitude, call.latitude):
            continue
        if call.call_type.divertibility != Divertibility.DIVERTIBLE:
            continue
        if not is_public_generated(call.source_kind, call.call_type.officer_initiated):
            continue
        total += 1
        by_hour[call.received_at.astimezone(zone).hour] += 1
    return total, by_hour


def _url(name, before, after, boundary) -> str:
    return reverse(name) + f"?baseline={before.pk}&pilot={after.pk}&boundary={boundary.pk}"


def test_a_boundary_is_counted_for_both_datasets_then_compared(
    client, coordinator, pair, django_capture_on_commit_callbacks
):
    before, after = pair
    boundary = counted_boundary(before, SQUARE, name="Near west")
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks() as sent:
        response = client.get(_url("assessment:cfs_compare", before, after, boundary))
    assert response.status_code == 200 and response.context["comparison"] is None
    copy = CfsBoundary.objects.get(dataset=after)
    assert copy.polygons == boundary.polygons and copy.count_state == CountState.QUEUED
    assert response.context["pending"] == [copy]
    page = response.content.decode()
    assert "The comparison appears once the calls inside the boundary are counted in both datasets" in page
    assert "Near west (after) is waiting to be counted" in page
    assert len(sent) == 1
    export = client.get(_url("assessment:cfs_compare_export", before, after, boundary))
    assert export.status_code == 409 and "still being counted" in export.content.decode()

    with django_capture_on_commit_callbacks() as again:  # asked again: the same copy, not recounted
        client.get(_url("assessment:cfs_compare", before, after, boundary))
    assert again == [] and CfsBoundary.objects.filter(dataset=after).count() == 1

    sent[0]()  # the worker counts the copy
    response = client.get(_url("assessment:cfs_compare", before, after, boundary))
    comparison = response.context["comparison"]
    assert comparison is not None and comparison.boundary_name == "Near west"
    for side, dataset in ((comparison.baseline, before), (comparison.pilot, after)):
        total, by_hour = _direct(dataset)
        assert total > 0
        assert side.divertible_calls == total
        assert side.by_hour == [by_hour.get(hour, 0) for hour in range(24)]
    assert comparison.baseline.divertible_calls == 3 and comparison.pilot.divertible_calls == 3
    assert comparison.divertible.baseline == pytest.approx(3 / 10)
    assert comparison.divertible.pilot == pytest.approx(3 / 5)
    hours = {row.key: row for row in comparison.by_hour}
    assert (hours[10].baseline_calls, hours[10].pilot_calls) == (2, 2)
    assert "inside the boundary Near west" in response.content.decode()

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(_url("assessment:cfs_compare_export", before, after, boundary)).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert ["boundary", "Near west"] in rows
    assert rows[1][:3] == ["total", "divertible", "3"]


def test_the_same_polygons_already_counted_in_the_pilot_dataset_are_reused(
    client, coordinator, pair, django_capture_on_commit_callbacks
):
    before, after = pair
    boundary = counted_boundary(before, SQUARE, name="Near west")
    own = counted_boundary(after, SQUARE, name="Uploaded on the pilot")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks() as sent:
        response = client.get(_url("assessment:cfs_compare", before, after, boundary))
    assert sent == [] and CfsBoundary.objects.filter(dataset=after).get() == own
    assert response.context["comparison"].pilot.divertible_calls == _direct(after)[0]


def test_a_failed_count_on_either_side_is_shown_with_a_retry(client, coordinator, pair):
    before, after = pair
    boundary = counted_boundary(before, SQUARE)
    CfsBoundary.objects.create(
        dataset=after,
        name="Pilot",
        polygons=boundary.polygons,
        vertices=boundary.vertices,
        count_state=CountState.FAILED,
        error="Out of disk.",
    )
    client.force_login(coordinator)
    response = client.get(_url("assessment:cfs_compare", before, after, boundary))
    page = response.content.decode()
    assert response.context["comparison"] is None
    assert "Out of disk." in page and "Count it again" in page


def test_the_boundary_must_be_the_baselines(client, coordinator, pair):
    before, after = pair
    theirs = counted_boundary(after, SQUARE)
    client.force_login(coordinator)
    response = client.get(_url("assessment:cfs_compare", before, after, theirs))
    assert response.status_code == 400 and "boundary" in response.context["form"].errors


def test_from_the_analysis_page_the_saved_boundary_is_chosen(pair):
    before, _after = pair
    boundary = counted_boundary(before, SQUARE)
    CfsPilotArea.objects.create(dataset=before, boundary=boundary)
    form = CompareForm.for_baseline(str(before.pk))
    assert form.initial["boundary"] == boundary.pk
    assert list(form.fields["boundary"].queryset) == [boundary]
