"""A coordinator opens the pilot dashboard in headless Chromium (Debian's /usr/bin/chromium)
against a live server: every chart is drawn by the vendored Chart.js, beside its table, and the
page prints without its controls. On failure a screenshot lands in test-artifacts/."""

from __future__ import annotations

from datetime import date

from .journey import JOURNEY, charts_drawn, log_in, reseed, screenshot_on_failure

pytestmark = JOURNEY


def test_the_dashboard_draws_every_chart_beside_its_table(browser_page, live_server, make_user):
    from assessment.pilot.services import pilot_settings_save
    from assessment.pilot.synthetic import synthesize

    reseed()
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

    with screenshot_on_failure("dashboard-charts", page):
        log_in(page, live_server.url, "cora", next_path="/assessment/")
        assert "Summer pilot 2026" in page.text_content("h1")

        charts = charts_drawn(page, "canvas[data-pilot-chart]")
        assert {"channels", "answering", "decisions", "call_types", "response_times", "heatmap"} <= set(
            charts
        )
        for slug, chart in charts.items():
            assert chart["chart"], f"{slug}: no Chart.js chart on the canvas"
            assert chart["width"] > 0, slug
            assert chart["bars"] > 0, f"{slug}: nothing plotted"
            assert chart["painted"] > 500, f"{slug}: the canvas is blank"
            # The accessible table with the same figures sits beside the chart.
            assert page.locator(f"#table-{slug}").count() == 1

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

        # Narrowed to two sources: the page says so (on paper too) and the per-source chart is drawn.
        page.emulate_media(media="screen")
        page.check("input[name=source][value=transfer_911]")
        page.check("input[name=source][value=field_initiated]")
        page.click("form[aria-label=Period] button[type=submit]")
        page.wait_for_selector("#source-filter")
        assert "source=transfer_911" in page.url and "source=field_initiated" in page.url
        narrowed = charts_drawn(page, "canvas[data-pilot-chart]")
        assert narrowed["by_source"]["bars"] > 0
        assert page.locator("#table-by_source tbody tr").count() == 2
        page.emulate_media(media="print")
        assert page.locator("#source-filter").is_visible()
