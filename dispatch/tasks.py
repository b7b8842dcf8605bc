"""Celery tasks of the dispatch app: thin, given ids, calling services.

`notifications_send` is enqueued after the outbox rows have committed, with up to
DISPATCH_NOTIFY_BATCH_SIZE row ids each: it reads them in one query and claims each just
before its text goes out (one round trip per text, see services.outbox.notifications_deliver); a
call-out of 100 is spread over a few tasks that a worker's threads run in parallel. The beat
schedule runs the two sweeps (settings.CELERY_BEAT_SCHEDULE, "dispatch-*"); the outbox sweep
also settles rows a killed worker left mid-send, asking the provider (services.outbox.outbox_sweep).
"""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache


@shared_task(name="dispatch.notifications_send", ignore_result=True)
def notifications_send(notification_ids: list[int]) -> list[str]:
    """Send the outbox rows (claimed before sending: a duplicated task sends nothing twice)."""
    from dispatch.services.outbox import notifications_deliver, notifications_enqueue

    deliveries = notifications_deliver(list(notification_ids))
    retries: dict[int, list[int]] = {}
    for notification_id, delivery in zip(notification_ids, deliveries, strict=True):
        if delivery.retry_in is not None:
            retries.setdefault(delivery.retry_in, []).append(notification_id)
    for delay, ids in sorted(retries.items()):
        notifications_enqueue(ids, countdown=delay)
    return [delivery.status for delivery in deliveries]


def _once(name: str, seconds: int):
    """A non-blocking lock so overlapping beat runs skip instead of piling up."""
    return cache.add(f"dispatch:{name}:lock", 1, timeout=seconds)


@shared_task(name="dispatch.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    from dispatch.services.outbox import outbox_sweep as sweep

    # Settling stuck rows asks the provider (a request each, at most 10 a run): allow for it.
    if not _once("outbox-sweep", 60):
        return 0
    try:
        return sweep().enqueued
    finally:
        cache.delete("dispatch:outbox-sweep:lock")


@shared_task(name="dispatch.escalation_sweep", ignore_result=True)
def escalation_sweep() -> int:
    from dispatch.services.escalation import incidents_escalate_due

    if not _once("escalation-sweep", 10):
        return 0
    try:
        return incidents_escalate_due()
    finally:
        cache.delete("dispatch:escalation-sweep:lock")


@shared_task(name="dispatch.alarm_sweep", ignore_result=True)
def alarm_sweep() -> int:
    """Missed check-ins become alarms; the on-call coordinator hears of those still missed."""
    from dispatch.services.alarms import alarms_sweep

    if not _once("alarm-sweep", 10):
        return 0
    try:
        return alarms_sweep()
    finally:
        cache.delete("dispatch:alarm-sweep:lock")


@shared_task(name="dispatch.alarm_call", ignore_result=True)
def alarm_call(alarm_id: int) -> str:
    """Phone the on-call coordinator about an alarm (claimed first: one call per alarm)."""
    from dispatch.services.alarms import alarm_call_on_call

    return alarm_call_on_call(alarm_id=alarm_id)


@shared_task(name="dispatch.referral_reminders_send", ignore_result=True)
def referral_reminders_send() -> int:
    """Remind partners of referrals left unconfirmed (each referral once: claimed before sending)."""
    from dispatch.services.referrals import referral_remind, referral_reminders_due

    sent = 0
    for referral_id in referral_reminders_due():
        try:
            sent += referral_remind(referral_id=referral_id)
        except Exception:  # noqa: BLE001, S112 - one partner's mail server must not stop the rest
            continue
    return sent


@shared_task(name="dispatch.check_ins_prompt", ignore_result=True)
def check_ins_prompt() -> int:
    """Email the coordinators about new and overdue wellbeing check-ins (each claimed first)."""
    from dispatch.debriefs import check_ins_prompt as prompt

    return prompt()
