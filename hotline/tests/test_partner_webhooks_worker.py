"""Status webhooks through a real Celery worker process on Redis (REDIS_URL and PostgreSQL):
the event commits with the change, the worker POSTs it to the documented receiver on
127.0.0.1, once; a 503 leaves it pending for a later try, with its backoff."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection, transaction
from django.utils import timezone

from hotline import services
from hotline.models import HandoffWebhookEvent, Intake
from hotline.tests.doc_receiver import serving

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker process needs the shared PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def wait_for(condition, *, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _decide(partner, reference: str) -> HandoffWebhookEvent:
    handoff, _created = services.handoff_receive(
        partner=partner, reference=reference, call_type="welfare_check"
    )
    with transaction.atomic():  # a dispatcher's decision: the event commits with it
        services.handoff_record_progress(
            intake_id=handoff.intake_id,
            decision="phone_support",
            decided_at=timezone.now(),
            closed_at=timezone.now(),
        )
    return HandoffWebhookEvent.objects.get(handoff=handoff)


def test_the_worker_delivers_the_signed_event_once(coordinator, celery_worker_process):
    partner = services.handoff_partner_create(name="DC 911 (OUC)", source=Intake.Source.TRANSFER_911)
    with serving() as (receiver, url):
        _partner, secret = services.partner_webhook_configure(partner=partner, url=url, by=coordinator)
        receiver.SECRET = secret.encode()
        event = _decide(partner, "CAD-W1")
        assert wait_for(lambda: HandoffWebhookEvent.objects.get(pk=event.pk).status == "delivered")
        time.sleep(1)  # a duplicate would show up by now
        assert receiver.answers == [204]
        assert list(receiver.handled) == [str(event.event_id)]


class _Unavailable(BaseHTTPRequestHandler):
    hits = 0

    def do_POST(self):
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(503)
        self.end_headers()

    def log_message(self, format, *args):
        pass


def test_a_503_is_retried_later_by_the_worker(coordinator, celery_worker_process, settings):
    server = HTTPServer(("127.0.0.1", 0), _Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        partner = services.handoff_partner_create(name="DC 311", source=Intake.Source.POLICE_311_REQUEST)
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        services.partner_webhook_configure(partner=partner, url=url, by=coordinator)
        event = _decide(partner, "CAD-W2")
        assert wait_for(lambda: HandoffWebhookEvent.objects.get(pk=event.pk).attempts == 1)
        assert wait_for(lambda: HandoffWebhookEvent.objects.get(pk=event.pk).status == "pending")
        event.refresh_from_db()
        assert event.last_error == "HTTP 503" and _Unavailable.hits == 1
        assert event.next_attempt_at >= timezone.now() + timedelta(seconds=20)  # 30 s backoff
        assert event.tries.get().status_code == 503
    finally:
        server.shutdown()
        server.server_close()
