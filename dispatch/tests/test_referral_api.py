"""A referral partner confirms a referral through the API: POST /api/v1/referrals/{id}/status
with its key; only referrals made to it, the signed link's rules, JSON errors, audited."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEntry
from dispatch.models import Referral, ReferralApiPartner
from dispatch.tests.test_follow_ups import phone_support
from hotline import services as hotline_services
from hotline.models import Intake
from outreach.tests.factories import PartnerFactory


def _linked_key(name: str, coordinator):
    """A directory partner, and the API key of the hand-off partner linked to it."""
    handoff_partner = hotline_services.handoff_partner_create(name=name, source=Intake.Source.PARTNER)
    partner = PartnerFactory(name=f"{name} (directory)")
    ReferralApiPartner.objects.create(handoff_partner=handoff_partner, partner=partner)
    return partner, hotline_services.handoff_key_issue(partner=handoff_partner, by=coordinator)[1]


@pytest.fixture
def shelter(coordinator):
    return _linked_key("Night shelter", coordinator)


@pytest.fixture
def referral(dispatcher, shelter):
    triage = phone_support(user=dispatcher, what=None)
    return Referral.objects.create(triage=triage, partner=shelter[0], notes="Private: lives with sister")


def _post(client, pk, body, key=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        f"/api/v1/referrals/{pk}/status", data=data, content_type="application/json", **headers, **extra
    )


@pytest.mark.django_db
class TestReferralStatusApi:
    def test_accepted_then_connected_with_dates(self, client, referral, shelter):
        key = shelter[1]
        response = _post(client, referral.pk, {"status": "accepted"}, key)
        body = response.json()
        assert response.status_code == 200
        assert body["status"] == "accepted" and body["accepted_at"] and body["connected_at"] is None
        assert body["next"] == ["connected", "unreachable"]
        body = _post(client, referral.pk, {"status": "connected"}, key).json()
        assert body["status"] == "connected" and body["connected_at"] and body["next"] == []
        referral.refresh_from_db()
        assert referral.confirmed_via == "api" and referral.connected_at >= referral.accepted_at
        assert "sister" not in json.dumps(body)  # the notes stay with us
        audited = AuditEntry.objects.filter(
            subject="dispatch.referral", actor_label="referral API: Night shelter"
        )
        assert sorted(audited.values_list("what", flat=True)) == [
            "partner confirmed: accepted",
            "partner confirmed: connected",
        ]

    def test_the_trailing_slash_is_optional(self, client, referral, shelter):
        response = client.post(
            f"/api/v1/referrals/{referral.pk}/status/",
            data='{"status": "declined"}',
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {shelter[1]}",
        )
        assert response.status_code == 200 and response.json()["ended_at"]

    def test_a_closed_referral_does_not_move_and_a_repeat_is_a_no_op(self, client, referral, shelter):
        key = shelter[1]
        assert _post(client, referral.pk, {"status": "declined"}, key).status_code == 200
        assert _post(client, referral.pk, {"status": "declined"}, key).status_code == 200
        refused = _post(client, referral.pk, {"status": "connected"}, key)
        assert refused.status_code == 409
        assert set(refused.json()) == {"error", "errors"} and "status" in refused.json()["errors"]
        referral.refresh_from_db()
        assert referral.status == "declined" and referral.connected_at is None
        assert AuditEntry.objects.filter(subject="dispatch.referral").count() == 1

    def test_authentication(self, client, referral, shelter, coordinator):
        assert _post(client, referral.pk, {"status": "accepted"}).status_code == 401
        assert _post(client, referral.pk, {"status": "accepted"}, "hv_nope_nope").status_code == 401
        handoff_partner = ReferralApiPartner.objects.get(partner=shelter[0]).handoff_partner
        revoked = hotline_services.handoff_key_issue(partner=handoff_partner, by=coordinator)[1]
        assert _post(client, referral.pk, {"status": "accepted"}, shelter[1]).status_code == 401  # old key
        assert _post(client, referral.pk, {"status": "accepted"}, revoked).status_code == 200

    def test_another_partner_s_referral_is_not_found(self, client, referral, coordinator):
        _other, other_key = _linked_key("Detox centre", coordinator)
        unlinked = hotline_services.handoff_partner_create(name="DC 911", source=Intake.Source.TRANSFER_911)
        unlinked_key = hotline_services.handoff_key_issue(partner=unlinked, by=coordinator)[1]
        for key in (other_key, unlinked_key):
            response = _post(client, referral.pk, {"status": "connected"}, key)
            assert response.status_code == 404 and "error" in response.json()
        assert _post(client, 999_999, {"status": "connected"}, other_key).status_code == 404
        assert _post(client, 99_999_999_999_999_999, {"status": "connected"}, other_key).status_code == 404
        referral.refresh_from_db()
        assert referral.status == "made"

    @pytest.mark.parametrize(
        "body",
        [
            {"status": "made"},
            {"status": "lost"},
            {"status": ""},
            {},
            {"status": "accepted", "note": "hi"},
            {"status": 3},
            "[]",
            "{not json",
        ],
    )
    def test_bad_bodies_are_400(self, client, referral, shelter, body):
        response = _post(client, referral.pk, body, shelter[1])
        assert response.status_code == 400
        assert set(response.json()) == {"error", "errors"}
        referral.refresh_from_db()
        assert referral.status == "made"

    def test_other_methods_and_big_bodies(self, client, referral, shelter, settings):
        key = shelter[1]
        got = client.get(f"/api/v1/referrals/{referral.pk}/status", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert got.status_code == 405 and got["Allow"] == "POST" and "error" in got.json()
        settings.HANDOFF_API_MAX_BODY_BYTES = 100
        big = _post(client, referral.pk, {"status": "accepted", "x": "y" * 200}, key)
        assert big.status_code == 413
        form = client.post(
            f"/api/v1/referrals/{referral.pk}/status",
            {"status": "accepted"},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert form.status_code == 400

    def test_the_openapi_document_describes_it(self, client):
        spec = client.get("/api/v1/openapi.json").json()
        operation = spec["paths"]["/referrals/{id}/status"]["post"]
        assert {"200", "400", "401", "404", "409", "413"} <= set(operation["responses"])
        assert "StatusWebhook" in spec["components"]["schemas"]
        assert "handoffStatusChanged" in spec["webhooks"]


@pytest.mark.django_db
def test_coordinators_link_a_partner_to_an_api_key(client, coordinator, dispatcher):
    handoff_partner = hotline_services.handoff_partner_create(
        name="Shelter API", source=Intake.Source.PARTNER
    )
    partner = PartnerFactory(name="Night shelter")
    client.force_login(dispatcher)
    assert client.get("/dispatch/referral-api/").status_code == 403
    client.force_login(coordinator)
    page = client.get("/dispatch/referral-api/").content.decode()
    assert "Night shelter" in page and "Shelter API" in page  # offered in the form
    data = {"handoff_partner": handoff_partner.pk, "partner": partner.pk}
    assert client.post("/dispatch/referral-api/link/", data).status_code == 302
    link = ReferralApiPartner.objects.get()
    assert (link.handoff_partner, link.partner) == (handoff_partner, partner)
    assert client.post("/dispatch/referral-api/link/", data).status_code == 400  # already linked
    assert AuditEntry.objects.filter(what="referral API access given", actor=coordinator).exists()
    assert client.post(f"/dispatch/referral-api/{link.pk}/remove/").status_code == 302
    assert not ReferralApiPartner.objects.exists()
    assert AuditEntry.objects.filter(what="referral API access removed").exists()
