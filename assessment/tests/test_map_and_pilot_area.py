"""The 911 map (grid cells of divertible calls) and the pilot-area filter (areas, or a GeoJSON
boundary) on the analysis page: selectors, materialisation on both databases and both import
paths, form validation, access, CSP."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from assessment import map_counting, map_selectors, map_services, selectors
from assessment.cfs import fastload
from assessment.map_models import (
    CfsBoundary,
    CfsBoundaryCellCount,
    CfsBoundaryPeriodCount,
    CfsBoundarySlotCount,
    CfsCellCount,
    CfsGrid,
    CfsPilotArea,
    CountState,
)
from assessment.models import CfsCallType, CfsPeriodCount, Divertibility
from assessment.tests.factories import MKE_HEADER, mke_row, write_csv
from assessment.tests.map_helpers import counted_boundary

pytestmark = pytest.mark.django_db

# A square around (43.05, -87.95) with a square hole in its middle, and a second square far east.
OUTER = [[-88.0, 43.0], [-87.9, 43.0], [-87.9, 43.1], [-88.0, 43.1], [-88.0, 43.0]]
HOLE = [[-87.96, 43.04], [-87.94, 43.04], [-87.94, 43.06], [-87.96, 43.06], [-87.96, 43.04]]
EAST = [[-87.8, 43.2], [-87.7, 43.2], [-87.7, 43.3], [-87.8, 43.3], [-87.8, 43.2]]
MULTI = {"type": "MultiPolygon", "coordinates": [[OUTER, HOLE], [EAST]]}

ROWS = [MKE_HEADER] + [
    # inside the outer ring, outside the hole (district 1)
    mke_row(1, "2018-05-01 10:10:28", "WELFARE CITIZEN", district="1", lat="43.02", lon="-87.98"),
    mke_row(2, "2018-05-01 11:00:00", "WELFARE CITIZEN", district="1", lat="43.02", lon="-87.98"),
    mke_row(3, "2018-06-02 12:00:00", "SHOTS FIRED", district="1", lat="43.08", lon="-87.91"),
    # in the hole: outside (district 2)
    mke_row(4, "2018-05-03 13:00:00", "WELFARE CITIZEN", district="2", lat="43.05", lon="-87.95"),
    # outside everything (district 2)
    mke_row(5, "2018-05-04 14:00:00", "WELFARE CITIZEN", district="2", lat="43.5", lon="-87.95"),
    # in the second polygon (district 3)
    mke_row(6, "2018-06-05 15:00:00", "WELFARE CITIZEN", district="3", lat="43.25", lon="-87.75"),
    # no coordinates (district 3)
    mke_row(7, "2018-06-06 16:00:00", "WELFARE CITIZEN", district="3", lat="", lon=""),
]
INSIDE_LINES = 4  # rows 1, 2, 3 and 6


@pytest.fixture(params=["fast", "python"])
def dataset(request, tmp_path, import_csv, monkeypatch):
    if request.param == "fast" and connection.vendor != "postgresql":
        pytest.skip("the COPY path needs PostgreSQL")
    if request.param == "python":
        monkeypatch.setattr(fastload, "usable", lambda positions, sample: False)
    dataset = import_csv(write_csv(tmp_path / "mke.csv", ROWS), dataset_name="mke").dataset
    monkeypatch.undo()
    CfsCallType.objects.filter(key__contains="WELFARE").update(divertibility=Divertibility.DIVERTIBLE)
    return dataset


def _boundary(dataset, geometry=MULTI):
    return counted_boundary(dataset, geometry)


# --------------------------------------------------------------------------------------------
# Geometry


def test_contains_follows_the_even_odd_rule_with_holes_and_several_polygons():
    polygons = map_services.geojson_polygons(json.dumps(MULTI))
    assert map_counting.contains(polygons, -87.98, 43.02)
    assert not map_counting.contains(polygons, -87.95, 43.05)  # in the hole
    assert not map_counting.contains(polygons, -87.95, 43.5)
    assert map_counting.contains(polygons, -87.75, 43.25)  # the second polygon
    assert not map_counting.contains(polygons, -87.85, 43.15)  # between the two


def test_geojson_feature_collections_and_features_are_read():
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [OUTER]}}
    collection = {"type": "FeatureCollection", "features": [feature, {"type": "Feature", "geometry": MULTI}]}
    assert len(map_services.geojson_polygons(json.dumps(feature))) == 1
    assert len(map_services.geojson_polygons(json.dumps(collection))) == 3
    assert map_services.geojson_polygons(json.dumps(feature))[0][0][0] == (-88.0, 43.0)  # ring closed once


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a GeoJSON object"),
        (json.dumps({"type": "Point", "coordinates": [-87.9, 43.0]}), "Polygon or a MultiPolygon, not Point"),
        (json.dumps({"type": "LineString", "coordinates": OUTER}), "not LineString"),
        (json.dumps({"type": "Polygon", "coordinates": [[[-88, 43], [-87, 43]]]}), "at least 3"),
        (json.dumps({"type": "Polygon", "coordinates": [[[43, -188], [1, 2], [3, 4]]]}), "outside the world"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4]]]}),
            "[longitude, latitude]",
        ),
        (json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
    ],
)
def test_bad_geojson_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ValidationError) as caught:
        map_services.geojson_polygons(text)
    assert message in " ".join(caught.value.messages)


def test_too_many_vertices_are_refused(settings):
    ring = [[-88 + i * 1e-5, 43.0 + (i % 2) * 1e-5] for i in range(map_services.MAX_VERTICES + 5)]
    with pytest.raises(ValidationError, match="vertices"):
        map_services.geojson_polygons(json.dumps({"type": "Polygon", "coordinates": [ring]}))


# --------------------------------------------------------------------------------------------
# Selectors


def test_area_filter_narrows_every_table(dataset):
    everything = selectors.cfs_analysis(dataset=dataset)
    district_one = selectors.cfs_analysis(dataset=dataset, areas=["1"])
    assert everything["all_calls"] == 7
    assert district_one["all_calls"] == 3
    assert [row.label for row in district_one["areas"]] == ["1"]
    assert sum(row.total for row in district_one["priorities"]) == 3
    assert sum(row.total for row in district_one["trend"]) == 3
    assert sum(row.total for row in district_one["categories"]) == 3
    assert sum(sum(map(sum, grid)) for grid in district_one["heatmap"].values()) == 3
    assert district_one["summary"].divertible == 2
    # the monthly aggregate keeps the area at import (both paths)
    assert set(CfsPeriodCount.objects.filter(dataset=dataset).values_list("area", flat=True)) == {
        "1",
        "2",
        "3",
    }


def test_coverage_planner_honours_the_filter(dataset):
    days, hours = list(range(7)), list(range(24))
    everything = selectors.cfs_coverage(dataset=dataset, days=days, hours=hours)
    district_two = selectors.cfs_coverage(dataset=dataset, days=days, hours=hours, pilot_areas=["2"])
    assert sum(everything.totals.values()) == 7
    assert sum(district_two.totals.values()) == sum(district_two.covered.values()) == 2
    # the planner's own areas are taken within the pilot's
    assert (
        sum(
            selectors.cfs_coverage(
                dataset=dataset, days=days, hours=hours, areas=["1"], pilot_areas=["2"]
            ).covered.values()
        )
        == 0
    )  # noqa: E501


def test_boundary_keeps_the_calls_inside_only(dataset):
    boundary = _boundary(dataset)
    assert boundary.calls_inside == INSIDE_LINES
    analysis = selectors.cfs_analysis(dataset=dataset, boundary=boundary)
    assert analysis["all_calls"] == INSIDE_LINES
    assert sorted(row.label for row in analysis["areas"]) == ["1", "3"]
    assert sum(row.total for row in analysis["trend"]) == INSIDE_LINES
    both = selectors.cfs_analysis(dataset=dataset, areas=["3"], boundary=boundary)
    assert both["all_calls"] == 1
    coverage = selectors.cfs_coverage(
        dataset=dataset, days=list(range(7)), hours=list(range(24)), boundary=boundary
    )
    assert sum(coverage.totals.values()) == INSIDE_LINES


def test_a_single_polygon_with_its_hole(dataset):
    boundary = _boundary(dataset, {"type": "Polygon", "coordinates": [OUTER, HOLE]})
    assert boundary.calls_inside == 3
    without_hole = _boundary(dataset, {"type": "Polygon", "coordinates": [OUTER]})
    assert without_hole.calls_inside == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the SQL with the Python fallback")
def test_sql_and_python_materialisation_agree(dataset):
    boundary = _boundary(dataset)

    def rows():
        return [
            sorted(model.objects.filter(boundary=boundary).values_list(*fields))
            for model, fields in (
                (CfsBoundarySlotCount, ("call_type_id", "weekday", "hour", "area", "source_kind", "calls")),
                (
                    CfsBoundaryPeriodCount,
                    ("call_type_id", "month", "priority", "area", "source_kind", "calls"),
                ),
                (
                    CfsBoundaryCellCount,
                    ("call_type_id", "area", "lat_cell", "lon_cell", "source_kind", "calls"),
                ),
            )
        ]

    by_sql = rows()
    with transaction.atomic():
        for model in (CfsBoundarySlotCount, CfsBoundaryPeriodCount, CfsBoundaryCellCount):
            model.objects.filter(boundary=boundary).delete()
        map_counting._materialise_python(boundary)
    assert rows() == by_sql
    assert sum(row[-1] for row in by_sql[1]) == INSIDE_LINES


def test_map_cells_are_aggregated_divertible_public_calls(dataset):
    grid = map_services.grid_ensure(dataset)
    assert grid.located_calls == 6
    data = map_selectors.cfs_map(dataset=dataset, grid=grid)
    assert data.divertible_calls == 5  # the shots fired are not divertible, row 7 has no point
    assert data.max_calls == 2  # rows 1 and 2 share a cell
    south, west, north, east, calls = next(cell for cell in data.cells if cell[4] == 2)
    assert south <= 43.02 < north and west <= -87.98 < east
    inside = map_selectors.cfs_map(dataset=dataset, grid=grid, boundary=_boundary(dataset))
    assert inside.divertible_calls == 3
    assert map_selectors.cfs_map(dataset=dataset, grid=grid, areas=["2"]).divertible_calls == 2


def test_many_cells_are_merged(dataset, monkeypatch):
    grid = map_services.grid_ensure(dataset)
    monkeypatch.setattr(map_selectors, "MAX_CELLS", 2)
    data = map_selectors.cfs_map(dataset=dataset, grid=grid)
    assert len(data.cells) <= 2 and data.merged > 1
    assert data.divertible_calls == 5


def test_replacing_the_dataset_forgets_the_grid_and_recounts_boundaries(
    dataset, tmp_path, import_csv, django_capture_on_commit_callbacks
):
    boundary = _boundary(dataset)
    map_services.grid_ensure(dataset)
    assert CfsCellCount.objects.filter(dataset=dataset).exists()
    with django_capture_on_commit_callbacks() as sent:
        import_csv(write_csv(tmp_path / "again.csv", ROWS[:3]), dataset_name="mke", replace=True)
    boundary.refresh_from_db()
    assert boundary.count_state == CountState.QUEUED and not boundary.period_counts.exists()
    assert not CfsGrid.objects.filter(dataset=dataset).exists()
    assert not CfsCellCount.objects.filter(dataset=dataset).exists()
    for callback in sent:  # the recount, sent when the import commits
        callback()
    boundary.refresh_from_db()
    assert boundary.is_counted and boundary.calls_inside == 2


# --------------------------------------------------------------------------------------------
# The page


def _page(client, dataset):
    return client.get(reverse("assessment:cfs_analysis", args=[dataset.pk]))


def test_choosing_areas_is_remembered_and_said(client, coordinator, dataset):
    client.force_login(coordinator)
    url = reverse("assessment:cfs_pilot_area", args=[dataset.pk])
    assert client.post(url, {"areas": ["2"]}).status_code == 302
    assert CfsPilotArea.objects.get(dataset=dataset).areas == ["2"]
    response = _page(client, dataset)
    page = response.content.decode()
    assert "Filter in effect" in page and "it keeps 2 of the 7 calls" in page
    assert response.context["analysis"]["all_calls"] == 2
    assert sum(response.context["coverage"].totals.values()) == 2
    assert client.post(url, {"areas": ["nowhere"]}).status_code == 302  # refused, unchanged
    assert CfsPilotArea.objects.get(dataset=dataset).areas == ["2"]
    client.post(url, {"clear": "1"})
    assert _page(client, dataset).context["analysis"]["all_calls"] == 7


def test_uploading_a_boundary_uses_it(client, coordinator, dataset, django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("pilot.geojson", json.dumps(MULTI).encode(), "application/geo+json")
    with django_capture_on_commit_callbacks(execute=True):  # the count, sent on commit (eager)
        response = client.post(
            reverse("assessment:cfs_boundary_upload", args=[dataset.pk]),
            {"name": "Near west", "file": upload},
        )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # the map grid, at the first view
        _page(client, dataset)
    page = _page(client, dataset)
    assert page.context["analysis"]["all_calls"] == INSIDE_LINES
    assert "inside the boundary Near west" in page.content.decode()
    assert page.context["map"].divertible_calls == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{oops", "not valid JSON"),
        (json.dumps({"type": "Point", "coordinates": [1, 2]}).encode(), "not Point"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_bad_boundary_is_a_form_error(client, coordinator, dataset, content, message):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("pilot.geojson", content)
    response = client.post(
        reverse("assessment:cfs_boundary_upload", args=[dataset.pk]), {"name": "x", "file": upload}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CfsBoundary.objects.exists()


def test_a_boundary_needs_coordinates(
    client, coordinator, tmp_path, import_csv, django_capture_on_commit_callbacks
):
    rows = [MKE_HEADER, mke_row(1, "2018-05-01 10:10:28", "WELFARE CITIZEN", lat="", lon="")]
    dataset = import_csv(write_csv(tmp_path / "nocoords.csv", rows), dataset_name="bare").dataset
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # the map grid, at the first view
        _page(client, dataset)
    upload = SimpleUploadedFile("pilot.geojson", json.dumps(MULTI).encode())
    response = client.post(
        reverse("assessment:cfs_boundary_upload", args=[dataset.pk]), {"name": "x", "file": upload}
    )
    assert response.status_code == 400
    assert "no coordinates" in response.content.decode()
    assert "This dataset has no coordinates: there is no map" in response.content.decode()


def test_the_map_data_is_embedded_aggregated(client, coordinator, dataset):
    client.force_login(coordinator)
    map_services.grid_ensure(dataset)
    page = _page(client, dataset).content.decode()
    assert 'id="cfs-map-data"' in page
    assert "vendor/leaflet/leaflet.js" in page and "vendor/leaflet/leaflet.css" in page
    found = re.search(r'<script id="cfs-map-data" type="application/json">(.*?)</script>', page)
    data = json.loads(found.group(1))
    assert set(data) == {"cells", "max", "tileUrl", "cellDegrees"} and data["tileUrl"] == ""
    assert sum(cell[4] for cell in data["cells"]) == 5  # divertible calls, counted per cell
    for south, west, north, east, _calls in data["cells"]:  # rectangles of the grid, not points
        assert north - south == pytest.approx(data["cellDegrees"]) == east - west


@pytest.mark.parametrize("role_fixture", ["volunteer_user", "responder", "dispatcher"])
def test_only_coordinators_may_filter_or_upload(client, dataset, role_fixture, request):
    client.force_login(request.getfixturevalue(role_fixture))
    upload = SimpleUploadedFile("pilot.geojson", json.dumps(MULTI).encode())
    assert (
        client.post(reverse("assessment:cfs_pilot_area", args=[dataset.pk]), {"areas": ["2"]}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("assessment:cfs_boundary_upload", args=[dataset.pk]), {"name": "x", "file": upload}
        )
    ).status_code == 403
    assert not CfsPilotArea.objects.exists() and not CfsBoundary.objects.exists()
    client.logout()
    assert client.post(reverse("assessment:cfs_pilot_area", args=[dataset.pk])).status_code == 302


def test_csp_allows_the_tile_origin_for_images_only(client, coordinator, dataset, settings):
    client.force_login(coordinator)
    map_services.grid_ensure(dataset)
    policy = _page(client, dataset)["Content-Security-Policy"]
    assert "tile.example.org" not in policy and "img-src 'self' data:;" in policy
    settings.CFS_MAP_TILE_URL = "https://tile.example.org/{z}/{x}/{y}.png"
    response = _page(client, dataset)
    directives = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert directives["img-src"] == "'self' data: https://tile.example.org"
    assert all("tile.example.org" not in value for name, value in directives.items() if name != "img-src")
    assert response.context["map"].tile_url == settings.CFS_MAP_TILE_URL
    settings.CFS_MAP_TILE_URL = "javascript:alert(1)"
    assert "javascript" not in _page(client, dataset)["Content-Security-Policy"]


def test_datasets_imported_before_get_their_monthly_areas_back(dataset):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("assessment.migrations.0010_cfs_period_counts_keep_the_area")
    before = sorted(
        CfsPeriodCount.objects.filter(dataset=dataset).values_list(
            "call_type_id", "month", "priority", "area", "source_kind", "calls"
        )
    )
    # As an import before the area column: one row per type, month, priority and source.
    CfsPeriodCount.objects.filter(dataset=dataset).delete()
    CfsPeriodCount.objects.create(dataset=dataset, call_type_id=before[0][0], month=before[0][1], calls=7)
    migration.recount(apps, connection.schema_editor())
    after = sorted(
        CfsPeriodCount.objects.filter(dataset=dataset).values_list(
            "call_type_id", "month", "priority", "area", "source_kind", "calls"
        )
    )
    assert after == before
