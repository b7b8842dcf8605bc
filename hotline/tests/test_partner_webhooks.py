"""Partners' status webhooks: the secret, the signature, one event per change, written with the
change, delivery at most once per claim, retries with backoff, the sweep, the failing flag."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEntry
from hotline import services
from hotline.models import HandoffPartner, HandoffWebhookAttempt, HandoffWebhookEvent, Intake
from hotline.selectors import partner_webhooks_failing
from hotline.services import partner_webhooks

URL = "https://cad.example.org/hooks/hotline"


class FakeReceiver:
    """The partner's endpoint at the HTTP seam: answers the given statuses in turn (an
    exception instance is raised instead), and keeps every request."""

    def __init__(self, *answers):
        self.answers = list(answers) or [200]
        self.requests: list[dict] = []

    def __call__(self, *, url, body, headers, timeout):
        self.requests.append({"url": url, "body": body, "headers": headers, "timeout": timeout})
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def receiver(monkeypatch):
    fake = FakeReceiver(200)
    monkeypatch.setattr(partner_webhooks, "transport", fake)
    return fake


@pytest.fixture
def partner(db, coordinator):
    partner = services.handoff_partner_create(name="DC 911 (OUC)", source=Intake.Source.TRANSFER_911)
    partner, secret = services.partner_webhook_configure(partner=partner, url=URL, by=coordinator)
    partner.secret = secret
    return partner


def _handoff(partner, reference="CAD-1"):
    handoff, _created = services.handoff_receive(
        partner=partner, reference=reference, call_type="welfare_check"
    )
    return handoff


def _event(partner, reference="CAD-1") -> HandoffWebhookEvent:
    handoff = _handoff(partner, reference)
    services.handoff_record_progress(
        intake_id=handoff.intake_id, decision="phone_support", decided_at=timezone.now()
    )
    return HandoffWebhookEvent.objects.get(handoff=handoff)


def _verify(secret: str, header: str, body: bytes) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


# --- the secret and the signature -------------------------------------------------------------


def test_a_first_url_creates_a_secret_shown_once_never_stored(partner, coordinator):
    assert partner.secret.startswith("whsec_") and len(partner.secret) > 40
    stored = HandoffPartner.objects.filter(pk=partner.pk).values().get()
    assert all(partner.secret not in str(value) for value in stored.values())
    assert services.partner_webhook_secret(partner) == partner.secret  # derivable to sign
    # Saving the URL again does not change or show the secret.
    again, secret = services.partner_webhook_configure(partner=partner, url=URL + "/v2", by=coordinator)
    assert secret is None and services.partner_webhook_secret(again) == partner.secret
    whats = set(AuditEntry.objects.filter(subject="hotline.handoffpartner").values_list("what", flat=True))
    assert whats == {"status webhook URL set"}


def test_rotating_changes_the_secret_and_is_audited(partner, coordinator, settings):
    new = services.partner_webhook_secret_rotate(partner=partner, by=coordinator)
    assert new != partner.secret and new.startswith("whsec_")
    partner.refresh_from_db()
    assert services.partner_webhook_secret(partner) == new
    assert AuditEntry.objects.filter(what="status webhook secret rotated", actor=coordinator).exists()
    # The server key is part of the derivation: the database alone cannot sign.
    settings.HANDOFF_WEBHOOK_SECRET_KEY = "another-key"
    assert services.partner_webhook_secret(partner) != new


def test_the_signature_is_an_hmac_of_time_dot_body():
    header = partner_webhooks.sign(secret="whsec_abc", body=b'{"a":1}', timestamp=1700000000)
    expected = hmac.new(b"whsec_abc", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


# --- events: one per change, in the change's transaction ------------------------------------------


def test_each_change_writes_one_event_and_an_unchanged_state_none(partner, receiver):
    handoff = _handoff(partner)
    assert not HandoffWebhookEvent.objects.exists()  # received: the partner knows
    now = timezone.now()
    services.handoff_record_progress(intake_id=handoff.intake_id, decision="send_responders", decided_at=now)
    services.handoff_status_changed(intake_id=handoff.intake_id)  # nothing new
    services.handoff_record_progress(intake_id=handoff.intake_id, outcome="resolved_on_scene")
    services.handoff_record_progress(intake_id=handoff.intake_id, outcome="resolved_on_scene")
    events = list(HandoffWebhookEvent.objects.order_by("pk"))
    assert [(e.data["decision"], e.data["outcome"]) for e in events] == [
        ("send_responders", None),
        ("send_responders", "resolved_on_scene"),
    ]
    assert len({e.event_id for e in events}) == 2
    # The same fields as GET /api/v1/handoffs/{id}/, no free text.
    assert set(events[0].data) == {
        "id",
        "reference",
        "status",
        "decision",
        "outcome",
        "created_at",
        "decided_at",
        "closed_at",
    }


def test_no_event_without_a_webhook_url(db, coordinator):
    partner = services.handoff_partner_create(name="No hook", source=Intake.Source.TRANSFER_911)
    handoff = _handoff(partner)
    services.handoff_record_progress(
        intake_id=handoff.intake_id, decision="no_action", decided_at=timezone.now()
    )
    assert not HandoffWebhookEvent.objects.exists()


def test_the_event_commits_or_rolls_back_with_the_change(partner, receiver):
    handoff = _handoff(partner)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.handoff_record_progress(
            intake_id=handoff.intake_id, decision="refer", decided_at=timezone.now()
        )
        assert HandoffWebhookEvent.objects.count() == 1
        raise RuntimeError("the dispatcher's transaction fails")
    assert not HandoffWebhookEvent.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.handoff_record_progress(
            intake_id=handoff.intake_id, decision="refer", decided_at=timezone.now()
        )
        assert receiver.requests == []  # nothing leaves before the commit
    assert len(callbacks) == 1 and len(receiver.requests) == 1
    assert HandoffWebhookEvent.objects.get().status == HandoffWebhookEvent.Status.DELIVERED


# --- delivery ---------------------------------------------------------------------------------


def test_a_delivery_is_signed_and_never_sent_twice(partner, receiver):
    event = _event(partner)
    result = services.webhook_event_deliver(pk=event.pk)
    assert result.status == "delivered" and result.status_code == 200
    [request] = receiver.requests
    assert request["url"] == URL
    assert request["headers"]["X-Hotline-Event-Id"] == str(event.event_id)
    assert _verify(partner.secret, request["headers"]["X-Hotline-Signature"], request["body"])
    body = json.loads(request["body"])
    assert body["id"] == str(event.event_id) and body["type"] == "handoff.updated"
    assert body["data"]["decision"] == "phone_support" and body["data"]["reference"] == "CAD-1"
    # A duplicated task, a second worker, the sweep: nothing more goes out.
    assert services.webhook_events_deliver([event.pk, event.pk])[0].status == "skipped"
    services.webhook_events_sweep(now=timezone.now() + timedelta(hours=2))
    assert len(receiver.requests) == 1
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.DELIVERED and event.delivered_at and event.attempts == 1


@pytest.mark.parametrize("answer", [500, 502, 503, 429, partner_webhooks.TransportError("timed out")])
def test_server_errors_timeouts_and_429_retry_with_backoff(partner, monkeypatch, answer):
    receiver = FakeReceiver(answer, answer, 200)
    monkeypatch.setattr(partner_webhooks, "transport", receiver)
    event = _event(partner)
    first = services.webhook_event_deliver(pk=event.pk)
    event.refresh_from_db()
    assert first.status == "retry" and first.retry_in == 30
    assert event.status == HandoffWebhookEvent.Status.PENDING and event.last_error
    assert event.next_attempt_at >= timezone.now() + timedelta(seconds=25)
    assert services.webhook_event_deliver(pk=event.pk).retry_in == 60  # backoff doubles
    assert services.webhook_event_deliver(pk=event.pk).status == "delivered"
    assert len({r["headers"]["X-Hotline-Event-Id"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1  # the same body every time
    log = list(HandoffWebhookAttempt.objects.filter(event=event).order_by("pk").values_list("ok", flat=True))
    assert log == [False, False, True]


@pytest.mark.parametrize("status", [400, 401, 404, 410, 301])
def test_other_client_errors_and_redirects_fail_at_once(partner, monkeypatch, status):
    receiver = FakeReceiver(status)
    monkeypatch.setattr(partner_webhooks, "transport", receiver)
    event = _event(partner)
    assert services.webhook_event_deliver(pk=event.pk).status == "failed"
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.FAILED and event.last_error == f"HTTP {status}"
    services.webhook_events_sweep(now=timezone.now() + timedelta(hours=2))
    assert len(receiver.requests) == 1


def test_attempts_are_bounded(partner, monkeypatch, settings):
    settings.HANDOFF_WEBHOOK_MAX_ATTEMPTS = 3
    monkeypatch.setattr(partner_webhooks, "transport", FakeReceiver(503))
    event = _event(partner)
    statuses = [services.webhook_event_deliver(pk=event.pk).status for _ in range(4)]
    assert statuses == ["retry", "retry", "failed", "skipped"]
    assert partner_webhooks.retry_delay(20) == settings.HANDOFF_WEBHOOK_RETRY_CAP_SECONDS


def test_a_crash_between_send_and_record_resends_with_the_same_id(partner, monkeypatch, settings):
    """The worker dies after the partner answered 200 but before the row says so: the sweep
    sends it again (same event id, same body) once the claim is stale, then never again."""
    receiver = FakeReceiver(200)
    monkeypatch.setattr(partner_webhooks, "transport", receiver)
    event = _event(partner)

    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(partner_webhooks, "_record", killed)
    with pytest.raises(SystemExit):
        services.webhook_event_deliver(pk=event.pk)
    monkeypatch.undo()
    monkeypatch.setattr(partner_webhooks, "transport", receiver)
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.SENDING and len(receiver.requests) == 1
    # A live send may still be on its way: the sweep leaves a fresh claim alone.
    assert services.webhook_events_sweep().stuck == 0
    later = timezone.now() + timedelta(seconds=settings.HANDOFF_WEBHOOK_STUCK_AFTER_SECONDS + 1)
    sweep = services.webhook_events_sweep(now=later)  # eager Celery: sent at once
    assert sweep.stuck == 1 and sweep.enqueued == 1
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.DELIVERED
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["X-Hotline-Event-Id"] == second["headers"]["X-Hotline-Event-Id"]
    services.webhook_events_sweep(now=later + timedelta(hours=1))
    assert len(receiver.requests) == 2


def test_the_sweep_sends_events_a_down_broker_left_pending(partner, receiver, monkeypatch):
    monkeypatch.setattr(partner_webhooks, "webhook_events_enqueue", lambda ids, countdown=None: 0)
    event = _event(partner)  # the broker is down: nothing handed over
    monkeypatch.undo()
    monkeypatch.setattr(partner_webhooks, "transport", receiver)
    assert services.webhook_events_sweep().due == 0  # not yet: the normal path may still send it
    sweep = services.webhook_events_sweep(now=timezone.now() + timedelta(seconds=60))
    assert sweep.due == 1 and sweep.enqueued == 1
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.DELIVERED and len(receiver.requests) == 1


def test_a_failing_endpoint_is_flagged_until_a_delivery_succeeds(partner, monkeypatch, settings):
    settings.HANDOFF_WEBHOOK_ALARM_AFTER = 3
    monkeypatch.setattr(partner_webhooks, "transport", FakeReceiver(503))
    events = [_event(partner, reference=f"CAD-{n}") for n in range(3)]
    for event in events[:2]:
        services.webhook_event_deliver(pk=event.pk)
    assert partner_webhooks_failing() == []
    services.webhook_event_deliver(pk=events[2].pk)
    [failing] = partner_webhooks_failing()
    assert failing == partner and failing.webhook_failures == 3
    from config.health import _warnings

    assert "DC 911 (OUC) (3 failures)" in _warnings["hotline-partner-webhooks"]()
    monkeypatch.setattr(partner_webhooks, "transport", FakeReceiver(204))
    assert services.webhook_event_deliver(pk=events[0].pk).status == "delivered"
    assert partner_webhooks_failing() == []
    assert _warnings["hotline-partner-webhooks"]() is None


def test_a_coordinator_may_send_a_failed_event_again(partner, monkeypatch, coordinator):
    monkeypatch.setattr(partner_webhooks, "transport", FakeReceiver(404, 200))
    event = _event(partner)
    services.webhook_event_deliver(pk=event.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.webhook_event_resend(event=event, by=coordinator)
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.DELIVERED


# --- the coordinators' page -------------------------------------------------------------------


def test_the_delivery_log_page_is_for_coordinators(client, partner, receiver, dispatcher, coordinator):
    event = _event(partner)
    services.webhook_event_deliver(pk=event.pk)
    url = f"/hotline/handoff-keys/partners/{partner.pk}/webhook/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert str(event.event_id) in text and "delivered (HTTP 200)" in text
    assert partner.secret not in text  # shown once, when made: never again


def test_setting_the_url_and_rotating_show_the_secret_once(client, db, coordinator):
    partner = services.handoff_partner_create(name="DC 311", source=Intake.Source.POLICE_311_REQUEST)
    client.force_login(coordinator)
    base = f"/hotline/handoff-keys/partners/{partner.pk}/webhook/"
    bad = client.post(base + "set/", {"webhook_url": "http://cad.example.org/hook"})
    assert bad.status_code == 400 and "https://" in bad.content.decode()
    page = client.post(base + "set/", {"webhook_url": URL})
    partner.refresh_from_db()
    secret = services.partner_webhook_secret(partner)
    assert page.status_code == 200 and secret in page.content.decode()
    assert secret not in client.get(base).content.decode()
    rotated = client.post(base + "rotate/")
    partner.refresh_from_db()
    new = services.partner_webhook_secret(partner)
    assert new != secret and new in rotated.content.decode()
    local = client.post(base + "set/", {"webhook_url": "http://127.0.0.1:9000/hook"})
    assert local.status_code == 302  # plain HTTP to this machine only (tests, a local relay)


def test_a_coordinator_closing_stale_intakes_tells_the_partner(partner, receiver):
    handoff = _handoff(partner)
    other = _handoff(partner, reference="CAD-2")
    services.intakes_close(intakes=Intake.objects.filter(pk=handoff.intake_id))
    [event] = HandoffWebhookEvent.objects.all()
    assert event.handoff == handoff and event.data["status"] == "closed"
    assert not HandoffWebhookEvent.objects.filter(handoff=other).exists()


def test_the_log_page_sends_a_failed_event_again(client, partner, monkeypatch, coordinator):
    receiver = FakeReceiver(410, 200)
    monkeypatch.setattr(partner_webhooks, "transport", receiver)
    event = _event(partner)
    services.webhook_event_deliver(pk=event.pk)
    client.force_login(coordinator)
    page = client.get(f"/hotline/handoff-keys/partners/{partner.pk}/webhook/").content.decode()
    assert f"/hotline/handoff-keys/webhook-events/{event.pk}/resend/" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/hotline/handoff-keys/webhook-events/{event.pk}/resend/")
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == HandoffWebhookEvent.Status.DELIVERED and len(receiver.requests) == 2
    assert client.post(f"/hotline/handoff-keys/webhook-events/{event.pk}/resend/").status_code == 302
    assert len(receiver.requests) == 2  # a delivered event is never sent again
