"""A dispatcher takes a simulated call from the queue to a closed incident, by keyboard alone,
in headless Chromium (Debian's /usr/bin/chromium) against a live server.

Only the keyboard acts on the page: typing, Tab, arrow keys, Space, Enter and the console's
single-key shortcuts. The test reads the page (which element has the focus) to know where it
is, as a person reading the screen would. On failure a screenshot lands in test-artifacts/.
"""

from __future__ import annotations

from .journey import JOURNEY, PASSWORD, focused, reseed, screenshot_on_failure, tab_to

pytestmark = JOURNEY


def simulate_call(caller: str) -> int:
    """A caller phones the hotline and nobody picks up: Twilio's requests, signed, through the
    real webhooks (hotline.simulator); the intake waits in the queue for a callback."""
    from hotline.models import Intake
    from hotline.simulator import CallScript, CallSimulation, TwilioSimulator

    CallSimulation(CallScript(caller=caller, hotline="+12025550100", language="en"), TwilioSimulator()).run()
    return Intake.objects.filter(caller=caller).latest("created_at").pk


def test_dispatcher_takes_a_call_to_a_closed_incident_by_keyboard(
    browser_page, live_server, serial, make_user, settings
):
    from dispatch.models import Incident
    from dispatch.tests.factories import responder_on_shift

    reseed()
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = "12345678901234567890123456789012"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = "+12025550100"
    settings.FALLBACK_NUMBER = ""
    settings.SMS_BACKEND = "memory"
    make_user("Dispatcher", "Volunteer", username="dana", first_name="Dana", last_name="Park")
    responder = responder_on_shift(languages=["en"])
    page = browser_page

    with screenshot_on_failure("dispatch-journey", page):
        first = simulate_call("+12025550143")

        # Log in: the user name field has the focus.
        page.goto(f"{live_server.url}/accounts/login/?next=/dispatch/")
        page.keyboard.type("dana")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/dispatch/")
        page.wait_for_selector(f"#claim-{first}")

        # A second call arrives while the console is open: it shows within 3 seconds, marked new.
        with serial:
            second = simulate_call("+12025550161")
        page.wait_for_selector(f"#intake-row-{second}.intake-new", timeout=3_500)
        assert "New intake" in page.text_content("#live-announcer")
        assert page.get_attribute("#live-announcer", "aria-live") == "polite"  # read after the current speech
        assert page.get_attribute("#live-alarm", "aria-live") == "assertive"  # ready for alarms, still empty
        assert page.text_content("#live-alarm") == ""

        # "n" jumps to the longest-waiting intake's claim button; Enter claims it.
        page.keyboard.press("n")
        assert focused(page, f"#claim-{first}")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/dispatch/intakes/{first}/")

        # Danger screens first: the first has the focus; the right arrow answers "No".
        for key in ("weapon", "violence", "medical_emergency", "suicide_imminent"):
            tab_to(page, f"#id_q_{key}_0")
            page.keyboard.press("ArrowRight")
            assert page.is_checked(f"#id_q_{key}_1")
        tab_to(page, "#id_q_consent_0")
        page.keyboard.press("Space")
        tab_to(page, "#id_q_location")
        page.keyboard.type("14th St and Pine, by the bus shelter")
        tab_to(page, "#id_q_call_type")
        page.keyboard.type("Welfare")
        page.wait_for_selector('#recommended-decision[data-recommendation="send_responders"]')

        # The decision: the first choice gets the focus, the down arrow picks "Send responders".
        tab_to(page, "#id_decision_0")
        page.keyboard.press("ArrowDown")
        assert page.is_checked("#id_decision_1")
        assert page.is_hidden("#override-section")
        tab_to(page, f"#responder-{responder.pk}")
        tab_to(page, "#decide-button")
        page.keyboard.press("Enter")
        page.wait_for_url("**/dispatch/incidents/*/")
        with serial:
            incident = Incident.objects.get(triage__intake_id=first)
        assert incident.code in page.text_content("h1")

        # The outcome, then closing.
        tab_to(page, "#id_outcome_0")
        page.keyboard.press("Space")
        tab_to(page, "#outcome-button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#incident-outcome")
        tab_to(page, "#close-button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#incident-status:has-text('Closed')")
        page.close()  # no more polling

    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.outcome == Incident.Outcome.RESOLVED
    assert incident.triage.decided_by.username == "dana"
    assert incident.triage.call_type.slug == "welfare-check"
    assert list(incident.events.values_list("kind", flat=True)) == ["dispatched", "outcome", "closed"]
