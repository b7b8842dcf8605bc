"""A 911 centre hands a contact over through the API; a dispatcher, in headless Chromium, opens
the incident from the console, records the outcome and closes it; the centre's receiver (the
example code of docs/api.md, listening on 127.0.0.1) gets the signed status webhook of the close
through the outbox's real HTTP client. Nothing leaves the machine."""

from __future__ import annotations

import time

from hotline.tests.doc_receiver import serving

from .journey import JOURNEY, log_in, reseed, screenshot_on_failure

pytestmark = JOURNEY


def _wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def test_the_911_centre_hears_that_its_welfare_check_was_resolved(
    browser_page, live_server, serial, make_user, settings
):
    from django.test import Client

    from dispatch.models import Incident
    from dispatch.tests.factories import responder_on_shift, send_responders
    from hotline import services as hotline_services
    from hotline.models import Handoff, HandoffWebhookEvent, Intake

    reseed()
    settings.SMS_BACKEND = "memory"
    settings.HOTLINE_NUMBER = "+12025550100"
    coordinator = make_user("Coordinator", username="cora")
    dispatcher = make_user("Dispatcher", "Volunteer", username="dana", first_name="Dana", last_name="Park")
    responder = responder_on_shift(languages=["en"])
    cad = hotline_services.handoff_partner_create(name="DC 911 (OUC)", source=Intake.Source.TRANSFER_911)
    _key, raw_key = hotline_services.handoff_key_issue(partner=cad, by=coordinator)
    page = browser_page

    with serving() as (receiver, url), screenshot_on_failure("partner-webhook-journey", page):
        _cad, secret = hotline_services.partner_webhook_configure(partner=cad, url=url, by=coordinator)
        receiver.SECRET = secret.encode()  # the secret the coordinator's page showed once

        # The 911 centre hands the welfare check over through the API.
        response = Client().post(
            "/api/v1/handoffs/",
            data={"reference": "CAD-2026-000123", "call_type": "welfare_check", "notes": "Man in the rain"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw_key}",
        )
        assert response.status_code == 201
        handoff = Handoff.objects.get(reference="CAD-2026-000123")
        with serial:
            incident = send_responders(
                user=dispatcher, intake=handoff.intake, responders=[responder]
            ).incident
        assert _wait_for(lambda: len(receiver.handled) == 2)  # taken into triage, then decided

        # The dispatcher opens the incident from the console, records the outcome and closes it.
        log_in(page, live_server.url, "dana", next_path="/dispatch/")
        page.click(f"#incident-link-{incident.pk}")
        page.wait_for_url(f"**/dispatch/incidents/{incident.pk}/")
        page.check("#id_outcome_0")
        page.click("#outcome-button")
        page.wait_for_selector("#incident-outcome")
        page.click("#close-button")
        page.wait_for_selector("#incident-status:has-text('Closed')")
        page.close()  # no more polling

        closed = _wait_for(
            lambda: [data for data in receiver.handled.values() if data["closed_at"] and data["outcome"]]
        )
        assert closed, receiver.handled
        [data] = closed
        assert data["reference"] == "CAD-2026-000123" and data["id"] == handoff.intake_id
        assert data["status"] == "closed" and data["decision"] == "send_responders"
        assert data["outcome"] == Incident.Outcome.RESOLVED
        assert len(receiver.handled) == 4 and set(receiver.answers) == {204}  # every signature checked
    with serial:
        assert set(HandoffWebhookEvent.objects.values_list("status", flat=True)) == {"delivered"}
        assert Incident.objects.get(pk=incident.pk).status == Incident.Status.CLOSED
