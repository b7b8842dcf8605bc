"""The outbox: `Notification` rows, one per text, and their sending.

Services never send texts: they write Notification rows in their transaction and hand the ids
to Celery once it has committed (`_send_after_commit`), DISPATCH_NOTIFY_BATCH_SIZE per task.
The task (`dispatch.notifications_send`) calls `notifications_deliver`, which claims each row
just before its text goes out, so a duplicated task never texts twice; temporary errors retry
with backoff. The beat task `dispatch.outbox_sweep` re-sends rows a down broker left pending and
settles rows a killed worker left mid-send; it sweeps the partners' status webhook events too
(hotline.services.partner_webhooks: the same outbox pattern, over HTTP). Called by the other services of this package, by
dispatch.tasks, and by the notification view (a dispatcher resends a failed text).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import IncidentEvent, Notification
from hotline import services as hotline_services

from ._common import DispatchError

logger = logging.getLogger(__name__)


# What a down or unreachable broker raises when a task is published.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)


def notifications_enqueue(ids: list[int], *, countdown: float | None = None) -> int:
    """Hand outbox rows to the broker, DISPATCH_NOTIFY_BATCH_SIZE per task; return how many.

    Stops at the first broker error and never raises: the rows stay pending and the sweep
    sends them once the broker is back. A down broker must not fail or slow a dispatcher.
    """
    from dispatch.tasks import notifications_send

    size = max(settings.DISPATCH_NOTIFY_BATCH_SIZE, 1)
    handed = 0
    for start in range(0, len(ids), size):
        batch = list(ids[start : start + size])
        try:
            notifications_send.apply_async(args=[batch], countdown=countdown)
        except BROKER_ERRORS as exc:
            logger.warning(
                "broker unavailable, %s text(s) left for the outbox sweep: %s", len(ids) - handed, exc
            )
            return handed
        handed += len(batch)
    return handed


def _send_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(partial(notifications_enqueue, list(ids)))


def retry_delay(attempt: int) -> int:
    """Seconds to wait after the `attempt`-th failed try (5, 10, 20, 40... up to the cap)."""
    base = settings.DISPATCH_NOTIFY_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempt - 1, 0), settings.DISPATCH_NOTIFY_RETRY_CAP_SECONDS)


@dataclass(frozen=True)
class Delivery:
    status: str  # "sent", "retry", "failed" or "skipped" (someone else had it)
    retry_in: int | None = None


_CLAIM_SQL = """
UPDATE {table} SET
    status = CASE WHEN id = %(claim)s THEN %(sending)s ELSE %(sent)s END,
    attempts = CASE WHEN id = %(claim)s THEN attempts + 1 ELSE attempts END,
    sending_since = CASE WHEN id = %(claim)s THEN %(now)s ELSE sending_since END,
    sent_at = CASE WHEN id = %(record)s THEN %(now)s ELSE sent_at END,
    provider_sid = CASE WHEN id = %(record)s THEN %(sid)s ELSE provider_sid END,
    last_error = CASE WHEN id = %(record)s THEN '' ELSE last_error END
WHERE (id = %(claim)s AND status = %(pending)s) OR (id = %(record)s AND status = %(sending)s)
RETURNING id
"""


def _claim_and_record(*, claim: int | None, record: tuple[int, str] | None) -> bool:
    """In one statement: claim row `claim` (PENDING -> SENDING) and mark `record` = (pk, sid)
    SENT; return whether the claim was won. Of two tasks racing for a row, exactly one wins.

    A batch sends one row after another, so recording the previous row and claiming the next
    together keeps one database round trip per text with the guarantees of one row at a time.
    """
    if claim is None and record is None:
        return False
    params = {
        "claim": claim,
        "record": record[0] if record else None,
        "sid": record[1][:64] if record else "",
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "pending": Notification.Status.PENDING,
        "sending": Notification.Status.SENDING,
        "sent": Notification.Status.SENT,
    }
    sql = _CLAIM_SQL.format(table=connection.ops.quote_name(Notification._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = {pk for (pk,) in cursor.fetchall()}
    return claim is not None and claim in updated


def notifications_deliver(ids: list[int]) -> list[Delivery]:
    """Send outbox rows through hotline.messaging, each at most once; one Delivery per id.

    The pending rows are read in one query and their texts go out with hotline's
    `send_sms_many` (one opt-out query, one insert of the Message rows, one update). Each row is
    claimed PENDING -> SENDING with a conditional update just before its text is handed over
    (in the statement that marks the previous one SENT): a duplicated or redelivered task finds
    it claimed and sends nothing (an id given twice is "skipped" the second time), and a worker
    killed mid-batch leaves only the row it was sending in SENDING, the rest PENDING for the
    redelivered task or the sweep. Temporary errors put a row back to PENDING with a backoff;
    permanent ones, or too many attempts, mark it FAILED.
    """
    from hotline.messaging import SentMessage, Text, send_sms_many

    rows = list(
        Notification.objects.filter(pk__in=set(ids), status=Notification.Status.PENDING)
        .order_by("pk")
        .only("pk", "to", "body", "incident_id", "volunteer_id", "attempts")
    )
    claimed: set[int] = set()
    unrecorded: list[tuple[int, str]] = []  # the last row handed over, until it is marked SENT

    def claim(index: int) -> bool:
        row = rows[index]
        won = _claim_and_record(claim=row.pk, record=unrecorded.pop() if unrecorded else None)
        if won:
            claimed.add(row.pk)
            row.status, row.attempts = Notification.Status.SENDING, row.attempts + 1
        return won

    def record(index: int, sent: SentMessage) -> None:
        unrecorded.append((rows[index].pk, sent.sid))

    try:
        results = send_sms_many([Text(to=row.to, body=row.body) for row in rows], claim=claim, on_sent=record)
    finally:
        if unrecorded:
            _claim_and_record(claim=None, record=unrecorded.pop())
    outcome: dict[int, Delivery] = {}
    for index, (row, result) in enumerate(zip(rows, results, strict=True)):
        if isinstance(result, SentMessage):
            outcome[row.pk] = Delivery(status="sent")
        elif result is not None:
            # Refused before the hand-over (an invalid or opted-out number) is claimed here.
            if row.pk in claimed or claim(index):
                outcome[row.pk] = _delivery_failed(row, result)
    return [outcome.pop(pk, None) or Delivery(status="skipped") for pk in ids]


def notification_deliver(*, pk: int) -> Delivery:
    """Send one outbox row, at most once (see `notifications_deliver`)."""
    return notifications_deliver([pk])[0]


def _delivery_failed(notification: Notification, exc) -> Delivery:
    error = str(exc)[:2000] or exc.__class__.__name__
    if exc.permanent or notification.attempts >= settings.DISPATCH_NOTIFY_MAX_ATTEMPTS:
        _mark_failed(notification, error=error)
        return Delivery(status="failed")
    delay = retry_delay(notification.attempts)
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.PENDING,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        sending_since=None,
    )
    return Delivery(status="retry", retry_in=delay)


def _mark_failed(notification: Notification, *, error: str, claimed_at: datetime | None = None) -> bool:
    """SENDING -> FAILED (only the claim made at `claimed_at`, when given), on the timeline."""
    claim = Q(sending_since=claimed_at) if claimed_at is not None else Q()
    with transaction.atomic():
        updated = Notification.objects.filter(
            claim, pk=notification.pk, status=Notification.Status.SENDING
        ).update(status=Notification.Status.FAILED, last_error=error, sending_since=None)
        if updated and notification.incident_id:
            IncidentEvent.objects.create(
                incident_id=notification.incident_id,
                kind=IncidentEvent.Kind.NOTIFICATION_FAILED,
                volunteer_id=notification.volunteer_id,
                note=_("Text to %(to)s failed: %(error)s") % {"to": notification.to, "error": error[:300]},
            )
    return bool(updated)


@dataclass(frozen=True)
class Sweep:
    enqueued: int
    due: int
    stuck: int  # rows found stuck in SENDING and settled: recovered + resent + failed
    recovered: int = 0  # the provider had the text: marked SENT
    resent: int = 0  # the provider never got it: back to PENDING and enqueued
    failed: int = 0  # nobody could tell: FAILED, for a dispatcher
    webhooks_enqueued: int = 0  # partners' status webhook events handed to the broker again
    webhooks_stuck: int = 0  # status webhook events a stopped sender left SENDING, sent again


def outbox_sweep(*, now: datetime | None = None, limit: int = 500, stuck_limit: int = 10) -> Sweep:
    """Re-send rows left pending too long (the broker was down) and settle stuck sends.

    A row stuck in SENDING longer than DISPATCH_OUTBOX_STUCK_AFTER_SECONDS belongs to a worker
    that stopped mid-send (no live send lasts that long). The provider is asked whether it got
    the text (`notification_reconcile`): a text is never sent twice, and never silently lost.
    At most `stuck_limit` of them per run, oldest first, as each costs a provider request.
    """
    now = now or timezone.now()
    pending_before = now - timedelta(seconds=settings.DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS)
    due = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=pending_before)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = notifications_enqueue(due) if due else 0
    stuck_before = now - timedelta(seconds=settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS)
    stuck = list(
        Notification.objects.filter(
            status=Notification.Status.SENDING, sending_since__lte=stuck_before
        ).order_by("sending_since", "pk")[:stuck_limit]
    )
    settled = {"sent": [], "pending": [], "failed": []}
    for notification in stuck:
        outcome = notification_reconcile(notification=notification)
        if outcome in settled:
            settled[outcome].append(notification.pk)
    if settled["pending"]:
        enqueued += notifications_enqueue(settled["pending"])
    webhooks = hotline_services.webhook_events_sweep(
        now=now, pending_after=settings.DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS, limit=limit
    )
    return Sweep(
        enqueued=enqueued,
        due=len(due),
        stuck=sum(len(pks) for pks in settled.values()),
        recovered=len(settled["sent"]),
        resent=len(settled["pending"]),
        failed=len(settled["failed"]),
        webhooks_enqueued=webhooks.enqueued,
        webhooks_stuck=webhooks.stuck,
    )


def notification_reconcile(*, notification: Notification) -> str:
    """Settle a row left in SENDING by a worker that stopped mid-send; return what it became.

    Asks the provider (`hotline.messaging.reconcile_sms`) whether the text reached it since
    the row was claimed: yes -> SENT with the provider's id; no -> back to PENDING (the killed
    attempt stays counted) for the normal path to send it once, or FAILED when the attempts
    are used up; cannot tell -> FAILED with the reason, for a dispatcher to check, as a resend
    could text twice. Each change is conditional on the row still being SENDING with the same
    claim time, so two sweeps, or a sweep and a late worker, never both act on it. Returns
    "sent", "pending", "failed", or "skipped" when the row had changed meanwhile.
    """
    from hotline.messaging import SmsError, reconcile_sms

    claimed_at = notification.sending_since
    if notification.status != Notification.Status.SENDING or claimed_at is None:
        return "skipped"
    still_ours = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.SENDING, sending_since=claimed_at
    )
    try:
        sent = reconcile_sms(to=notification.to, body=notification.body, since=claimed_at)
    except Exception as exc:  # the provider or the backend could not say: a dispatcher decides
        if not isinstance(exc, SmsError):
            logger.exception("could not reconcile notification %s with the provider", notification.pk)
        error = _(
            "The sender stopped during the send and the provider could not say whether the text "
            "went out (%(reason)s); the text may not have arrived."
        ) % {"reason": str(exc)[:300] or exc.__class__.__name__}
        return "failed" if _mark_failed(notification, error=error, claimed_at=claimed_at) else "skipped"
    if sent is not None:
        updated = still_ours.update(
            status=Notification.Status.SENT,
            provider_sid=sent.sid[:64],
            sent_at=claimed_at,  # the provider had it within a live send's time of the claim
            sending_since=None,
            last_error="",
        )
        return "sent" if updated else "skipped"
    error = _("The sender stopped before the provider had the text; it is sent again.")
    if notification.attempts >= settings.DISPATCH_NOTIFY_MAX_ATTEMPTS:
        error = _("The sender stopped before the provider had the text, after %(attempts)s attempts.") % {
            "attempts": notification.attempts
        }
        return "failed" if _mark_failed(notification, error=error, claimed_at=claimed_at) else "skipped"
    updated = still_ours.update(
        status=Notification.Status.PENDING,
        last_error=error,
        next_attempt_at=timezone.now(),
        sending_since=None,
    )
    return "pending" if updated else "skipped"


def notification_resend(*, notification: Notification, by) -> Notification:
    """A dispatcher sends a failed text again (as a new outbox row)."""
    if notification.status != Notification.Status.FAILED:
        raise DispatchError(_("Only failed texts can be sent again."))
    with transaction.atomic():
        again = Notification.objects.create(
            incident=notification.incident,
            volunteer=notification.volunteer,
            kind=notification.kind,
            to=notification.to,
            body=notification.body,
        )
        if notification.incident_id:
            IncidentEvent.objects.create(
                incident_id=notification.incident_id,
                kind=IncidentEvent.Kind.NOTE,
                actor=by,
                volunteer_id=notification.volunteer_id,
                note=_("Failed text to %(to)s sent again.") % {"to": notification.to},
            )
        _send_after_commit([again.pk])
    return again
