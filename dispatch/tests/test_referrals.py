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


@pytest.mark.django_db
class TestReminders:
    def _age(self, referral, days):
        from datetime import timedelta

        from django.utils import timezone

        Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - timedelta(days=days))

    def test_an_unconfirmed_referral_is_reminded_exactly_once(self, referral, mailoutbox, settings):
        from dispatch.tasks import referral_reminders_send

        settings.DISPATCH_REFERRAL_REMINDER_DAYS = 3
        referral.partner.contact_email = "intake@partner.example.org"
        referral.partner.save()
        self._age(referral, 2)
        assert referral_reminders_send() == 0
        self._age(referral, 4)
        assert referral_reminders_send() == 1
        assert referral_reminders_send() == 0
        assert services.referral_remind(referral_id=referral.pk) is False
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["intake@partner.example.org"] and f"R-{referral.pk}" in message.subject
        assert "/dispatch/referrals/" in message.body and "lives with sister" not in message.body

    def test_a_confirmed_referral_gets_no_reminder(self, referral, mailoutbox):
        services.referral_confirm(referral=referral, status="accepted", via="link")
        self._age(referral, 10)
        assert services.referral_reminders_due() == []

    def test_a_failed_send_gives_the_claim_back(self, referral, monkeypatch):
        import dispatch.services.referrals as module

        referral.partner.email = "desk@partner.example.org"
        referral.partner.save()

        def refuse(*args, **kwargs):
            raise OSError("mail server down")

        monkeypatch.setattr(module, "send_mail", refuse)
        with pytest.raises(OSError):
            services.referral_remind(referral_id=referral.pk)
        assert Referral.objects.get(pk=referral.pk).reminded_at is None
