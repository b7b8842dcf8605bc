"""A coordinator reads the 911 map and narrows the analysis to a pilot area, in headless
Chromium: without a tile URL the map draws its grid cells (with their counts) and the browser
asks nothing of another origin; ticking an area changes the tables and the page says so."""

from __future__ import annotations

from assessment.models import CfsCallType, Divertibility
from assessment.tests.factories import MKE_HEADER, mke_row, write_csv

from .journey import JOURNEY, log_in, reseed, screenshot_on_failure

pytestmark = JOURNEY

ROWS = [MKE_HEADER] + [
    mke_row(1, "2018-05-01 10:10:28", "WELFARE CITIZEN", district="1", lat="43.02", lon="-87.98"),
    mke_row(2, "2018-05-01 11:00:00", "WELFARE CITIZEN", district="1", lat="43.02", lon="-87.98"),
    mke_row(3, "2018-05-02 12:00:00", "WELFARE CITIZEN", district="2", lat="43.08", lon="-87.91"),
    mke_row(4, "2018-05-03 13:00:00", "WELFARE CITIZEN", district="2", lat="43.10", lon="-87.90"),
    mke_row(5, "2018-05-04 14:00:00", "SHOTS FIRED", district="2", lat="43.10", lon="-87.90"),
]
AREA_TABLE = """
(table) => Array.from(table.tBodies[0].rows).map((row) => row.cells[0].textContent.trim())
"""


def test_the_map_draws_cells_without_tiles_and_an_area_narrows_the_tables(
    browser_page, live_server, make_user, settings, tmp_path
):
    from assessment.services import cfs_dataset_import

    reseed("assessment")
    settings.CFS_MAP_TILE_URL = ""
    make_user("Coordinator", username="cora")
    dataset = cfs_dataset_import(
        path=write_csv(tmp_path / "mke.csv", ROWS), dataset_name="map journey"
    ).dataset
    CfsCallType.objects.filter(key__contains="WELFARE").update(divertibility=Divertibility.DIVERTIBLE)
    page = browser_page
    foreign = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url),
    )
    path = f"/assessment/calls/datasets/{dataset.pk}/"

    with screenshot_on_failure("cfs-map-journey", page):
        log_in(page, live_server.url, "cora", next_path=path)
        page.wait_for_selector("#cfs-map path.cfs-map-cell")
        cells = page.locator("#cfs-map path.cfs-map-cell")
        assert cells.count() == 3  # (43.02, -87.98) twice, (43.08, -87.91), (43.10, -87.90)
        assert page.get_attribute("#cfs-map", "data-cells") == "3"
        assert page.locator("#cfs-map .leaflet-tile").count() == 0
        cells.first.hover()
        tooltip = page.wait_for_selector(".leaflet-tooltip")
        assert tooltip.text_content().strip() in {"1", "2"}
        assert "No filter" in page.text_content("#pilot-area-status")

        areas = page.eval_on_selector("table:has(caption:text-is('Calls by area'))", AREA_TABLE)
        assert sorted(areas) == ["1", "2"]
        page.locator("#pilot-area").get_by_label("2", exact=True).check()
        page.get_by_role("button", name="Apply the filter").click()
        page.wait_for_selector("#pilot-area-status.fw-semibold")
        status = " ".join(page.text_content("#pilot-area-status").split())
        assert "it keeps 3 of the 5 calls" in status
        areas = page.eval_on_selector("table:has(caption:text-is('Calls by area'))", AREA_TABLE)
        assert areas == ["2"]
        page.wait_for_selector("#cfs-map path.cfs-map-cell")
        assert page.locator("#cfs-map path.cfs-map-cell").count() == 2
    assert foreign == []


def test_a_boundary_counting_in_the_background_is_applied_when_done(
    browser_page, live_server, make_user, tmp_path
):
    """The upload's count has not run yet (no worker): the page says the boundary waits, polls,
    and reloads itself once a worker has counted it."""
    from assessment import map_jobs
    from assessment.map_models import CfsBoundary, CfsPilotArea
    from assessment.services import cfs_dataset_import

    reseed("assessment")
    make_user("Coordinator", username="cora")
    dataset = cfs_dataset_import(
        path=write_csv(tmp_path / "mke.csv", ROWS), dataset_name="boundary journey"
    ).dataset
    square = [[[-88.0, 43.0], [-87.95, 43.0], [-87.95, 43.05], [-88.0, 43.05]]]  # rows 1 and 2
    boundary = CfsBoundary.objects.create(dataset=dataset, name="Near west", polygons=[square], vertices=4)
    CfsPilotArea.objects.create(dataset=dataset, boundary=boundary)
    page = browser_page
    path = f"/assessment/calls/datasets/{dataset.pk}/"

    with screenshot_on_failure("cfs-boundary-counting", page):
        log_in(page, live_server.url, "cora", next_path=path)
        page.wait_for_selector("#pilot-area-waiting")
        assert "is waiting to be counted" in page.text_content(f"#boundary-count-{boundary.pk}")
        assert "No filter" in page.text_content("#pilot-area-status")
        map_jobs.boundary_count_run(boundary_id=boundary.pk)  # the worker's turn
        page.wait_for_selector("#pilot-area-status.fw-semibold", timeout=15000)  # reloaded by itself
        status = " ".join(page.text_content("#pilot-area-status").split())
        assert "inside the boundary Near west" in status and "it keeps 2 of the 5 calls" in status
        assert page.locator("#pilot-area-waiting").count() == 0
