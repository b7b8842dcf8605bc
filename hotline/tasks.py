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


@shared_task(ignore_result=True)
def evidence_sms_ask(intake_id: int) -> bool:
    """Text the optional diversion questions after a text conversation closed (at most once)."""
    from hotline.services import evidence_sms_ask as ask

    return ask(intake_id=intake_id)
