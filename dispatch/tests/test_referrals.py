"""Closing the loop on referrals: the partner's signed link, the allowed moves and their dates."""

from __future__ import annotations

import pytest
from django.core import signing
from django.urls import reverse

from audit.models import AuditEntry
from dispatch import services
from dispatch.models import Referral
from dispatch.tests.test_follow_ups import phone_support
from outreach.tests.factories import PartnerFactory


@pytest.fixture
def referral(dispatcher):
    triage = phone_support(user=dispatcher, what=None)
    return Referral.objects.create(
        triage=triage, partner=PartnerFactory(), notes="Private: lives with sister"
    )


@pytest.mark.django_db
class TestReferralConfirmation:
    def test_accepted_then_connected_keeps_both_dates(self, referral):
        services.referral_confirm(referral=referral, status="accepted", via="link")
        assert referral.status == "accepted" and referral.accepted_at and not referral.connected_at
        services.referral_confirm(referral=referral, status="connected", via="api")
        assert referral.status == "connected" and referral.connected_at >= referral.accepted_at
        assert referral.confirmed_via == "api"

    def test_connected_straight_away_sets_accepted_too(self, referral):
        services.referral_confirm(referral=referral, status="connected", via="link")
        assert referral.accepted_at == referral.connected_at

    def test_a_closed_referral_does_not_move_and_a_repeat_is_harmless(self, referral):
        services.referral_confirm(referral=referral, status="declined", via="link")
        assert referral.ended_at is not None
        services.referral_confirm(referral=referral, status="declined", via="link")
        with pytest.raises(services.DispatchError):
            services.referral_confirm(referral=referral, status="connected", via="link")
        with pytest.raises(services.DispatchError):
            services.referral_confirm(referral=referral, status="bogus", via="link")
        assert Referral.objects.get(pk=referral.pk).status == "declined"

    def test_forged_and_expired_tokens_find_nothing(self, referral, settings):
        token = services.referral_token(referral=referral)
        assert services.referral_from_token(token) == referral
        assert services.referral_from_token(token[:-2] + "xx") is None
        assert services.referral_from_token(signing.dumps({"r": referral.pk}, salt="other")) is None
        settings.DISPATCH_REFERRAL_LINK_MAX_AGE = -1
        assert services.referral_from_token(token) is None

    def test_the_partner_page_offers_the_next_steps_without_caller_text(self, client, referral):
        url = reverse("dispatch:referral_confirm", args=[services.referral_token(referral=referral)])
        page = client.get(url).content.decode()
        assert 'value="accepted"' in page and 'value="connected"' in page
        assert "lives with sister" not in page and str(referral.triage.intake.caller) not in page
        response = client.post(url, {"status": "accepted"})
        assert response.status_code == 302
        assert Referral.objects.get(pk=referral.pk).status == "accepted"
        assert AuditEntry.objects.filter(what="partner confirmed: accepted").exists()
        page = client.get(url).content.decode()
        assert 'value="accepted"' not in page and 'value="connected"' in page

    def test_a_bad_link_is_not_found(self, client):
        assert client.get(reverse("dispatch:referral_confirm", args=["nope"])).status_code == 404
