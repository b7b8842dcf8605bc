"""Celery tasks of the hotline app: thin wrappers that pass ids to services."""

from celery import shared_task


@shared_task(ignore_result=True)
def notify_missed_call(call_id: int) -> int:
    """Text the on-shift dispatchers about a missed call (at most once per call)."""
    from hotline.services import missed_call_notify

    return missed_call_notify(call_id=call_id)


@shared_task(ignore_result=True)
def missed_call_sweep() -> int:
    """Send the missed-call texts a broker outage kept from being queued."""
    from hotline.services import missed_call_notify, missed_calls_unnotified

    return sum(missed_call_notify(call_id=call_id) for call_id in missed_calls_unnotified())


@shared_task(ignore_result=True)
def settle_unsent_texts() -> int:
    """Settle outbound texts a stopped sender left "sending" (see messaging.settle_unsent_texts)."""
    from hotline.messaging import settle_unsent_texts as settle

    result = settle()
    return result.sent + result.not_sent + result.unknown


@shared_task(ignore_result=True)
def spool_replay() -> int:
    """Store what the webhooks spooled while the database was away (on the web host)."""
    from hotline.services import spool_replay as replay

    return replay().stored


RECONCILE_LOCK = "hotline:calls-reconcile"


@shared_task(ignore_result=True)
def calls_reconcile() -> int:
    """Create the calls and voicemails Twilio has and the database missed; one run at a time."""
    from django.conf import settings
    from django.core.cache import cache

    from hotline.services import calls_reconcile as reconcile

    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.HOTLINE_NUMBER):
        return 0
    if not cache.add(RECONCILE_LOCK, "1", timeout=600):
        return 0  # the previous run is still going
    try:
        result = reconcile()
    finally:
        cache.delete(RECONCILE_LOCK)
    return result.calls_created + result.voicemails_stored


@shared_task(name="hotline.webhook_events_send", ignore_result=True, bind=True)
def webhook_events_send(self, event_ids: list[int]) -> list[str]:
    """POST partners' status webhook events (each claimed first: a duplicated task sends
    nothing twice); the ones to retry are enqueued again after their backoff. Run eagerly (no
    broker), a countdown would not wait: the retries are left to the outbox sweep instead."""
    from hotline.services import webhook_events_deliver, webhook_events_enqueue

    deliveries = webhook_events_deliver(list(event_ids))
    if self.request.is_eager:
        return [delivery.status for delivery in deliveries]
    retries: dict[int, list[int]] = {}
    for event_id, delivery in zip(event_ids, deliveries, strict=True):
        if delivery.retry_in is not None:
            retries.setdefault(delivery.retry_in, []).append(event_id)
    for delay, ids in sorted(retries.items()):
        webhook_events_enqueue(ids, countdown=delay)
    return [delivery.status for delivery in deliveries]


@shared_task(ignore_result=True)
def evidence_sms_ask(intake_id: int) -> bool:
    """Text the optional diversion questions after a text conversation closed (at most once)."""
    from hotline.services import evidence_sms_ask as ask

    return ask(intake_id=intake_id)
