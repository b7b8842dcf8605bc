"""A call becomes a closed incident with a responder in the loop, in headless Chromium against a
live server: a simulated call arrives; the dispatcher claims it, triages it and sends a
responder, clicking through the console; the responder's YES arrives as a signed SMS webhook
and the dispatcher sees the acceptance without reloading; the responder opens the signed link
from their text on a phone, reports en route, on scene and cleared and records the outcome; the
dispatcher sees it, closes the incident, and the responder's page then says it is over.

(test_dispatch_journey.py walks the dispatcher's own part by keyboard alone.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .journey import JOURNEY, PHONE, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

HOTLINE = "+12025550100"
CALLER = "+12025550177"
LOCATION = "14th St and Pine, by the bus shelter"


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = "12345678901234567890123456789012"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = HOTLINE
    settings.FALLBACK_NUMBER = ""
    settings.SMS_BACKEND = "memory"
    return settings


@pytest.fixture
def outbox():
    """The texts the memory SMS backend 'sent' during the test."""
    from hotline import messaging

    messaging.outbox.clear()
    yield messaging.outbox
    messaging.outbox.clear()


def texts_to(outbox, phone: str) -> list[str]:
    return [entry.body for entry in outbox if entry.to == phone]


def link_path(body: str) -> str:
    """The path of the responder link in a text (the link names the public host)."""
    url = next(word for word in body.split() if word.startswith("https://hotline.example.org/"))
    return urlsplit(url).path


HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def claim_and_screen(page, intake_pk: int) -> None:
    """From the console: claim the intake and answer the screening for a welfare check."""
    page.click(f"#claim-{intake_pk}")
    page.wait_for_url(f"**/dispatch/intakes/{intake_pk}/")
    for key in ("weapon", "violence", "medical_emergency", "suicide_imminent"):
        page.check(f"#id_q_{key}_1")  # "No"
    page.check("#id_q_consent_0")
    page.fill("#id_q_location", LOCATION)
    # The call type refreshes the recommendation and, 300 ms later, the candidates (htmx).
    with page.expect_response(lambda response: "/candidates/" in response.url):
        page.select_option("#id_q_call_type", label="Welfare check")
    page.wait_for_function(HTMX_IDLE)


def test_a_responder_accepts_by_text_and_reports_the_outcome_the_dispatcher_closes(
    browser, live_server, serial, make_user, twilio_settings, outbox
):
    from dispatch.models import Incident, IncidentEvent, IncidentResponder
    from dispatch.tests.factories import responder_on_shift
    from hotline.models import Intake
    from hotline.simulator import CallScript, CallSimulation, TwilioSimulator, simulate_sms

    reseed()
    make_user("Dispatcher", "Volunteer", username="dana", first_name="Dana", last_name="Park")
    responder = responder_on_shift(languages=["en"], first_name="Rami", last_name="Odeh")
    partner = responder_on_shift(languages=["en"], first_name="Mina", last_name="Cho")
    phone = str(responder.phone)
    dispatcher = new_page(browser)
    field = new_page(browser, device=PHONE)

    with screenshot_on_failure("responder-journey", dispatcher, field):
        # A caller phones; nobody picks up; the intake waits in the queue.
        CallSimulation(CallScript(caller=CALLER, hotline=HOTLINE, language="en"), TwilioSimulator()).run()
        intake = Intake.objects.get(caller=CALLER)

        log_in(dispatcher, live_server.url, "dana", next_path="/dispatch/")
        claim_and_screen(dispatcher, intake.pk)
        dispatcher.check("#id_decision_1")  # "Send responders"
        dispatcher.check(f"#candidates #responder-{responder.pk}")
        dispatcher.check(f"#candidates #responder-{partner.pk}")
        dispatcher.click("#decide-button")
        dispatcher.wait_for_url("**/dispatch/incidents/*/")
        with serial:
            incident = Incident.objects.get(triage__intake=intake)
        assert incident.code in dispatcher.text_content("h1")
        assert "0 of 2" in dispatcher.text_content("#team-count")  # responders go in pairs

        # The call-out text reached both, with the code to answer and a signed link.
        (call_out,) = texts_to(outbox, phone)
        assert f"YES {incident.code}" in call_out
        assert len(texts_to(outbox, str(partner.phone))) == 1

        # Both answer YES by text: Twilio posts each, signed, to the SMS webhook. One names the
        # incident; the other, with a single call-out waiting, needs not.
        for sender, body in ((phone, f"yes {incident.code}"), (str(partner.phone), "Yes!")):
            with serial:
                exchange = simulate_sms(
                    simulator=TwilioSimulator(), sender=sender, body=body, hotline=HOTLINE
                )
            assert exchange.status == 200

        # The incident page polls: the team fills without a reload.
        dispatcher.wait_for_selector("#incident-live-status:has-text('team 2 of 2')", timeout=5_000)
        assert "Acknowledged" in dispatcher.text_content("#incident-live-status")
        team = dispatcher.eval_on_selector_all(
            "#incident-live tr.table-success",
            "(rows) => rows.map((row) => [row.cells[0].textContent.trim(), row.cells[1].textContent.trim()])",
        )
        assert sorted(team) == [["Mina Cho", "On the team"], ["Rami Odeh", "On the team"]]
        assert dispatcher.text_content("#timeline").count("by text") == 2
        # ...and so does the console's list of open incidents.
        dispatcher.click("a[accesskey=c]")
        dispatcher.wait_for_url("**/dispatch/")
        row = dispatcher.locator(f"#incident-row-{incident.pk}")
        assert "Acknowledged" in row.text_content()
        assert "2/2 (0 waiting)" in " ".join(row.text_content().split())

        dispatcher.click(f"#incident-link-{incident.pk}")  # back to the incident, to follow it

        # The confirmation text carries the link to the responder's page: open it on the phone.
        confirmation = texts_to(outbox, phone)[-1]
        assert confirmation != call_out and incident.code in confirmation
        field.goto(live_server.url + link_path(confirmation))
        assert incident.code in field.text_content("h1")
        assert field.text_content("#responder-location") == LOCATION
        assert field.text_content("#responder-answer") == "On the team"
        for label, status in (("En route", "En route"), ("On scene", "On scene"), ("Cleared", "Cleared")):
            field.get_by_role("button", name=label, exact=True).tap()
            field.wait_for_selector(f"#responder-incident-status:has-text('{status}')")
        field.locator("summary", has_text="Outcome").tap()
        field.get_by_label("Resolved on scene").check()
        field.get_by_label("Notes").fill("Talked for twenty minutes; he went home to his sister's.")
        field.get_by_role("button", name="Save outcome").tap()
        field.wait_for_selector("[role=alert]:has-text('Outcome recorded. Thank you.')")

        # The dispatcher's incident page showed the field reports as they came (it polls).
        dispatcher.wait_for_selector("#incident-live-status:has-text('Cleared')")
        dispatcher.wait_for_selector("#timeline:has-text('Resolved on scene')", timeout=5_000)
        timeline = dispatcher.text_content("#timeline")
        for line in ("En route", "On scene", "Cleared", "Outcome recorded"):
            assert line in timeline
        # The details and the close button are not polled: the dispatcher reloads to close.
        dispatcher.reload()
        assert dispatcher.text_content("#incident-outcome").strip() == "Resolved on scene"
        assert dispatcher.is_enabled("#close-button")
        dispatcher.click("#close-button")
        dispatcher.wait_for_selector("#incident-status:has-text('Closed')")
        assert dispatcher.locator("#close-button").count() == 0

        # The responder is texted that it is over, and their page says so.
        assert f"Incident {incident.code} is closed" in texts_to(outbox, phone)[-1]
        field.reload()
        assert "This incident is over." in field.text_content("main")
        assert field.get_by_role("button", name="Cleared").count() == 0
        dispatcher.close()  # no more polling
        field.close()

    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.outcome == Incident.Outcome.RESOLVED
    assert incident.closed_by.username == "dana"
    answers = dict(incident.responders.values_list("volunteer_id", "status"))
    assert answers == {
        responder.pk: IncidentResponder.Status.ACCEPTED,
        partner.pk: IncidentResponder.Status.ACCEPTED,
    }
    kinds = list(incident.events.order_by("created_at", "pk").values_list("kind", "volunteer_id"))
    assert kinds == [
        (IncidentEvent.Kind.DISPATCHED, None),
        (IncidentEvent.Kind.ACCEPTED, responder.pk),
        (IncidentEvent.Kind.ACCEPTED, partner.pk),
        (IncidentEvent.Kind.EN_ROUTE, responder.pk),
        (IncidentEvent.Kind.ON_SCENE, responder.pk),
        (IncidentEvent.Kind.CLEARED, responder.pk),
        (IncidentEvent.Kind.OUTCOME, responder.pk),
        (IncidentEvent.Kind.CLOSED, None),
    ]


class RecommendationReplaced(AssertionError):
    """The candidates' refresh landed in the recommendation panel (#candidates needs hx-target=this)."""


def test_choosing_the_call_type_refreshes_the_candidates_beside_the_recommendation(
    browser_page, live_server, serial, make_user, twilio_settings
):
    from dispatch.tests.factories import responder_on_shift
    from hotline.models import Intake
    from hotline.simulator import CallScript, CallSimulation, TwilioSimulator

    reseed()
    make_user("Dispatcher", "Volunteer", username="dana")
    responder = responder_on_shift(languages=["en"])
    CallSimulation(CallScript(caller=CALLER, hotline=HOTLINE, language="en"), TwilioSimulator()).run()
    intake = Intake.objects.get(caller=CALLER)
    page = browser_page

    with screenshot_on_failure("candidates-refresh", page):
        log_in(page, live_server.url, "dana", next_path="/dispatch/")
        claim_and_screen(page, intake.pk)
        panel = page.locator("#recommendation")
        if (
            panel.locator("input[name=responders]").count()
            or not panel.locator("#recommended-decision").count()
        ):
            raise RecommendationReplaced(
                f"the recommendation panel shows: {' '.join(panel.text_content().split())[:200]}"
            )
        assert panel.locator('#recommended-decision[data-recommendation="send_responders"]').count() == 1
        assert page.locator(f"#candidates #responder-{responder.pk}").count() == 1
        page.close()
