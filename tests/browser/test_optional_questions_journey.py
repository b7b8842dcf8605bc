"""A dispatcher records the optional questions and, with consent, demographics at close; the
coordinator's dashboard counts the answer and shows the small group as "<11", also in print."""

from __future__ import annotations

from django.utils import timezone

from .journey import JOURNEY, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY


def test_answers_at_close_reach_the_dashboard_suppressed(browser, live_server, make_user):
    from dispatch.models import Decision
    from dispatch.services import triage_claim, triage_decide
    from dispatch.tests.factories import SEND_ANSWERS
    from hotline.tests.factories import IntakeFactory

    reseed()
    dispatcher = make_user("Dispatcher", username="dana")
    make_user("Coordinator", username="cora")
    intake = IntakeFactory(caller="+12025550143")
    triage = triage_claim(intake=intake, user=dispatcher)
    triage_decide(
        triage=triage,
        user=dispatcher,
        raw_answers=SEND_ANSWERS,
        decision=Decision.PHONE_SUPPORT,
        override_reason="phone support was enough",
    )
    page = new_page(browser)
    coordinator = new_page(browser)
    today = timezone.localdate().isoformat()

    with screenshot_on_failure("optional-questions", page, coordinator):
        log_in(page, live_server.url, "dana", next_path=f"/dispatch/intakes/{intake.pk}/")
        page.select_option("#id_ev-would_have_called", "911")
        page.select_option("#id_ev-heard_from", "friend_family")
        page.check("#id_dm-consented")
        page.select_option("#id_dm-housing", "unsheltered")
        page.check("input[name=dm-race_ethnicity][value=asian]")
        page.click("#save-optional-answers")
        page.wait_for_selector("text=the optional answers are saved")
        assert page.locator("#id_dm-housing").input_value() == "unsheltered"

        page.click("#case-link")
        page.wait_for_selector("#case-timeline")
        assert "Decision" in page.text_content("#case-timeline")

        log_in(coordinator, live_server.url, "cora", next_path="/assessment/")
        coordinator.goto(f"{live_server.url}/assessment/?start={today}&end={today}&group=housing")
        diversion = coordinator.text_content("#table-diversion")
        assert "911 or police" in diversion
        assert "1 of 1 contacts answered" in coordinator.text_content("#metric-diversion")
        equity = coordinator.locator("#table-equity_decisions")
        unsheltered = equity.locator("tr", has_text="Unsheltered")
        assert "<11" in unsheltered.text_content()
        assert "1" not in unsheltered.text_content().replace("<11", "")

        coordinator.emulate_media(media="print")
        assert equity.is_visible()
        assert "<11" in equity.text_content()
