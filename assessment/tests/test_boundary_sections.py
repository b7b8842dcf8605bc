"""A GeoJSON pilot-area boundary narrows the disposition breakdown, the time on scene and the
coverage planner's absorbable unit-hours to the calls inside it: the boundary's disposition and
time-on-scene counts, materialised by SQL (PostgreSQL) and by Python (SQLite) alike."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from assessment import map_counting, selectors_dispositions, selectors_scene_time
from assessment.cfs import fastload
from assessment.map_models import CfsBoundaryDispositionCount, CfsBoundarySceneTimeCount, CfsPilotArea
from assessment.models import CfsCall, CfsCallType, Divertibility
from assessment.tests.factories import write_csv
from assessment.tests.map_helpers import counted_boundary
from assessment.tests.test_map_and_pilot_area import INSIDE_LINES, MULTI, ROWS

pytestmark = pytest.mark.django_db

# Row number of ROWS (1-7) -> (disposition, seconds on scene, units). Inside the boundary: rows
# 1, 2, 3 (SHOTS FIRED) and 6; row 4 is in the hole, row 5 outside, row 7 has no coordinates.
CALLS = {
    1: ("ADVISED", 600, 2),
    2: ("ARREST", 1800, None),
    3: ("REPORT TAKEN", 3600, 1),
    4: ("ADVISED", 1200, 1),
    5: ("ADVISED", 7200, 3),
    6: ("NO REPORT", 900, None),
    7: ("ADVISED", 300, 1),
}
INSIDE_UNIT_SECONDS = 600 * 2 + 1800 + 3600 + 900
WELFARE_INSIDE_UNIT_SECONDS = 600 * 2 + 1800 + 900  # rows 1, 2 and 6


@pytest.fixture(params=["fast", "python"])
def dataset(request, tmp_path, import_csv, monkeypatch):
    if request.param == "fast" and connection.vendor != "postgresql":
        pytest.skip("the COPY path needs PostgreSQL")
    if request.param == "python":
        monkeypatch.setattr(fastload, "usable", lambda positions, sample: False)
    dataset = import_csv(write_csv(tmp_path / "mke.csv", ROWS), dataset_name="mke").dataset
    monkeypatch.undo()
    CfsCallType.objects.filter(key__contains="WELFARE").update(divertibility=Divertibility.DIVERTIBLE)
    # The file has no times on scene: give the calls some (the boundary reads the calls).
    lines = sorted(CfsCall.objects.filter(dataset=dataset).values_list("line", flat=True))
    assert len(lines) == len(CALLS)
    for row, line in enumerate(lines, start=1):
        disposition, seconds, units = CALLS[row]
        CfsCall.objects.filter(dataset=dataset, line=line).update(
            disposition=disposition, scene_seconds=seconds, units=units
        )
    return dataset


@pytest.fixture(params=["database", "python"])
def boundary(request, dataset):
    """The boundary, counted by the database's path, or counted again by the Python path."""
    made = counted_boundary(dataset, MULTI)
    if request.param == "python":
        with transaction.atomic():
            for model in map_counting.BOUNDARY_COUNT_MODELS:
                model.objects.filter(boundary=made).delete()
            map_counting._materialise_python(made)
    return made


def _rows(boundary):
    return [
        sorted(
            CfsBoundaryDispositionCount.objects.filter(boundary=boundary).values_list(
                "call_type_id", "area", "source_kind", "disposition", "calls"
            )
        ),
        sorted(
            CfsBoundarySceneTimeCount.objects.filter(boundary=boundary).values_list(
                "call_type_id", "area", "source_kind", "bucket", "calls", "seconds", "unit_seconds"
            )
        ),
    ]


def test_the_disposition_breakdown_keeps_the_calls_inside_only(dataset, boundary):
    everything = selectors_dispositions.cfs_disposition_breakdown(dataset=dataset)
    assert everything.calls == 7
    inside = selectors_dispositions.cfs_disposition_breakdown(dataset=dataset, boundary=boundary)
    assert inside.calls == INSIDE_LINES
    by_type = {row.call_type.key.upper(): row for row in inside.rows}
    welfare = next(row for name, row in by_type.items() if "WELFARE" in name)
    shots = next(row for name, row in by_type.items() if "SHOTS" in name)
    assert welfare.counts == {"ADVISED": 1, "ARREST": 1, "NO REPORT": 1}
    assert welfare.no_report == 2 and shots.no_report == 0
    assert inside.no_report == 2
    # areas narrow the boundary further
    district_three = selectors_dispositions.cfs_disposition_breakdown(
        dataset=dataset, areas=["3"], boundary=boundary
    )
    assert district_three.calls == 1 and district_three.no_report == 1


def test_time_on_scene_keeps_the_calls_inside_only(dataset, boundary):
    inside = selectors_scene_time.cfs_scene_times(dataset=dataset, boundary=boundary)
    assert inside.calls == INSIDE_LINES
    assert inside.unit_seconds == INSIDE_UNIT_SECONDS
    assert sum(row.calls for row in inside.rows) == INSIDE_LINES
    welfare = next(row for row in inside.rows if "WELFARE" in row.call_type.key.upper())
    assert welfare.calls == 3 and welfare.seconds == 600 + 1800 + 900
    assert 10 <= welfare.median_minutes <= 16  # the middle of 10, 15 and 30 minutes, in its bucket
    district_three = selectors_scene_time.cfs_scene_times(dataset=dataset, areas=["3"], boundary=boundary)
    assert district_three.calls == 1 and district_three.unit_seconds == 900


def test_absorbable_unit_hours_keep_the_calls_inside_only(dataset, boundary):
    days, hours = list(range(7)), list(range(24))
    inside = selectors_scene_time.cfs_absorbable_unit_hours(
        dataset=dataset, days=days, hours=hours, boundary=boundary
    )
    assert inside.divertible_calls == 3  # welfare rows 1, 2 and 6
    assert inside.divertible_unit_hours == pytest.approx(WELFARE_INSIDE_UNIT_SECONDS / 3600)
    district_three = selectors_scene_time.cfs_absorbable_unit_hours(
        dataset=dataset, days=days, hours=hours, areas=["3"], boundary=boundary
    )
    assert district_three.divertible_calls == 1
    assert district_three.divertible_unit_hours == pytest.approx(900 / 3600)


def test_sql_and_python_materialisation_agree(dataset):
    if connection.vendor != "postgresql":
        pytest.skip("compares the SQL with the Python fallback")
    made = counted_boundary(dataset, MULTI)
    by_sql = _rows(made)
    assert sum(row[-1] for row in by_sql[0]) == INSIDE_LINES
    assert sum(row[-1] for row in by_sql[1]) == INSIDE_UNIT_SECONDS
    with transaction.atomic():
        for model in map_counting.BOUNDARY_COUNT_MODELS:
            model.objects.filter(boundary=made).delete()
        map_counting._materialise_python(made)
    assert _rows(made) == by_sql


def test_replacing_the_dataset_forgets_the_boundary_sections(dataset, tmp_path, import_csv):
    made = counted_boundary(dataset, MULTI)
    assert made.disposition_counts.exists() and made.scene_time_counts.exists()
    import_csv(write_csv(tmp_path / "again.csv", ROWS[:3]), dataset_name="mke", replace=True)
    assert not made.disposition_counts.exists() and not made.scene_time_counts.exists()


def test_the_analysis_page_reads_the_boundary_in_every_section(client, coordinator, dataset, boundary):
    CfsPilotArea.objects.create(dataset=dataset, boundary=boundary)
    client.force_login(coordinator)
    response = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk]))
    assert response.status_code == 200
    assert response.context["dispositions"].calls == INSIDE_LINES
    assert response.context["scene_times"].unit_seconds == INSIDE_UNIT_SECONDS
    assert response.context["absorbable"].divertible_calls == 3
    assert response.context["absorbable"].divertible_unit_hours == pytest.approx(
        WELFARE_INSIDE_UNIT_SECONDS / 3600
    )
    CfsPilotArea.objects.filter(dataset=dataset).update(boundary=None)
    response = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk]))
    assert response.context["scene_times"].calls == 0  # the dataset's own counts: no times in the file
    assert response.context["dispositions"].calls == 7
