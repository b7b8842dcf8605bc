"""A coordinator imports a city's 911 calls for service and reads them, in headless Chromium
against a live server: they upload a slice of Milwaukee's May 2018 export through the import
page, confirm the detected columns, see the result, read the analysis (whose figures the test
computes from the same slice on its own) and open the pilot dashboard, whose charts are drawn.
Celery runs the import in-process (eager), as it does in every test.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.formats import date_format

from assessment.cfs.suggestions import officer_rule_for

from .journey import JOURNEY, charts_drawn, log_in, reseed, screenshot_on_failure

pytestmark = JOURNEY

MILWAUKEE = Path("/work/shared/data/milwaukee_mpd_cfs_2018-05.csv")
SLICE_LINES = 300  # the header and 299 calls
DATASET = "Milwaukee, first calls of May 2018"

# The rows of a table as lists of cell texts (header cells included, whitespace collapsed).
TABLE_ROWS = """
(table) => Array.from(table.tBodies[0].rows).map(
  (row) => Array.from(row.cells).map((cell) => cell.textContent.replace(/\\s+/g, " ").trim()))
"""


@pytest.fixture
def calls_slice(tmp_path) -> Path:
    if not MILWAUKEE.exists():
        pytest.skip(f"needs {MILWAUKEE}")
    path = tmp_path / "mpd_cfs_2018-05-01.csv"
    with MILWAUKEE.open(encoding="utf-8", newline="") as source:
        lines = [next(source) for _ in range(SLICE_LINES)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def expected_figures(path: Path) -> dict:
    """What the analysis must show, counted straight from the file."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    days = sorted(row["time"][:10] for row in rows)
    # The file has no call-source column: officer-initiated activity is known by its call type.
    public = [row for row in rows if officer_rule_for(row["nature"]) is None]
    return {
        "calls": len(rows),
        "public_calls": len(public),
        "public_areas": Counter(row["district"].strip() for row in public),
        "first_day": days[0],
        "last_day": days[-1],
        "areas": Counter(row["district"].strip() for row in rows),
        "natures": Counter(row["nature"].strip() for row in rows),
    }


def test_a_coordinator_imports_calls_reads_the_analysis_and_the_dashboard_draws(
    browser_page, live_server, make_user, settings, tmp_path, calls_slice
):
    from assessment.models import CfsDataset
    from assessment.pilot.services import pilot_settings_save
    from assessment.pilot.synthetic import synthesize

    reseed("assessment")
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    make_user("Coordinator", username="cora")
    dispatcher = make_user("Dispatcher", username="dana")
    # The pilot has been running: its dashboard has contacts to chart.
    pilot_settings_save(
        name="Spring pilot 2026",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 5, 31),
        service_areas=[],
        min_dispatchers=1,
        min_responders=0,
    )
    synthesize(contacts=120, first_day=date(2026, 3, 1), last_day=date(2026, 5, 31), by=dispatcher, seed=7)
    expected = expected_figures(calls_slice)
    assert expected["calls"] == SLICE_LINES - 1
    page = browser_page

    with screenshot_on_failure("cfs-import-journey", page):
        log_in(page, live_server.url, "cora", next_path="/assessment/calls/")
        page.get_by_role("link", name="Import a file").click()
        page.wait_for_url("**/assessment/calls/upload/")
        page.set_input_files("#id_file", str(calls_slice))
        page.fill("#id_dataset_name", DATASET)
        page.fill("#id_city", "Milwaukee")
        assert page.input_value("#id_preset") == "auto"
        page.get_by_role("button", name="Upload and check the columns").click()

        # The columns were recognised; the coordinator starts the import.
        page.wait_for_url("**/assessment/calls/imports/*/")
        assert "mpd_cfs_2018-05-01.csv" in page.text_content("h1")
        assert "milwaukee" in page.text_content("main").lower()
        page.get_by_role("button", name="Start the import").click()
        page.wait_for_selector("#job-progress .alert-success")
        result = " ".join(page.text_content("#job-progress").split())
        assert f"Imported {expected['calls']} calls; 0 bad rows." in result
        page.get_by_role("link", name="See the analysis").click()

        # The analysis: the same counts as the file.
        page.wait_for_url("**/assessment/calls/datasets/*/")
        assert page.text_content("h1") == DATASET
        header = " ".join(page.text_content("main p.text-body-secondary").split())
        with translation.override("en"):  # the page's one date format
            first, last = (
                date_format(date.fromisoformat(expected[key]), "DATE_FORMAT")
                for key in ("first_day", "last_day")
            )
        assert f"{first} – {last}" in header
        assert f"{expected['calls']} calls" in header

        areas = page.eval_on_selector("table:has(caption:text-is('Calls by area'))", TABLE_ROWS)
        # Areas count the public's calls; officer-initiated activity is counted apart.
        assert {row[0]: int(row[1]) for row in areas} == dict(expected["public_areas"])

        call_types = page.eval_on_selector(
            "table:has(caption:has-text('most frequent call types'))", TABLE_ROWS
        )
        shown = {row[0]: int(row[3]) for row in call_types}
        natures = expected["natures"]
        assert len(shown) == min(40, len(natures))
        assert shown == {label: natures[label] for label in shown}
        # The most frequent first: nothing left out is more frequent than what is shown.
        assert [int(row[3]) for row in call_types] == sorted(shown.values(), reverse=True)
        assert max((n for label, n in natures.items() if label not in shown), default=0) <= min(
            shown.values()
        )

        # Its charts plot every call.
        charts = charts_drawn(page, "canvas[data-chart]")
        for name in ("categories", "hours", "areas", "months"):
            assert charts[name]["chart"] and charts[name]["painted"] > 500, name
        assert charts["areas"]["total"] == expected["public_calls"]
        assert charts["areas"]["bars"] == len(expected["public_areas"])

        # The pilot dashboard, from the Assessment menu: every chart drawn.
        page.get_by_role("button", name="Assessment", exact=True).click()
        page.get_by_role("link", name="Dashboard", exact=True).click()
        page.wait_for_url("**/assessment/")
        assert "Spring pilot 2026" in page.text_content("h1")
        pilot_charts = charts_drawn(page, "canvas[data-pilot-chart]")
        of_contacts = {"channels", "answering", "decisions", "call_types", "response_times", "heatmap"}
        assert of_contacts <= set(pilot_charts)
        for slug, chart in pilot_charts.items():
            assert chart["chart"] and chart["bars"] > 0, f"{slug}: nothing plotted"
            assert chart["painted"] > 500, f"{slug}: the canvas is blank"
            assert chart["total"] > 0 or slug not in of_contacts, f"{slug}: the contacts are missing"

    dataset = CfsDataset.objects.get(name=DATASET)
    assert dataset.row_count == expected["calls"] and dataset.city.name == "Milwaukee"
    assert dataset.calls.count() == expected["calls"]
