"""Dispatch that is never silent, in headless Chromium against a live server.

(a) Nobody is free for a call-out: a second dispatcher's console shows the red banner within
3 s, with the alarm sound and an assertive announcement; the on-call coordinator is texted;
the first dispatcher hand-picks a responder busy on another incident (confirming it), and the
responder's YES by text updates the incident's header without a reload.

(b) A responder on scene, on a 390 px phone: a missed check-in is an alarm on the console;
"We're OK" clears it; "Need backup now" is the emergency alarm on the console within 3 s, with
a call to 911, the location to read out and where the responder's phone is (shared with
their consent).

The beat scheduler does not run beside the live server: the test runs the alarm sweep itself
where beat would (every 15 s), after making the check-in timer short.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from .journey import JOURNEY, PHONE, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

HOTLINE = "+12025550100"
CALLER = "+12025550188"
ON_CALL_PHONE = "+12025550111"
LOCATION = "14th St and Pine, by the bus shelter"
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


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
    from hotline import messaging

    messaging.outbox.clear()
    yield messaging.outbox
    messaging.outbox.clear()


@pytest.fixture
def on_call(make_user):
    from django.utils import timezone

    from dispatch.models import OnCallPeriod

    coordinator = make_user("Coordinator", username="cora", first_name="Cora", last_name="Lee")
    now = timezone.now()
    return OnCallPeriod.objects.create(
        user=coordinator,
        phone=ON_CALL_PHONE,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )


def texts_to(outbox, phone: str) -> list[str]:
    return [entry.body for entry in outbox if entry.to == phone]


def open_console(browser, base_url: str, username: str):
    page = new_page(browser)
    log_in(page, base_url, username, next_path="/dispatch/")
    page.click("h1")  # a click lets the page play sound (browsers' autoplay rule)
    return page


def test_nobody_free_alarms_every_console_and_a_hand_picked_responder_fills_the_team(
    browser, live_server, serial, make_user, twilio_settings, outbox, on_call
):
    from dispatch import services
    from dispatch.models import Alarm, Incident, IncidentEvent
    from dispatch.tests.factories import responder_on_shift, send_responders
    from hotline.models import Intake
    from hotline.simulator import CallScript, CallSimulation, TwilioSimulator, simulate_sms

    reseed()
    dana = make_user("Dispatcher", "Volunteer", username="dana", first_name="Dana", last_name="Park")
    make_user("Dispatcher", "Volunteer", username="eli", first_name="Eli", last_name="Moss")
    # The only responder on shift is on another incident's team.
    rami = responder_on_shift(languages=["en"], first_name="Rami", last_name="Odeh")
    elsewhere = send_responders(user=dana, responders=[rami]).incident
    services.responder_answer(assignment=elsewhere.responders.get(), accept=True, via_sms=False)
    outbox.clear()

    second = open_console(browser, live_server.url, "eli")
    first = new_page(browser)
    with screenshot_on_failure("alarm-journey-nobody", first, second):
        CallSimulation(CallScript(caller=CALLER, hotline=HOTLINE, language="en"), TwilioSimulator()).run()
        intake = Intake.objects.get(caller=CALLER)
        assert second.locator("#alarm-banner").count() == 0

        log_in(first, live_server.url, "dana", next_path="/dispatch/")
        first.click(f"#claim-{intake.pk}")
        first.wait_for_url(f"**/dispatch/intakes/{intake.pk}/")
        for key in ("weapon", "violence", "medical_emergency", "suicide_imminent"):
            first.check(f"#id_q_{key}_1")
        first.check("#id_q_consent_0")
        first.fill("#id_q_location", LOCATION)
        with first.expect_response(lambda response: "/candidates/" in response.url):
            first.select_option("#id_q_call_type", label="Welfare check")
        first.wait_for_function(HTMX_IDLE)
        first.wait_for_selector("#no-candidates", state="attached")
        first.check("#id_decision_1")  # "Send responders", to nobody
        first.click("#decide-button")
        first.wait_for_url("**/dispatch/incidents/*/")
        with serial:
            incident = Incident.objects.get(triage__intake=intake)
            alarm = incident.alarms.get()
        assert alarm.kind == Alarm.Kind.NOBODY_AVAILABLE

        # The second dispatcher's console: the banner within 3 s, sounded and announced.
        second.wait_for_selector(f"#alarm-banner #alarm-{alarm.pk}", timeout=3_000)
        assert incident.code in second.text_content("#alarm-banner")
        second.wait_for_function("() => window.dispatchAlarmSounds >= 1", timeout=2_000)
        second.wait_for_function(
            "() => document.getElementById('live-alarm').textContent.includes('Nobody available')",
            timeout=2_000,
        )
        assert second.locator(f"#incident-row-{incident.pk}[data-alarmed]").count() == 1

        # The on-call coordinator was texted (outbox, memory SMS backend).
        (page_text,) = texts_to(outbox, ON_CALL_PHONE)
        assert incident.code in page_text and "Nobody available" in page_text

        # The incident page says why: Rami is busy on the other incident.
        assert f"Rami Odeh (on {elsewhere.code})" in first.text_content("#why-busy")
        first.check(f"#pick-{rami.pk}")
        first.click("#hand-pick-button")
        first.wait_for_selector("#confirm-hand-pick")
        assert f"busy on incident {elsewhere.code}" in first.text_content("#confirm-unusual")
        first.click("#confirm-hand-pick")
        first.wait_for_url(f"**/dispatch/incidents/{incident.pk}/")
        assert "Team 0 of 2" in first.text_content("#incident-team")
        (call_out,) = [body for body in texts_to(outbox, str(rami.phone)) if incident.code in body]

        # Rami answers YES by text: the header follows without a reload.
        with serial:
            exchange = simulate_sms(
                simulator=TwilioSimulator(),
                sender=str(rami.phone),
                body=f"yes {incident.code}",
                hotline=HOTLINE,
            )
        assert exchange.status == 200
        first.wait_for_selector("#incident-team:has-text('Team 1 of 2')", timeout=5_000)
        assert "Acknowledged" in first.text_content("#incident-status")

        # The second dispatcher acknowledges: the banner leaves; the timeline says who.
        second.click(f"#acknowledge-{alarm.pk}")
        second.wait_for_selector("#alarm-banner", state="detached", timeout=3_000)
        first.wait_for_selector("#timeline:has-text('Alarm acknowledged')", timeout=5_000)
        first.close()
        second.close()

    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds[:3] == [
        IncidentEvent.Kind.DISPATCHED,
        IncidentEvent.Kind.ALARM,
        IncidentEvent.Kind.ON_CALL_ALERTED,
    ]
    assert IncidentEvent.Kind.HAND_PICKED in kinds and IncidentEvent.Kind.ALARM_ACKNOWLEDGED in kinds
    alarm.refresh_from_db()
    assert alarm.acknowledged_by.username == "eli"
    assert call_out


def test_a_responder_on_scene_misses_a_check_in_then_asks_for_backup_from_a_phone(
    browser, live_server, serial, make_user, twilio_settings, outbox
):
    from django.utils import timezone

    from dispatch import selectors, services, tasks
    from dispatch.models import Alarm, Incident
    from dispatch.tests.factories import responder_on_shift, send_responders

    reseed()
    dana = make_user("Dispatcher", "Volunteer", username="dana", first_name="Dana", last_name="Park")
    rami = responder_on_shift(languages=["en"], first_name="Rami", last_name="Odeh")
    incident = send_responders(user=dana, responders=[rami], team_size=1).incident
    services.responder_answer(assignment=incident.responders.get(), accept=True, via_sms=False)
    link = selectors.responder_path(incident=incident, volunteer=rami)

    console = open_console(browser, live_server.url, "dana")
    # The phone is in Washington, DC, and the responder lets the browser share its location.
    phone = new_page(
        browser,
        device={**PHONE, "geolocation": {"latitude": 38.907192, "longitude": -77.036873, "accuracy": 15}},
    )
    phone.context.grant_permissions(["geolocation"])
    with screenshot_on_failure("alarm-journey-safety", console, phone):
        phone.goto(live_server.url + link)
        phone.get_by_role("button", name="On scene", exact=True).tap()
        phone.wait_for_selector("#checkin-button")
        # One thumb: full-width buttons at least 48 px high on a 390 px screen.
        for selector in ("#checkin-button", "#backup-button"):
            box = phone.locator(selector).bounding_box()
            assert box["height"] >= 48 and box["width"] >= 300, (selector, box)

        # A short timer: the check-in is due now; the sweep (beat's job) raises the alarm.
        with serial:
            Incident.objects.filter(pk=incident.pk).update(
                checkin_due_at=timezone.now() - timedelta(seconds=1)
            )
            assert tasks.alarm_sweep() == 1
            missed = incident.alarms.get(kind=Alarm.Kind.CHECKIN_MISSED)
        console.wait_for_selector(f"#alarm-{missed.pk}", timeout=3_000)
        assert "Check-in missed" in console.text_content("#alarm-banner")

        # "We're OK": the alarm resolves and leaves the console.
        phone.locator("#checkin-button").tap()
        phone.wait_for_selector("[role=alert]:has-text('Check-in recorded')")
        console.wait_for_selector(f"#alarm-{missed.pk}", state="detached", timeout=3_000)

        # With their consent, the responder shares where the phone is.
        phone.locator("#share-location").tap()
        phone.wait_for_selector("#location-status:has-text('Dispatch sees where your phone is.')")
        assert phone.get_attribute("#share-location", "aria-pressed") == "true"

        # "Need backup now": the emergency alarm on the console within 3 s, with 911.
        phone.locator("#backup-button").tap()
        phone.wait_for_selector("#backup-status")
        with serial:
            backup = incident.alarms.get(kind=Alarm.Kind.BACKUP)
        console.wait_for_selector(f"#alarm-banner.alarm-emergency #alarm-{backup.pk}", timeout=3_000)
        assert console.get_attribute(f"#call-911-{backup.pk}", "href") == "tel:911"
        read_out = console.text_content(f"#read-out-{backup.pk}")
        assert LOCATION in read_out and incident.code in read_out and "Rami Odeh" in read_out
        assert "38.907192, -77.036873 (within 15 m" in console.text_content(f"#alarm-{backup.pk}")
        console.wait_for_function("() => window.dispatchAlarmSounds >= 2", timeout=2_000)
        console.close()
        phone.close()

    backup.refresh_from_db()
    assert backup.level == Alarm.Level.EMERGENCY and backup.volunteer == rami
    timeline = list(incident.events.values_list("kind", flat=True))
    for kind in ("on_scene", "alarm", "checked_in", "alarm_resolved"):
        assert kind in timeline
