"""A coordinator opens the pilot dashboard in headless Chromium (Debian's /usr/bin/chromium)
against a live server: every chart is drawn by the vendored Chart.js, beside its table, and the
page prints without its controls. On failure a screenshot lands in test-artifacts/."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(live_server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()


@contextmanager
def screenshot_on_failure(page, name: str):
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise


DRAWN = """
() => Array.from(document.querySelectorAll("canvas[data-pilot-chart]")).map((canvas) => {
  const chart = Chart.getChart(canvas);
  const context = canvas.getContext("2d");
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let index = 3; index < pixels.length; index += 4) { if (pixels[index] !== 0) { painted++; } }
  return {
    slug: canvas.dataset.pilotChart,
    chart: chart !== undefined,
    bars: chart ? chart.getDatasetMeta(0).data.length : 0,
    painted: painted,
    width: canvas.width,
  };
})
"""


def test_the_dashboard_draws_every_chart_beside_its_table(browser_page, live_server, make_user):
    from assessment.pilot.services import pilot_settings_save
    from assessment.pilot.synthetic import synthesize
    from dispatch.tests.factories import ensure_seeded

    ensure_seeded()  # call types and protocol: a transactional test's flush removed them
    make_user("Coordinator", username="cora")
    dispatcher = make_user("Dispatcher", username="dana")
    pilot_settings_save(
        name="Summer pilot 2026",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 8, 31),
        service_areas=[],
        min_dispatchers=1,
        min_responders=0,
    )
    synthesize(contacts=300, first_day=date(2026, 6, 1), last_day=date(2026, 8, 31), by=dispatcher, seed=3)
    page = browser_page

    with screenshot_on_failure(page, "dashboard-charts"):
        page.goto(f"{live_server.url}/accounts/login/?next=/assessment/")
        page.fill("input[name=username]", "cora")
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url("**/assessment/")
        assert "Summer pilot 2026" in page.text_content("h1")

        page.wait_for_function("() => typeof Chart !== 'undefined'")
        charts = page.evaluate(DRAWN)
        slugs = {chart["slug"] for chart in charts}
        assert {"channels", "answering", "decisions", "call_types", "response_times", "heatmap"} <= slugs
        for chart in charts:
            assert chart["chart"], f"{chart['slug']}: no Chart.js chart on the canvas"
            assert chart["width"] > 0, chart["slug"]
            assert chart["bars"] > 0, f"{chart['slug']}: nothing plotted"
            assert chart["painted"] > 500, f"{chart['slug']}: the canvas is blank"
            # The accessible table with the same figures sits beside the chart.
            assert page.locator(f"#table-{chart['slug']}").count() == 1

        # The heatmap is a table of shaded cells: the busiest hour is the darkest.
        assert page.locator("#table-heatmap td.heat-5").count() >= 1

        # Hovering the definition link shows the definition.
        link = page.locator("#metric-without_police a.glossary-link")
        assert "police" in link.get_attribute("title")

        # Printing hides the controls and keeps the charts and tables.
        page.emulate_media(media="print")
        assert page.locator("form[aria-label=Period]").is_hidden()
        assert page.locator("[data-print]").is_hidden()
        assert page.locator("#table-answering").is_visible()
        assert page.locator("canvas[data-pilot-chart=answering]").is_visible()
        assert page.locator("#glossary-without_police").is_visible()
