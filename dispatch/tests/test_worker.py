"""Responder notifications against a real Celery worker process on Redis (REDIS_URL and
PostgreSQL: the worker must see what the test commits).

The worker sends through its own SMS backend (console, by default in DEBUG): every text it
hands over is stored by hotline.messaging as an outbound `Message` with the provider's sid,
which is what these tests count.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.models import Incident, Notification
from dispatch.services import outbox as outbox_service
from dispatch.tests.factories import SEND_ANSWERS, claimed, ensure_seeded
from dispatch.tests.test_notifications import _broker_at
from hotline.models import Message

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker process needs the shared PostgreSQL"
    ),
]


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    ensure_seeded()


def wait_for(condition, *, timeout: float = 30.0, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting: {message}")


def decide(client, dispatcher) -> Incident:
    triage = claimed(user=dispatcher)
    client.force_login(dispatcher)
    data = {f"q_{k}": v for k, v in SEND_ANSWERS.items()} | {"decision": "send_responders", "team_size": "2"}
    response = client.post(reverse("dispatch:intake_decide", args=[triage.intake_id]), data)
    assert response.status_code == 302
    return Incident.objects.get(triage=triage)


def sent_to(volunteer) -> int:
    return (
        Message.objects.filter(direction="out", to_number=str(volunteer.phone))
        .exclude(message_sid=None)
        .count()
    )


@pytest.mark.django_db(transaction=True)
def test_texts_are_delivered_end_to_end_by_a_real_worker(
    client, dispatcher, responders, celery_worker_process
):
    incident = decide(client, dispatcher)
    wait_for(
        lambda: not incident.notifications.exclude(status=Notification.Status.SENT).exists(),
        message="the worker sends every call-out",
    )
    assert incident.notifications.count() == 3
    assert all(sent_to(v) == 1 for v in responders)
    assert set(incident.notifications.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_broker_down_at_dispatch_then_the_sweep_sends_exactly_once(
    client, dispatcher, responders, celery_worker_process, settings
):
    with _broker_at("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        incident = decide(client, dispatcher)
        elapsed = time.monotonic() - started
    assert elapsed < 3, f"dispatch took {elapsed:.1f}s with the broker down"
    time.sleep(1)
    assert set(incident.notifications.values_list("status", flat=True)) == {Notification.Status.PENDING}
    assert not Message.objects.filter(direction="out").exists()
    # The broker is back: the beat sweep (run here by hand, twice, as overlapping runs would).
    later = timezone.now() + timedelta(seconds=settings.DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS + 1)
    assert services.outbox_sweep(now=later).enqueued == 3
    services.outbox_sweep(now=later)
    wait_for(
        lambda: not incident.notifications.exclude(status=Notification.Status.SENT).exists(),
        message="the sweep's tasks are sent",
    )
    time.sleep(1)  # give a duplicate the chance to show up
    assert all(sent_to(v) == 1 for v in responders)


def outbox_rows(dispatcher, volunteers, monkeypatch) -> list[Notification]:
    """Call-out rows written and committed, but not handed to the broker (the test does that)."""
    with monkeypatch.context() as patch:
        patch.setattr(outbox_service, "notifications_enqueue", lambda ids, *, countdown=None: 0)
        incident = services.triage_decide(
            triage=claimed(user=dispatcher),
            user=dispatcher,
            raw_answers=SEND_ANSWERS,
            decision="send_responders",
            call_out=services.CallOut(responders=list(volunteers)),
        ).incident
    return [incident.notifications.get(volunteer=v) for v in volunteers]


@pytest.mark.django_db(transaction=True)
def test_the_same_task_delivered_twice_sends_one_text(
    dispatcher, responders, celery_worker_process, monkeypatch
):
    from dispatch.tasks import notifications_send

    [row] = outbox_rows(dispatcher, responders[:1], monkeypatch)
    for _ in range(3):
        notifications_send.apply_async(args=[[row.pk]])
    wait_for(lambda: Notification.objects.get(pk=row.pk).status == Notification.Status.SENT, message="sent")
    time.sleep(1.5)
    assert sent_to(responders[0]) == 1
    assert Notification.objects.get(pk=row.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_redelivered_after_a_worker_died_mid_send_sends_nothing(
    dispatcher, responders, celery_worker_process, monkeypatch
):
    from dispatch.tasks import notifications_send

    claimed_by_the_dead, marker = outbox_rows(dispatcher, responders[:2], monkeypatch)
    # The dead worker had claimed the row; its unacknowledged message comes back to another worker.
    Notification.objects.filter(pk=claimed_by_the_dead.pk).update(
        status="sending", sending_since=timezone.now(), attempts=1
    )
    notifications_send.apply_async(args=[[claimed_by_the_dead.pk]])
    notifications_send.apply_async(args=[[marker.pk]])  # the solo worker runs tasks in order
    wait_for(
        lambda: Notification.objects.get(pk=marker.pk).status == Notification.Status.SENT, message="marker"
    )
    assert sent_to(responders[0]) == 0
    assert Notification.objects.get(pk=claimed_by_the_dead.pk).status == "sending"
