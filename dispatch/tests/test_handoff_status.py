"""The sender of a hand-off reads back what became of it: GET /api/v1/handoffs/{id}, scoped to
its own key, codes and times only (no notes, no caller number)."""

from __future__ import annotations

import pytest

from dispatch import services
from dispatch.models import Decision, Incident
from dispatch.tests.factories import SEND_ANSWERS, claimed, send_responders
from hotline import services as hotline_services
from hotline.models import Intake


def _partner_key(name, coordinator):
    partner = hotline_services.handoff_partner_create(name=name, source=Intake.Source.TRANSFER_911)
    return partner, hotline_services.handoff_key_issue(partner=partner, by=coordinator)[1]


def _get(client, pk, key):
    return client.get(f"/api/v1/handoffs/{pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.django_db
def test_status_after_a_phone_support_decision(client, coordinator, dispatcher):
    partner, key = _partner_key("DC 911", coordinator)
    handoff, _ = hotline_services.handoff_receive(
        partner=partner,
        reference="CAD-1",
        call_type="welfare_check",
        notes="Secret notes",
        callback_number="+12025550143",
    )
    body = _get(client, handoff.intake_id, key).json()
    assert body["status"] == "new" and body["decision"] is None and body["closed_at"] is None
    triage = claimed(handoff.intake, user=dispatcher)
    services.triage_decide(
        triage=triage,
        user=dispatcher,
        raw_answers=SEND_ANSWERS,
        decision=Decision.PHONE_SUPPORT,
        override_reason="Talk only",
    )
    response = _get(client, handoff.intake_id, key)
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "closed" and body["decision"] == "phone_support"
    assert body["decided_at"] and body["closed_at"] and body["reference"] == "CAD-1"
    text = response.content.decode()
    assert "Secret notes" not in text and "5550143" not in text


@pytest.mark.django_db
def test_outcome_and_close_of_the_incident(client, coordinator, dispatcher, responders):
    partner, key = _partner_key("DC 911", coordinator)
    handoff, _ = hotline_services.handoff_receive(
        partner=partner, reference="CAD-2", call_type="welfare_check"
    )
    incident = send_responders(user=dispatcher, intake=handoff.intake, responders=responders[:1]).incident
    body = _get(client, handoff.intake_id, key).json()
    assert body["decision"] == "send_responders" and body["closed_at"] is None
    services.incident_record_outcome(
        incident=incident, data=services.OutcomeInput(outcome=Incident.Outcome.RESOLVED), by=dispatcher
    )
    services.incident_close(incident=incident, by=dispatcher)
    body = _get(client, handoff.intake_id, key).json()
    assert body["outcome"] == "resolved_on_scene" and body["closed_at"]


@pytest.mark.django_db
def test_only_the_sender_may_read_it(client, coordinator):
    partner, key = _partner_key("DC 911", coordinator)
    _other, other_key = _partner_key("DC 311", coordinator)
    handoff, _ = hotline_services.handoff_receive(partner=partner, reference="CAD-3", call_type="x")
    assert _get(client, handoff.intake_id, other_key).status_code == 404
    assert _get(client, handoff.intake_id, "hv_bad_key").status_code == 401
    assert client.get(f"/api/v1/handoffs/{handoff.intake_id}/").status_code == 401
    assert client.post(f"/api/v1/handoffs/{handoff.intake_id}/").status_code == 405


@pytest.mark.django_db
def test_openapi_describes_the_status_read(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "get" in spec["paths"]["/handoffs/{id}/"]
    assert "HandoffStatus" in spec["components"]["schemas"]


@pytest.mark.django_db
def test_a_cancelled_incident_or_a_changed_decision_closes_the_hand_off(
    client, coordinator, dispatcher, responders
):
    partner, key = _partner_key("DC 911", coordinator)
    first, _ = hotline_services.handoff_receive(partner=partner, reference="CAD-4", call_type="x")
    second, _ = hotline_services.handoff_receive(partner=partner, reference="CAD-5", call_type="x")
    cancelled = send_responders(user=dispatcher, intake=first.intake, responders=responders[:1]).incident
    changed = send_responders(user=dispatcher, intake=second.intake, responders=responders[1:2]).incident
    services.incident_cancel(incident=cancelled, by=dispatcher, reason="The person left")
    services.incident_change_decision(
        incident=changed, by=dispatcher, decision=Decision.PHONE_SUPPORT, reason="Calmer on the phone"
    )
    body = _get(client, first.intake_id, key).json()
    assert body["decision"] == "send_responders" and body["outcome"] is None and body["closed_at"]
    body = _get(client, second.intake_id, key).json()
    assert body["decision"] == "phone_support" and body["closed_at"]
