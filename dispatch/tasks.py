"""Celery tasks of the dispatch app: thin, given ids, calling services.

`notifications_send` is enqueued after the outbox rows have committed, with a few row ids each
(DISPATCH_NOTIFY_BATCH_SIZE) so that a worker's threads send a call-out of 100 in parallel; the
beat schedule runs the two sweeps (settings.CELERY_BEAT_SCHEDULE, "dispatch-*").
"""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache


@shared_task(name="dispatch.notifications_send", ignore_result=True)
def notifications_send(notification_ids: list[int]) -> list[str]:
    """Send each outbox row (each claimed on its own: a duplicated task sends nothing twice)."""
    from dispatch.services import notification_deliver, notifications_enqueue

    statuses = []
    for notification_id in notification_ids:
        delivery = notification_deliver(pk=notification_id)
        if delivery.retry_in is not None:
            notifications_enqueue([notification_id], countdown=delivery.retry_in)
        statuses.append(delivery.status)
    return statuses


def _once(name: str, seconds: int):
    """A non-blocking lock so overlapping beat runs skip instead of piling up."""
    return cache.add(f"dispatch:{name}:lock", 1, timeout=seconds)


@shared_task(name="dispatch.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    from dispatch.services import outbox_sweep as sweep

    if not _once("outbox-sweep", 10):
        return 0
    try:
        return sweep().enqueued
    finally:
        cache.delete("dispatch:outbox-sweep:lock")


@shared_task(name="dispatch.escalation_sweep", ignore_result=True)
def escalation_sweep() -> int:
    from dispatch.services import incidents_escalate_due

    if not _once("escalation-sweep", 10):
        return 0
    try:
        return incidents_escalate_due()
    finally:
        cache.delete("dispatch:escalation-sweep:lock")
