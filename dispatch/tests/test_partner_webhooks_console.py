"""A partner's status webhook failing in a row shows on the dispatcher console (with a link to
the delivery log for coordinators) until a delivery succeeds."""

from __future__ import annotations

import pytest

from hotline import services as hotline_services
from hotline.models import HandoffPartner, Intake


@pytest.mark.django_db
def test_the_console_flags_a_failing_partner_webhook(client, coordinator, dispatcher, settings, make_user):
    settings.HANDOFF_WEBHOOK_ALARM_AFTER = 3
    partner = hotline_services.handoff_partner_create(name="DC 911 (OUC)", source=Intake.Source.TRANSFER_911)
    hotline_services.partner_webhook_configure(
        partner=partner, url="https://cad.example.org/h", by=coordinator
    )
    client.force_login(dispatcher)
    assert "partner-webhooks-failing" not in client.get("/dispatch/").content.decode()
    HandoffPartner.objects.filter(pk=partner.pk).update(webhook_failures=3)
    page = client.get("/dispatch/").content.decode()
    assert "partner-webhooks-failing" in page and "the last 3 deliveries failed" in page
    assert f"/hotline/handoff-keys/partners/{partner.pk}/webhook/" not in page  # not theirs to fix
    both = make_user("Dispatcher", "Coordinator", "Volunteer", username="lead")
    client.force_login(both)
    assert (
        f"/hotline/handoff-keys/partners/{partner.pk}/webhook/" in client.get("/dispatch/").content.decode()
    )
    HandoffPartner.objects.filter(pk=partner.pk).update(webhook_failures=0)
    assert "partner-webhooks-failing" not in client.get("/dispatch/").content.decode()
