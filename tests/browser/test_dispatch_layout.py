"""The triage page at laptop widths: the recommendation panel never covers a form field, at any
scroll position, and its "still to answer" list is a real list. The incident page's header and
the console's status board follow what happens without a reload.
"""

from __future__ import annotations

import pytest

from .journey import JOURNEY, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

# Every visible form control's box that the recommendation panel's box intersects, at the
# current scroll position (viewport coordinates: what the person sees).
_COVERED_FIELDS = """
() => {
  const panel = document.getElementById("recommendation").getBoundingClientRect();
  const fields = document.querySelectorAll("#triage-form input, #triage-form select, #triage-form textarea, #triage-form button");
  const covered = [];
  for (const field of fields) {
    if (field.type === "hidden" || field.offsetParent === null) { continue; }
    const box = field.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) { continue; }
    const overlaps = box.left < panel.right && box.right > panel.left && box.top < panel.bottom && box.bottom > panel.top;
    if (overlaps) { covered.push(field.name || field.id); }
  }
  return covered;
}
"""


@pytest.mark.parametrize("width", [1024, 1366])
def test_the_recommendation_panel_covers_no_field_while_scrolling(browser, live_server, make_user, width):
    from dispatch.tests.factories import claimed
    from hotline.tests.factories import IntakeFactory

    reseed()
    dispatcher = make_user("Dispatcher", "Volunteer", username="dana")
    intake = IntakeFactory(caller="+12025550143")
    claimed(intake, user=dispatcher)
    page = new_page(browser, device={"viewport": {"width": width, "height": 768}})

    with screenshot_on_failure(f"triage-layout-{width}", page):
        path = f"/dispatch/intakes/{intake.pk}/"
        log_in(page, live_server.url, "dana", next_path=path)
        # Answer one question so the panel shows a recommendation and what is still to answer.
        page.check("input[name=q_weapon][value=no]")
        page.wait_for_selector("#still-to-answer li")
        missing = page.locator("#still-to-answer > li")
        assert page.evaluate("document.getElementById('still-to-answer').tagName") == "UL"
        assert missing.count() >= 3

        height = page.evaluate("document.documentElement.scrollHeight")
        positions = sorted({*range(0, height, 150), height})
        for top in positions:
            page.evaluate("(y) => window.scrollTo(0, y)", top)
            covered = page.evaluate(_COVERED_FIELDS)
            assert covered == [], f"at {width} px, scrolled to {top}: the panel covers {covered}"
        # The panel is on the page and can be read: it has a size and its heading.
        page.locator("#recommendation").scroll_into_view_if_needed()
        assert page.locator("#recommendation").bounding_box()["height"] > 40
        assert "Recommendation" in page.text_content("#recommendation")


def test_the_incident_header_and_the_status_board_follow_the_field(browser, live_server, make_user):
    from dispatch import services
    from dispatch.tests.factories import responder_on_shift, send_responders

    reseed()
    dispatcher = make_user("Dispatcher", "Volunteer", username="dana")
    responders = [responder_on_shift(languages=["en"]) for _ in range(2)]
    incident = send_responders(user=dispatcher, responders=responders).incident
    first = incident.responders.get(volunteer=responders[0])
    console = new_page(browser)
    incident_page = new_page(browser)

    with screenshot_on_failure("incident-live-header", incident_page, console):
        log_in(incident_page, live_server.url, "dana", next_path=incident.get_absolute_url())
        assert incident_page.text_content("#incident-status").strip() == "Dispatched"
        assert "Team 0 of 2" in incident_page.text_content("#incident-header")
        log_in(console, live_server.url, "dana", next_path="/dispatch/")
        assert console.text_content(f"#unit-{responders[0].pk} td").strip() == "Notified"

        services.responder_answer(assignment=first, accept=True, via_sms=True)
        services.incident_record_status(incident=incident, status="en_route", volunteer=responders[0])

        incident_page.wait_for_function(
            "() => document.getElementById('incident-status').textContent.trim() === 'En route'",
            timeout=8_000,
        )
        assert "Team 1 of 2" in incident_page.text_content("#incident-header")
        assert incident_page.text_content("#team-count").strip() == "1 of 2"
        # One header and one team count: the swap replaced them, it did not add copies.
        assert incident_page.locator("#incident-header").count() == 1
        assert incident_page.locator("#team-count").count() == 1
        console.wait_for_function(
            f"() => document.querySelector('#unit-{responders[0].pk}').dataset.unitStatus === 'en_route'",
            timeout=6_000,
        )
        assert incident.code in console.text_content(f"#unit-{responders[0].pk}")
