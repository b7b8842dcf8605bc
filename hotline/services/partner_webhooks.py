"""Status webhooks: a hand-off partner hears what became of the contacts it handed over.

A partner may have a webhook URL and a signing secret (`partner_webhook_configure`,
`partner_webhook_secret_rotate`: the secret is shown once, never stored: it is derived from a
per-partner nonce and settings.HANDOFF_WEBHOOK_SECRET_KEY). Each change of a hand-off (its
intake taken into triage or given back, the dispatcher's decision, the incident's outcome, the
close) writes one `HandoffWebhookEvent` in the transaction of the change
(`handoff_webhook_notify`, called by services.handoffs), so none is lost, and an unchanged state
writes none. The outbox pattern of dispatch.services.outbox then applies: the ids go to Celery
after commit (`webhook_events_enqueue`, task `hotline.webhook_events_send`); each event is
claimed PENDING -> SENDING by a conditional update before its POST, so a delivered event is
never sent again; 5xx, 429, timeouts and refused connections retry with backoff, other 4xx
fail at once; dispatch's outbox sweep calls `webhook_events_sweep` for events a down broker left
pending and for events a stopped sender left SENDING, which go again with the same event id
(the receiver dedupes on it: at least once, never twice for a receiver that checks the id).

Every try is kept (`HandoffWebhookAttempt`, the coordinators' delivery log); an endpoint that
failed HANDOFF_WEBHOOK_ALARM_AFTER times in a row is "failing" (console and /healthz/).
The body is signed like Stripe's: `X-Hotline-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the secret>`; docs/api.md shows a receiver that checks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import Action, audit_record
from hotline.models import Handoff, HandoffPartner, HandoffWebhookAttempt, HandoffWebhookEvent

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SIGNATURE_HEADER = "X-Hotline-Signature"
EVENT_ID_HEADER = "X-Hotline-Event-Id"
EVENT_TYPE = "handoff.updated"
# What a receiver should accept between the signature's time and its clock (docs/api.md).
REPLAY_TOLERANCE_SECONDS = 300
# The fields of a hand-off's state: an event is written only when one of them changed.
STATE_FIELDS = ("status", "decision", "outcome", "closed_at")


class WebhookConfigError(ValueError):
    pass


# --- the secret -----------------------------------------------------------------------------


def _master_key() -> bytes:
    key = settings.HANDOFF_WEBHOOK_SECRET_KEY or f"hotline.webhooks:{settings.SECRET_KEY}"
    return key.encode()


def partner_webhook_secret(partner: HandoffPartner) -> str | None:
    """The partner's signing secret (derived, never stored), or None before the first one."""
    if not partner.webhook_secret_nonce:
        return None
    mac = hmac.new(_master_key(), f"webhook-secret:{partner.webhook_secret_nonce}".encode(), hashlib.sha256)
    return SECRET_PREFIX + base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def partner_webhook_secret_rotate(*, partner: HandoffPartner, by) -> str:
    """A new signing secret for the partner (the old one stops at once); returned to be shown
    once, and recorded in the audit trail (not the secret)."""
    with transaction.atomic():
        locked = HandoffPartner.objects.select_for_update().get(pk=partner.pk)
        locked.webhook_secret_nonce = secrets.token_hex(16)
        locked.webhook_secret_set_at = timezone.now()
        locked.save(update_fields=["webhook_secret_nonce", "webhook_secret_set_at"])
        audit_record(
            action=Action.CHANGED,
            subject=HandoffPartner,
            ids=[partner.pk],
            what="status webhook secret rotated",
            actor=by,
            fields=["webhook_secret"],
        )
    partner.webhook_secret_nonce = locked.webhook_secret_nonce
    partner.webhook_secret_set_at = locked.webhook_secret_set_at
    return partner_webhook_secret(locked)


def partner_webhook_configure(*, partner: HandoffPartner, url: str, by) -> tuple[HandoffPartner, str | None]:
    """Set (or clear, with "") the partner's webhook URL; audited. A first URL gets a secret,
    returned to be shown once (None when the partner already had one)."""
    url = url.strip()
    new_secret = None
    with transaction.atomic():
        locked = HandoffPartner.objects.select_for_update().get(pk=partner.pk)
        locked.webhook_url = url
        fields = ["webhook_url"]
        if url and not locked.webhook_secret_nonce:
            locked.webhook_secret_nonce = secrets.token_hex(16)
            locked.webhook_secret_set_at = timezone.now()
            fields += ["webhook_secret_nonce", "webhook_secret_set_at"]
            new_secret = partner_webhook_secret(locked)
        if not url:
            locked.webhook_failures, locked.webhook_failing_since = 0, None
            fields += ["webhook_failures", "webhook_failing_since"]
        locked.save(update_fields=fields)
        audit_record(
            action=Action.CHANGED,
            subject=HandoffPartner,
            ids=[partner.pk],
            what="status webhook URL set" if url else "status webhook turned off",
            actor=by,
            fields=["webhook_url"],
        )
    return locked, new_secret


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """The X-Hotline-Signature header value for `body` sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


# --- writing events (inside the change's transaction) ---------------------------------------


def _state(data: dict) -> tuple:
    return tuple(data.get(name) for name in STATE_FIELDS)


def handoff_webhook_notify(*, handoff: Handoff) -> HandoffWebhookEvent | None:
    """Write the event for the hand-off's new state, in the caller's transaction, when its
    partner has a webhook and the state differs from the last event's; sent after commit."""
    from hotline.services.handoffs import handoff_status_data

    partner = handoff.partner
    if not partner.webhook_url:
        return None
    data = handoff_status_data(handoff)
    last = HandoffWebhookEvent.objects.filter(handoff=handoff).order_by("-pk").values_list("data", flat=True)
    last_data = last.first()
    if last_data is not None and _state(last_data) == _state(data):
        return None
    now = timezone.now()
    event = HandoffWebhookEvent.objects.create(
        event_id=uuid.uuid4(),
        partner=partner,
        handoff=handoff,
        kind=EVENT_TYPE,
        data=data,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(partial(webhook_events_enqueue, [event.pk]))
    return event


def event_body(event: HandoffWebhookEvent) -> bytes:
    """The JSON body; the same bytes on every attempt of the event."""
    payload = {
        "id": str(event.event_id),
        "type": event.kind,
        "created_at": event.created_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


# --- sending ----------------------------------------------------------------------------------


class TransportError(Exception):
    """The POST did not get an HTTP answer: refused, reset, timed out, bad TLS..."""


def requests_transport(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """The real HTTP client: POST, no redirects followed, the answer's body never read (only
    its status counts, and a partner's endpoint must not make us download anything)."""
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
    except requests.RequestException as exc:
        raise TransportError(str(exc)[:300] or exc.__class__.__name__) from exc
    response.close()
    return response.status_code


# The seam: tests replace it with a fake receiver, or keep it and point the URL at 127.0.0.1.
transport: Callable[..., int] = requests_transport


def retry_delay(attempt: int) -> int:
    """Seconds to wait after the `attempt`-th failed try (30, 60, 120... up to the cap)."""
    base = settings.HANDOFF_WEBHOOK_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempt - 1, 0), settings.HANDOFF_WEBHOOK_RETRY_CAP_SECONDS)


def retryable(status_code: int | None) -> bool:
    """Try again on no answer, 5xx and 429; a 3xx or another 4xx will not change by itself."""
    return status_code is None or status_code >= 500 or status_code == 429


@dataclass(frozen=True)
class WebhookDelivery:
    status: str  # "delivered", "retry", "failed" or "skipped" (not pending: someone else had it)
    retry_in: int | None = None
    status_code: int | None = None


def webhook_event_deliver(*, pk: int) -> WebhookDelivery:
    """POST one event, at most once per claim: PENDING -> SENDING (conditional update), then
    DELIVERED on 2xx, back to PENDING with a backoff, or FAILED. Each try goes to the log."""
    claimed_at = timezone.now()
    claimed = HandoffWebhookEvent.objects.filter(pk=pk, status=HandoffWebhookEvent.Status.PENDING).update(
        status=HandoffWebhookEvent.Status.SENDING, attempts=F("attempts") + 1, sending_since=claimed_at
    )
    if claimed != 1:
        return WebhookDelivery(status="skipped")
    event = HandoffWebhookEvent.objects.select_related("partner").get(pk=pk)
    partner = event.partner
    secret = partner_webhook_secret(partner)
    status_code, error, permanent = None, "", False
    started = time.monotonic()
    if not partner.webhook_url or not secret:
        error, permanent = "The partner has no webhook URL or secret any more.", True
    else:
        body = event_body(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "hotline-webhooks/1",
            EVENT_ID_HEADER: str(event.event_id),
            SIGNATURE_HEADER: sign(secret=secret, body=body, timestamp=int(time.time())),
        }
        try:
            status_code = transport(
                url=partner.webhook_url,
                body=body,
                headers=headers,
                timeout=settings.HANDOFF_WEBHOOK_TIMEOUT_SECONDS,
            )
        except TransportError as exc:
            error = str(exc)[:500] or "no answer"
        except Exception as exc:  # a bug or an odd URL must not leave the event SENDING
            logger.exception("status webhook %s could not be sent", event.event_id)
            error = f"{exc.__class__.__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not ok:
        error = f"HTTP {status_code}"
    permanent = (
        permanent or not retryable(status_code) or event.attempts >= settings.HANDOFF_WEBHOOK_MAX_ATTEMPTS
    )
    return _record(
        event=event,
        claimed_at=claimed_at,
        status_code=status_code,
        ok=ok,
        permanent=permanent,
        error=error,
        ms=duration_ms,
    )


def _record(
    *,
    event: HandoffWebhookEvent,
    claimed_at: datetime,
    status_code: int | None,
    ok: bool,
    permanent: bool,
    error: str,
    ms: int,
) -> WebhookDelivery:
    """Keep the try in the log and settle the event (only the claim made at `claimed_at`)."""
    now = timezone.now()
    ours = HandoffWebhookEvent.objects.filter(
        pk=event.pk, status=HandoffWebhookEvent.Status.SENDING, sending_since=claimed_at
    )
    with transaction.atomic():
        HandoffWebhookAttempt.objects.create(
            event=event,
            partner_id=event.partner_id,
            at=now,
            status_code=status_code,
            ok=ok,
            error=error,
            duration_ms=ms,
        )
        partners = HandoffPartner.objects.filter(pk=event.partner_id)
        if ok:
            ours.update(
                status=HandoffWebhookEvent.Status.DELIVERED,
                delivered_at=now,
                sending_since=None,
                last_error="",
            )
            partners.update(webhook_failures=0, webhook_failing_since=None)
            return WebhookDelivery(status="delivered", status_code=status_code)
        partners.update(
            webhook_failures=F("webhook_failures") + 1,
            webhook_failing_since=Coalesce(F("webhook_failing_since"), now),
        )
        if permanent:
            ours.update(status=HandoffWebhookEvent.Status.FAILED, sending_since=None, last_error=error)
            return WebhookDelivery(status="failed", status_code=status_code)
        delay = retry_delay(event.attempts)
        ours.update(
            status=HandoffWebhookEvent.Status.PENDING,
            sending_since=None,
            last_error=error,
            next_attempt_at=now + timedelta(seconds=delay),
        )
    return WebhookDelivery(status="retry", retry_in=delay, status_code=status_code)


def webhook_events_deliver(ids: list[int]) -> list[WebhookDelivery]:
    return [webhook_event_deliver(pk=pk) for pk in ids]


def webhook_events_enqueue(ids: list[int], *, countdown: float | None = None) -> int:
    """Hand event ids to the broker; never raises (the outbox sweep sends what stays pending)."""
    from hotline.tasks import webhook_events_send

    try:
        webhook_events_send.apply_async(args=[list(ids)], countdown=countdown)
    except Exception as exc:  # a down broker: the sweep takes over
        logger.warning("broker unavailable, %s status webhook(s) left for the sweep: %s", len(ids), exc)
        return 0
    return len(ids)


@dataclass(frozen=True)
class WebhookSweep:
    enqueued: int
    due: int
    stuck: int


def webhook_events_sweep(
    *, now: datetime | None = None, pending_after: int = 30, limit: int = 200
) -> WebhookSweep:
    """Send events left pending (a down broker, a lost retry) and put back events a stopped
    sender left SENDING (sent again with the same event id; never a DELIVERED one)."""
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.HANDOFF_WEBHOOK_STUCK_AFTER_SECONDS)
    sending = HandoffWebhookEvent.Status.SENDING
    stuck_ids = list(
        HandoffWebhookEvent.objects.filter(status=sending, sending_since__lte=stuck_before)
        .order_by("sending_since", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    stuck = (
        HandoffWebhookEvent.objects.filter(
            pk__in=stuck_ids, status=sending, sending_since__lte=stuck_before
        ).update(
            status=HandoffWebhookEvent.Status.PENDING,
            sending_since=None,
            next_attempt_at=now,
            last_error="The sender stopped before recording the answer; sent again with the same event id.",
        )
        if stuck_ids
        else 0
    )
    due = list(
        HandoffWebhookEvent.objects.filter(
            status=HandoffWebhookEvent.Status.PENDING,
            next_attempt_at__lte=now - timedelta(seconds=pending_after),
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(dict.fromkeys([*due, *stuck_ids]))
    enqueued = webhook_events_enqueue(ids) if ids else 0
    return WebhookSweep(enqueued=enqueued, due=len(due), stuck=stuck)


def webhook_event_resend(*, event: HandoffWebhookEvent, by) -> HandoffWebhookEvent:
    """A coordinator sends a FAILED event again (same event id: the receiver dedupes)."""
    updated = HandoffWebhookEvent.objects.filter(
        pk=event.pk, status=HandoffWebhookEvent.Status.FAILED
    ).update(status=HandoffWebhookEvent.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    if updated:
        audit_record(
            action=Action.CHANGED,
            subject=HandoffPartner,
            ids=[event.partner_id],
            what="status webhook event sent again",
            actor=by,
        )
        transaction.on_commit(partial(webhook_events_enqueue, [event.pk]))
    event.refresh_from_db()
    return event
