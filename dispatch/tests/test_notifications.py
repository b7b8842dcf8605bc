"""Responder notifications: the outbox, acknowledgements by text and link, escalation, and the
reliability rules (broker down, duplicated delivery, provider errors) with Celery eager.

The same rules against a real worker on Redis are in test_worker.py.
"""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta

import kombu.pools
import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.http import HttpClient
from twilio.http.response import Response

from config.celery import app as celery_app
from dispatch import services, tasks
from dispatch.models import Incident, IncidentEvent, IncidentResponder, Notification, OnCallPeriod
from dispatch.services import outbox as outbox_service
from dispatch.tests.factories import SEND_ANSWERS, claimed, committing, responder_on_shift, send_responders
from hotline import messaging
from hotline.messaging import TwilioBackend, override_backend
from hotline.models import Message
from hotline.services import sms_receive

HOTLINE = "+12025550100"


def reply(volunteer, body: str, sid: str | None = None):
    """The responder texts the hotline number: through hotline's real inbound path and signal."""
    with committing():
        return sms_receive(
            message_sid=sid or f"SM{time.time_ns():032x}"[:34],
            from_number=str(volunteer.phone),
            to_number=HOTLINE,
            body=body,
        )


def texts_to(texts, volunteer) -> list[str]:
    return [t.body for t in texts if t.to == str(volunteer.phone)]


@pytest.mark.django_db
class TestOutbox:
    def test_rows_are_written_with_the_incident_and_sent_after_commit(
        self, dispatcher, responders, texts, django_capture_on_commit_callbacks
    ):
        triage = claimed(user=dispatcher)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.triage_decide(
                triage=triage, user=dispatcher, raw_answers=SEND_ANSWERS, decision="send_responders"
            )
            incident = Incident.objects.get(triage=triage)
            # Nothing left the building inside the transaction.
            assert texts == []
            assert set(incident.notifications.values_list("status", flat=True)) == {"pending"}
        assert len(callbacks) == 1
        callbacks[0]()
        assert len(texts) == 3
        rows = incident.notifications.all()
        assert all(
            row.status == "sent" and row.provider_sid.startswith("SM") and row.attempts == 1 for row in rows
        )
        assert Message.objects.filter(direction="out").count() == 3

    def test_texts_are_in_the_responders_language(self, dispatcher, texts):
        volunteer = responder_on_shift(languages=["ko"], preferred_language="ko")
        incident = send_responders(user=dispatcher).incident
        [body] = texts_to(texts, volunteer)
        assert incident.code in body and "YES" in body
        assert "Hotline call-out" not in body  # the Korean catalogue was used

    def test_the_same_row_delivered_twice_sends_one_text(self, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher, responders=[]).incident
        with committing():
            services.incident_notify_more(incident=incident, by=dispatcher, volunteers=responders[:1])
        row = incident.notifications.get()
        assert len(texts) == 1
        assert tasks.notifications_send([row.pk]) == ["skipped"]
        assert tasks.notifications_send.apply(args=[[row.pk, row.pk]]).get() == ["skipped", "skipped"]
        assert len(texts) == 1

    def test_a_worker_killed_mid_send_never_sends_twice(self, dispatcher, responders, texts, settings):
        """Killed after the claim, before the provider had the text: redelivery does nothing, and
        the sweep, once the provider says it never got it, sends it exactly once."""
        with override_backend(_Recording(_kill_at(1))), pytest.raises(_WorkerKilled):
            send_responders(user=dispatcher, responders=responders[:1])
        row = Notification.objects.get()
        assert row.status == "sending" and texts == []
        assert tasks.notifications_send([row.pk]) == ["skipped"]
        assert services.outbox_sweep().stuck == 0  # it may still be on its way
        later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS + 1)
        result = services.outbox_sweep(now=later)
        assert (result.stuck, result.resent, result.enqueued) == (1, 1, 1)
        assert [t.to for t in texts] == [row.to]
        row.refresh_from_db()
        assert (row.status, row.attempts, row.provider_sid) == ("sent", 2, texts[0].sid)
        assert row.last_error == "" and row.sent_at is not None
        # Nothing further: another sweep, a redelivered task.
        assert services.outbox_sweep(now=later).stuck == 0
        assert tasks.notifications_send([row.pk]) == ["skipped"]
        assert len(texts) == 1
        # The Message stored for the killed attempt went with it; the text sent is stored once.
        stored = Message.objects.filter(direction="out", to_number=row.to)
        assert list(stored.values_list("message_sid", flat=True)) == [texts[0].sid]
        assert not row.incident.events.filter(kind=IncidentEvent.Kind.NOTIFICATION_FAILED).exists()

    def test_a_worker_killed_after_the_provider_took_the_text_is_marked_sent(
        self, dispatcher, responders, texts, settings
    ):
        with override_backend(_KilledAfterHandOver()), pytest.raises(_WorkerKilled):
            send_responders(user=dispatcher, responders=responders[:1])
        row = Notification.objects.get()
        assert row.status == "sending" and len(texts) == 1
        later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS + 1)
        result = services.outbox_sweep(now=later)
        assert (result.stuck, result.recovered, result.enqueued) == (1, 1, 0)
        row.refresh_from_db()
        assert (row.status, row.attempts, row.provider_sid) == ("sent", 1, texts[0].sid)
        assert row.sent_at is not None and row.last_error == ""
        assert tasks.notifications_send([row.pk]) == ["skipped"]
        assert services.outbox_sweep(now=later).stuck == 0
        assert len(texts) == 1
        # The stored Message now carries the provider's id, so its status callbacks find it.
        message = Message.objects.get(direction="out", to_number=row.to)
        assert (message.message_sid, message.status) == (texts[0].sid, "queued")

    def test_a_stuck_send_the_provider_cannot_confirm_is_failed_for_a_dispatcher(
        self, dispatcher, responders, texts, settings
    ):
        with override_backend(_Recording(_kill_at(1))), pytest.raises(_WorkerKilled):
            send_responders(user=dispatcher, responders=responders[:1])
        incident = Incident.objects.get()
        row = incident.notifications.get()
        later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS + 1)
        # The console backend keeps no record of what it printed: it cannot tell.
        with override_backend(messaging.ConsoleBackend(stream=io.StringIO())):
            result = services.outbox_sweep(now=later)
        assert (result.stuck, result.failed, result.enqueued) == (1, 1, 0)
        row.refresh_from_db()
        assert row.status == "failed" and "may not have arrived" in row.last_error
        assert "no record" in row.last_error
        assert incident.events.filter(kind=IncidentEvent.Kind.NOTIFICATION_FAILED).count() == 1
        assert texts == []

    def test_a_backend_that_cannot_look_up_texts_fails_the_row_as_before(self, responders, texts, settings):
        [row] = outbox(1)
        _stick(row, settings)
        with override_backend(_Unreachable()):
            assert services.outbox_sweep().failed == 1
        row.refresh_from_db()
        assert row.status == "failed" and "cannot look up" in row.last_error and texts == []

    def test_a_lookup_that_blows_up_fails_the_row_and_the_sweep_goes_on(self, texts, settings):
        first, second = outbox(2)
        _stick(first, settings, seconds_ago=200)
        _stick(second, settings)

        class Broken(messaging.MemoryBackend):
            def find_sent(self, *, to, **kwargs):
                if to == first.to:
                    raise ValueError("unexpected answer")
                return super().find_sent(to=to, **kwargs)

        with override_backend(Broken()):
            result = services.outbox_sweep()
        assert (result.failed, result.resent) == (1, 1)
        statuses = dict(Notification.objects.values_list("pk", "status"))
        assert (statuses[first.pk], statuses[second.pk]) == ("failed", "sent")
        assert [t.to for t in texts] == [second.to]

    def test_a_sweep_racing_a_late_worker_never_sends_again(self, texts, settings):
        """The worker records its send while the sweep is asking the provider: the sweep's
        change is conditional on the same claim, so it leaves the row alone."""
        [row] = outbox(1)
        _stick(row, settings)

        class LateWorker(messaging.MemoryBackend):
            def find_sent(self, **kwargs):
                Notification.objects.filter(pk=row.pk).update(
                    status="sent", provider_sid="SMlate", sent_at=timezone.now()
                )
                return None  # the provider had not listed it yet

        with override_backend(LateWorker()):
            result = services.outbox_sweep()
        assert (result.stuck, result.enqueued) == (0, 0)
        row.refresh_from_db()
        assert (row.status, row.provider_sid) == ("sent", "SMlate") and texts == []

    def test_a_newer_claim_is_not_settled_by_an_older_look(self, texts, settings):
        [row] = outbox(1)
        _stick(row, settings)
        stale = Notification.objects.get(pk=row.pk)
        # Meanwhile the row was re-pended and claimed again by a live worker.
        Notification.objects.filter(pk=row.pk).update(sending_since=timezone.now())
        assert services.notification_reconcile(notification=stale) == "skipped"
        assert Notification.objects.get(pk=row.pk).status == "sending" and texts == []

    def test_a_row_whose_attempts_are_used_up_is_failed_not_resent(self, texts, settings):
        [row] = outbox(1)
        _stick(row, settings, attempts=settings.DISPATCH_NOTIFY_MAX_ATTEMPTS)
        assert services.outbox_sweep().failed == 1
        row.refresh_from_db()
        assert row.status == "failed" and "attempts" in row.last_error and texts == []

    def test_sweep_sends_rows_left_pending_exactly_once(
        self, dispatcher, responders, texts, monkeypatch, settings
    ):
        monkeypatch.setattr(outbox_service, "notifications_enqueue", lambda ids, *, countdown=None: 0)
        incident = send_responders(user=dispatcher).incident
        monkeypatch.undo()
        assert texts == [] and set(incident.notifications.values_list("status", flat=True)) == {"pending"}
        assert services.outbox_sweep().due == 0  # too fresh: the on-commit send may still be on its way
        later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS + 1)
        assert services.outbox_sweep(now=later).enqueued == 3
        assert services.outbox_sweep(now=later).due == 0
        assert sorted(t.to for t in texts) == sorted(str(v.phone) for v in responders)


class _Unreachable:
    """A backend whose provider never answers (texts stay unsent)."""

    def send_sms(self, **kwargs):
        raise messaging.SmsError("no network", code="net")


class FakeTwilio(HttpClient):
    """Twilio's HTTP API answering from a script, offline (the SDK builds real requests)."""

    def __init__(self, *answers):
        super().__init__(logger=None, is_async=False)
        self.answers = list(answers)
        self.requests = []

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append(data)
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return Response(status, json.dumps(body))


def twilio_message(sid="SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"):
    return {"sid": sid, "status": "queued", "to": "+12025550177", "from": HOTLINE, "body": "x"}


OUTAGE = (503, {"code": 20503, "message": "Service Unavailable", "status": 503})
BAD_NUMBER = (400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400})


@pytest.mark.django_db
class TestProviderErrors:
    @pytest.fixture(autouse=True)
    def twilio_credentials(self, settings):
        settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
        settings.TWILIO_AUTH_TOKEN = "12345678901234567890123456789012"

    def test_a_twilio_error_is_retried_then_recorded_as_failed_and_shown(
        self, client, dispatcher, responders, settings
    ):
        settings.DISPATCH_NOTIFY_MAX_ATTEMPTS = 3
        transport = FakeTwilio(OUTAGE)
        with override_backend(TwilioBackend(http_client=transport)):
            incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        row = incident.notifications.get()
        # Eager Celery runs the retries at once; a worker waits retry_delay() between them.
        assert len(transport.requests) == 3
        row.refresh_from_db()
        assert row.status == "failed" and row.attempts == 3 and "503" in row.last_error
        assert incident.events.filter(kind="notification_failed").count() == 1
        client.force_login(dispatcher)
        console = client.get(reverse("dispatch:queue")).content.decode()
        assert "1 text failed" in console and incident.code in console
        page = client.get(incident.get_absolute_url()).content.decode()
        assert "Service Unavailable" in page and "Send again" in page
        # The dispatcher sends it again once Twilio is back.
        with override_backend(TwilioBackend(http_client=FakeTwilio((201, twilio_message())))):
            with committing():
                client.post(reverse("dispatch:notification_resend", args=[row.pk]))
        again = incident.notifications.exclude(pk=row.pk).get()
        assert again.status == "sent" and again.body == row.body

    def test_a_temporary_error_then_success_sends_once(self, dispatcher, responders):
        transport = FakeTwilio(OUTAGE, (201, twilio_message()))
        with override_backend(TwilioBackend(http_client=transport)):
            incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        row = incident.notifications.get()
        assert (row.status, row.attempts, row.provider_sid) == (
            "sent",
            2,
            "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        )
        assert len(transport.requests) == 2

    def test_a_permanent_error_is_not_retried(self, dispatcher, responders):
        transport = FakeTwilio(BAD_NUMBER)
        with override_backend(TwilioBackend(http_client=transport)):
            incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        row = incident.notifications.get()
        assert (row.status, row.attempts, len(transport.requests)) == ("failed", 1, 1)

    def test_a_stuck_row_twilio_has_is_marked_sent_without_texting_again(self, texts, settings):
        from email.utils import format_datetime

        [row] = outbox(1)
        _stick(row, settings)
        since = Notification.objects.get(pk=row.pk).sending_since
        theirs = {
            **twilio_message(sid="SM" + "7" * 32),
            "to": row.to,
            "body": row.body,
            "date_created": format_datetime(since + timedelta(seconds=1), usegmt=True),
            "date_sent": None,
        }
        page = {"messages": [theirs], "next_page_uri": None, "page": 0, "page_size": 50}
        transport = FakeTwilio((200, page))
        with override_backend(TwilioBackend(http_client=transport)):
            result = services.outbox_sweep()
        assert (result.recovered, result.enqueued, len(transport.requests)) == (1, 0, 1)
        row.refresh_from_db()
        assert (row.status, row.provider_sid, row.attempts) == ("sent", "SM" + "7" * 32, 1)

    def test_retry_delays_back_off_up_to_a_cap(self, settings):
        settings.DISPATCH_NOTIFY_RETRY_BASE_SECONDS = 5
        settings.DISPATCH_NOTIFY_RETRY_CAP_SECONDS = 60
        assert [services.retry_delay(n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]

    def test_a_temporary_error_schedules_the_next_try(self, dispatcher, responders, monkeypatch):
        scheduled = []
        monkeypatch.setattr(
            outbox_service,
            "notifications_enqueue",
            lambda ids, *, countdown=None: scheduled.append((ids, countdown)) or 0,
        )
        with override_backend(TwilioBackend(http_client=FakeTwilio(OUTAGE))):
            incident = send_responders(user=dispatcher, responders=responders[:1]).incident
            row = incident.notifications.get()
            tasks.notifications_send([row.pk])
        row.refresh_from_db()
        assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > timezone.now()
        assert scheduled[-1] == ([row.pk], 5)


@pytest.mark.django_db
def test_broker_unreachable_at_dispatch_the_request_is_quick_and_nothing_is_lost(
    client, dispatcher, responders, texts, settings
):
    """Point the broker at a closed port: the dispatcher's request succeeds at once, the rows
    stay pending, and the sweep sends each exactly once when the broker is back."""
    triage = claimed(user=dispatcher)
    client.force_login(dispatcher)
    data = {f"q_{k}": v for k, v in SEND_ANSWERS.items()} | {"decision": "send_responders", "team_size": "2"}
    with _broker_at("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        with committing():
            response = client.post(reverse("dispatch:intake_decide", args=[triage.intake_id]), data)
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 3, f"dispatch took {elapsed:.1f}s with the broker down"
    incident = Incident.objects.get(triage=triage)
    assert set(incident.notifications.values_list("status", flat=True)) == {"pending"}
    assert texts == []
    later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS + 1)
    assert services.outbox_sweep(now=later).enqueued == 3  # the broker is back (eager here)
    services.outbox_sweep(now=later)
    assert sorted(t.to for t in texts) == sorted(str(v.phone) for v in responders)


class _broker_at:
    """Publish tasks to another broker URL (not eagerly) for the duration of the block."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self):
        self.saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
        celery_app.conf.broker_url = self.url
        celery_app.conf.task_always_eager = False
        _reset_producer_pool()
        return self

    def __exit__(self, *exc):
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = self.saved
        _reset_producer_pool()


def _reset_producer_pool() -> None:
    """Forget pooled broker connections, as Celery does after a fork."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db
class TestAcknowledgements:
    def test_yes_by_text_joins_the_team_and_lands_on_the_timeline(self, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher).incident
        texts.clear()
        reply(responders[0], "yes")
        row = incident.responders.get(volunteer=responders[0])
        assert row.status == IncidentResponder.Status.ACCEPTED
        incident.refresh_from_db()
        assert incident.status == Incident.Status.ACKNOWLEDGED
        event = incident.events.get(kind=IncidentEvent.Kind.ACCEPTED)
        assert event.volunteer == responders[0] and event.note == "by text"
        [body] = texts_to(texts, responders[0])
        assert "on the team" in body and "/dispatch/r/" in body

    def test_a_deactivated_responder_cannot_answer_by_text(self, dispatcher, responders, texts):
        from volunteers.services import volunteer_deactivate

        incident = send_responders(user=dispatcher).incident
        volunteer_deactivate(volunteer=responders[0], by=dispatcher)
        texts.clear()
        reply(responders[0], "yes")
        row = incident.responders.get(volunteer=responders[0])
        assert row.status == IncidentResponder.Status.NOTIFIED
        assert texts_to(texts, responders[0]) == []

    def test_first_acceptances_up_to_the_team_size_form_the_team(self, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher, team_size=2).incident
        texts.clear()
        for volunteer in responders:
            reply(volunteer, f"Y {incident.code}")
        statuses = dict(incident.responders.values_list("volunteer", "status"))
        assert [statuses[v.pk] for v in responders] == ["accepted", "accepted", "team_full"]
        assert "already full" in texts_to(texts, responders[2])[0]
        incident.refresh_from_db()
        assert incident.escalate_at is None  # a full team stops the escalation clock

    def test_no_by_text_is_thanked(self, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher).incident
        texts.clear()
        reply(responders[1], "No")
        assert incident.responders.get(volunteer=responders[1]).status == "declined"
        assert "Thanks" in texts_to(texts, responders[1])[0]
        assert incident.events.filter(kind="declined", volunteer=responders[1]).exists()

    def test_with_two_call_outs_pending_the_code_is_asked_for(self, dispatcher, responders, texts):
        first = send_responders(user=dispatcher).incident
        second = send_responders(user=dispatcher).incident
        texts.clear()
        reply(responders[0], "yes")
        [body] = texts_to(texts, responders[0])
        assert first.code in body and second.code in body
        assert not IncidentResponder.objects.filter(volunteer=responders[0], status="accepted").exists()
        reply(responders[0], f"yes {second.code.lower()}")
        assert second.responders.get(volunteer=responders[0]).status == "accepted"
        assert first.responders.get(volunteer=responders[0]).status == "notified"

    def test_korean_and_spanish_yes(self, dispatcher, responders):
        incident = send_responders(user=dispatcher).incident
        reply(responders[0], "네")
        reply(responders[1], "Sí!")
        assert incident.responders.filter(status="accepted").count() == 2

    def test_other_texts_are_not_answers(self, dispatcher, responders):
        incident = send_responders(user=dispatcher).incident
        reply(responders[0], "I'm stuck in traffic, 10 minutes")
        assert incident.responders.get(volunteer=responders[0]).status == "notified"
        assert services.parse_acknowledgement("yes K7Q2") == (True, "K7Q2")
        assert services.parse_acknowledgement("NO, sorry") == (False, "")
        assert services.parse_acknowledgement("on my way") == (None, "")

    def test_accept_by_link(self, client, dispatcher, responders):
        incident = send_responders(user=dispatcher).incident
        from dispatch.selectors import responder_path

        path = responder_path(incident=incident, volunteer=responders[2])
        client.post(path + "act/", {"action": "accept"})
        assert incident.events.get(kind="accepted").note == "by link"
        assert incident.responders.get(volunteer=responders[2]).status == "accepted"

    def test_acknowledgements_show_in_the_console(self, client, dispatcher, responders):
        incident = send_responders(user=dispatcher).incident
        reply(responders[0], "yes")
        client.force_login(dispatcher)
        assert "1/2 (2 waiting)" in client.get(reverse("dispatch:queue")).content.decode()
        page = client.get(incident.get_absolute_url()).content.decode()
        assert str(responders[0]) in page and "Acknowledged" in page


@pytest.mark.django_db
class TestEscalation:
    def test_not_enough_acceptances_in_time_widens_then_calls_the_on_call_coordinator(
        self, client, dispatcher, coordinator, responders, texts, settings
    ):
        settings.DISPATCH_ESCALATION_SECONDS = 180
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        reply(responders[0], "yes")
        texts.clear()
        opened = incident.opened_at
        assert services.incidents_escalate_due(now=opened + timedelta(seconds=179)) == 0
        # Tier 1: every on-shift responder not yet texted.
        with committing():
            assert services.incidents_escalate_due(now=opened + timedelta(seconds=181)) == 1
        assert sorted(t.to for t in texts) == sorted(str(v.phone) for v in responders[1:])
        assert all("URGENT" in t.body for t in texts)
        incident.refresh_from_db()
        assert incident.escalation_level == 1
        assert incident.responders.filter(tier=1).count() == 2
        client.force_login(dispatcher)
        assert "escalated (level 1)" in client.get(reverse("dispatch:queue")).content.decode()
        # Overlapping sweeps escalate once.
        assert services.incidents_escalate_due(now=opened + timedelta(seconds=200)) == 0
        # Tier 2: the on-call coordinator.
        OnCallPeriod.objects.create(
            user=coordinator,
            phone="+12025550111",
            starts_at=opened - timedelta(hours=1),
            ends_at=opened + timedelta(hours=8),
        )
        texts.clear()
        with committing():
            assert services.incidents_escalate_due(now=opened + timedelta(seconds=362)) == 1
        assert [t.to for t in texts] == ["+12025550111"]
        assert incident.code in texts[0].body and "1 of 2" in texts[0].body
        incident.refresh_from_db()
        assert incident.escalation_level == 2 and incident.escalate_at is None
        notes = list(incident.events.filter(kind="escalated").values_list("note", flat=True))
        assert len(notes) == 2 and "on-call coordinator" in notes[1]
        assert services.incidents_escalate_due(now=opened + timedelta(hours=1)) == 0

    def test_a_full_team_never_escalates(self, dispatcher, responders):
        incident = send_responders(user=dispatcher, team_size=1).incident
        reply(responders[0], "yes")
        assert services.incidents_escalate_due(now=timezone.now() + timedelta(hours=1)) == 0
        incident.refresh_from_db()
        assert incident.escalation_level == 0 and incident.escalate_at is None

    def test_everybody_declining_escalates_without_waiting(self, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:2]).incident
        for volunteer in responders[:2]:
            reply(volunteer, "no")
        incident.refresh_from_db()
        assert incident.escalate_at <= timezone.now()
        assert services.incidents_escalate_due() == 1

    def test_escalation_without_an_on_call_coordinator_is_on_the_timeline(self, dispatcher):
        incident = send_responders(user=dispatcher).incident
        services.incidents_escalate_due(now=timezone.now() + timedelta(seconds=1))
        services.incidents_escalate_due(now=timezone.now() + timedelta(seconds=2))
        incident.refresh_from_db()
        assert incident.escalation_level == 2
        assert "no on-call coordinator" in incident.events.filter(kind="escalated").last().note

    def test_beat_tasks_run_the_sweeps(self, dispatcher):
        send_responders(user=dispatcher)
        assert tasks.escalation_sweep() == 1
        assert tasks.outbox_sweep() == 0


def outbox(count: int, *, start: int = 120) -> list[Notification]:
    """Pending outbox rows of their own (no incident), to distinct numbers."""
    return [
        Notification.objects.create(
            kind=Notification.Kind.DISPATCH, to=f"+1202555{start + n:04d}", body=f"text {n}"
        )
        for n in range(count)
    ]


class _Recording:
    """The memory backend, calling `hook(number_of_the_text)` before recording each text."""

    def __init__(self, hook) -> None:
        self.hook = hook
        self.count = 0

    def send_sms(self, **kwargs):
        self.count += 1
        self.hook(self.count)
        return messaging.MemoryBackend().send_sms(**kwargs)


class _WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the task catches it."""


def _kill_at(text_number: int):
    def hook(number: int) -> None:
        if number == text_number:
            raise _WorkerKilled

    return hook


class _KilledAfterHandOver(messaging.MemoryBackend):
    """The provider takes the text, then the worker dies before hearing back."""

    def send_sms(self, **kwargs):
        super().send_sms(**kwargs)
        raise _WorkerKilled


def _stick(row: Notification, settings, *, seconds_ago: int | None = None, attempts: int = 1) -> None:
    """Leave `row` as a worker killed mid-send would: SENDING, claimed long enough ago."""
    seconds_ago = seconds_ago or settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS + 1
    since = timezone.now() - timedelta(seconds=seconds_ago)
    Notification.objects.filter(pk=row.pk).update(status="sending", sending_since=since, attempts=attempts)


@pytest.mark.django_db
class TestBatches:
    def test_a_batch_costs_about_one_query_per_text(self, texts):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries_for(count: int, start: int) -> int:
            ids = [row.pk for row in outbox(count, start=start)]
            with CaptureQueriesContext(connection) as captured:
                assert tasks.notifications_send(ids) == ["sent"] * count
            return len(captured)

        small, large = queries_for(5, 120), queries_for(25, 140)
        # Read, opt-outs, Message insert and update once per batch; one claim per text.
        assert large - small == 20
        assert large <= 25 + 5
        assert len(texts) == 30
        rows = Notification.objects.all()
        assert all(r.status == "sent" and r.attempts == 1 and r.sent_at and r.provider_sid for r in rows)
        assert {r.provider_sid for r in rows} == {t.sid for t in texts}
        stored = Message.objects.filter(direction="out")
        assert stored.count() == 30 and not stored.filter(message_sid=None).exists()

    def test_rows_claimed_elsewhere_are_skipped_and_leave_no_stored_text(self, texts):
        first, taken, last = outbox(3)
        Notification.objects.filter(pk=taken.pk).update(status="sending", sending_since=timezone.now())
        assert tasks.notifications_send([first.pk, taken.pk, last.pk, first.pk]) == [
            "sent",
            "skipped",
            "sent",
            "skipped",
        ]
        assert sorted(t.to for t in texts) == sorted([first.to, last.to])
        assert not Message.objects.filter(to_number=taken.to).exists()

    def test_a_row_claimed_by_another_worker_between_read_and_send_is_not_sent(self, texts):
        rows = outbox(3)

        def race(number: int) -> None:
            if number == 1:  # meanwhile another task claims the third row
                Notification.objects.filter(pk=rows[2].pk).update(
                    status="sending", sending_since=timezone.now()
                )

        with override_backend(_Recording(race)):
            assert tasks.notifications_send([r.pk for r in rows]) == ["sent", "sent", "skipped"]
        assert [t.to for t in texts] == [rows[0].to, rows[1].to]

    def test_an_opted_out_number_fails_at_once_and_the_rest_are_sent(self, texts):
        from hotline.models import SmsOptOut

        rows = outbox(3)
        SmsOptOut.objects.create(phone=rows[1].to, keyword="STOP")
        assert tasks.notifications_send([r.pk for r in rows]) == ["sent", "failed", "sent"]
        refused = Notification.objects.get(pk=rows[1].pk)
        assert (refused.status, refused.attempts) == ("failed", 1) and "opted out" in refused.last_error
        assert sorted(t.to for t in texts) == sorted([rows[0].to, rows[2].to])
        assert not Message.objects.filter(to_number=rows[1].to).exists()

    def test_an_unexpected_backend_error_fails_that_text_without_a_retry(self, texts, monkeypatch):
        scheduled = []
        monkeypatch.setattr(
            outbox_service, "notifications_enqueue", lambda ids, *, countdown=None: scheduled.append(ids) or 0
        )
        rows = outbox(3)

        def broken(number: int) -> None:
            if number == 2:
                raise ValueError("the SDK could not parse the answer")

        with override_backend(_Recording(broken)):
            assert tasks.notifications_send([r.pk for r in rows]) == ["sent", "failed", "sent"]
        failed = Notification.objects.get(pk=rows[1].pk)
        assert failed.status == "failed" and "unexpectedly" in failed.last_error
        assert scheduled == []
        assert Message.objects.get(to_number=rows[1].to).status == "failed"

    def test_temporary_errors_in_a_batch_are_retried_together(self, monkeypatch):
        scheduled = []
        monkeypatch.setattr(
            outbox_service,
            "notifications_enqueue",
            lambda ids, *, countdown=None: scheduled.append((ids, countdown)) or 0,
        )
        rows = outbox(3)

        def flaky(number: int) -> None:
            if number != 2:
                raise messaging.SmsError("no network", code="net")

        with override_backend(_Recording(flaky)):
            assert tasks.notifications_send([r.pk for r in rows]) == ["retry", "sent", "retry"]
        assert scheduled == [([rows[0].pk, rows[2].pk], 5)]
        statuses = dict(Notification.objects.values_list("pk", "status"))
        assert [statuses[r.pk] for r in rows] == ["pending", "sent", "pending"]
        assert "no network" in Notification.objects.get(pk=rows[0].pk).last_error

    def test_a_worker_killed_mid_batch_sends_every_text_exactly_once(self, texts, settings):
        """Sent texts are recorded, the one in flight stays SENDING (the redelivered task leaves
        it alone) and the rest stay PENDING for the redelivered task; the sweep then learns
        from the provider that the one in flight never reached it and sends it once."""
        rows = outbox(5)
        ids = [r.pk for r in rows]

        with override_backend(_Recording(_kill_at(3))), pytest.raises(_WorkerKilled):
            tasks.notifications_send(ids)
        statuses = dict(Notification.objects.values_list("pk", "status"))
        assert [statuses[pk] for pk in ids] == ["sent", "sent", "sending", "pending", "pending"]
        # acks_late: the broker hands the same task to another worker.
        assert tasks.notifications_send(ids) == ["skipped", "skipped", "skipped", "sent", "sent"]
        assert sorted(t.to for t in texts) == sorted(r.to for r in rows[:2] + rows[3:])
        later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS + 1)
        assert services.outbox_sweep(now=later).resent == 1
        assert sorted(t.to for t in texts) == sorted(r.to for r in rows)
        rows_now = Notification.objects.filter(pk__in=ids)
        assert {r.status for r in rows_now} == {"sent"}
        assert {r.provider_sid for r in rows_now} == {t.sid for t in texts}
