"""End to end: a 911 centre's receiver, the example code of docs/api.md listening on 127.0.0.1,
gets the signed status webhooks of its hand-off through the outbox's real HTTP client, up to
the close a dispatcher makes on the incident page. Nothing leaves the machine."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from dispatch import services
from dispatch.models import Incident
from dispatch.tests.factories import committing, send_responders
from hotline import services as hotline_services
from hotline.models import HandoffWebhookEvent, Intake
from hotline.services import partner_webhooks
from hotline.tests.doc_receiver import example_receiver_code, serving


@pytest.fixture
def cad(db, coordinator):
    return hotline_services.handoff_partner_create(name="DC 911 (OUC)", source=Intake.Source.TRANSFER_911)


def test_the_documented_receiver_is_short_and_standard_library_only():
    code = example_receiver_code()
    imports = {line.split()[1] for line in code.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"hashlib", "hmac", "json", "os", "time", "http.server"}
    assert len(code.strip().splitlines()) <= 45


@pytest.mark.django_db
def test_the_receiver_gets_every_change_signed_up_to_the_close(
    client, cad, coordinator, dispatcher, responders
):
    assert partner_webhooks.transport is partner_webhooks.requests_transport  # the real HTTP client
    with serving() as (receiver, url):
        _partner, secret = hotline_services.partner_webhook_configure(partner=cad, url=url, by=coordinator)
        receiver.SECRET = secret.encode()  # what the partner sets from the page that showed it once
        handoff, _created = hotline_services.handoff_receive(
            partner=cad, reference="CAD-2026-000123", call_type="welfare_check", notes="Man in the rain"
        )
        incident = send_responders(user=dispatcher, intake=handoff.intake, responders=responders[:1]).incident
        client.force_login(dispatcher)
        with committing():
            response = client.post(
                f"/dispatch/incidents/{incident.pk}/outcome/", {"outcome": "resolved_on_scene"}
            )
        assert response.status_code == 302
        with committing():
            assert client.post(f"/dispatch/incidents/{incident.pk}/close/").status_code == 302

        incident.refresh_from_db()
        assert incident.status == Incident.Status.CLOSED
        # in triage (claimed; sent later by the sweep, as its commit ran no callbacks here),
        # then the decision, the outcome and the close, each signed and accepted (204).
        assert HandoffWebhookEvent.objects.filter(status="pending").count() == 1
        services.outbox_sweep(now=timezone.now() + timedelta(minutes=1))
        assert set(HandoffWebhookEvent.objects.values_list("status", flat=True)) == {"delivered"}
        states = {
            (data["status"], data["decision"], data["outcome"], data["closed_at"] is not None)
            for data in receiver.handled.values()
        }
        assert states == {
            ("in_triage", None, None, False),
            ("closed", "send_responders", None, False),
            ("closed", "send_responders", "resolved_on_scene", False),
            ("closed", "send_responders", "resolved_on_scene", True),
        }
        assert receiver.answers == [204] * 4
        assert all(data["reference"] == "CAD-2026-000123" for data in receiver.handled.values())
        assert "rain" not in json.dumps(receiver.handled)  # no free text leaves

        # The documented checks refuse what the hotline did not sign, or signed long ago.
        event = HandoffWebhookEvent.objects.latest("pk")
        body = partner_webhooks.event_body(event)
        forged = partner_webhooks.sign(secret="whsec_guess", body=body, timestamp=int(time.time()))
        replayed = partner_webhooks.sign(secret=secret, body=body, timestamp=int(time.time()) - 3600)
        for header in (forged, replayed, ""):
            answer = requests.post(url, data=body, headers={"X-Hotline-Signature": header}, timeout=5)
            assert answer.status_code == 400
        # The same event again (a sender stopped before recording the 204): handled once.
        signed = partner_webhooks.sign(secret=secret, body=body, timestamp=int(time.time()))
        again = requests.post(url, data=body, headers={"X-Hotline-Signature": signed}, timeout=5)
        assert again.status_code == 204 and len(receiver.handled) == 4


@pytest.mark.django_db
def test_a_receiver_that_is_down_gets_the_event_later(cad, coordinator, dispatcher, settings):
    """Connection refused: retried with backoff, then delivered once the receiver is back."""
    with serving() as (receiver, url):
        pass  # the port is closed again: nothing listens there now
    hotline_services.partner_webhook_configure(partner=cad, url=url, by=coordinator)
    handoff, _created = hotline_services.handoff_receive(partner=cad, reference="CAD-9", call_type="x")
    with committing():
        hotline_services.handoff_record_progress(
            intake_id=handoff.intake_id,
            decision="no_action",
            decided_at=timezone.now(),
            closed_at=timezone.now(),
        )
    event = HandoffWebhookEvent.objects.get()
    assert event.status == "pending" and event.attempts == 1 and event.last_error
    assert event.tries.get().status_code is None
