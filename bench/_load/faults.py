"""The faults of phase 2: Redis dies (or hangs) and comes back, then the Celery worker is
SIGKILLed (at a fixed second, or with `--kill-mid-send` while a text is being sent) and a new
one starts; and how the outbox sweep settled the rows the killed worker was sending.

Used by bench/load.py, which calls `inject` at the start of phase 2.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from bench._load.setup import Stack, log


@dataclass
class Faults:
    """What `inject` did: when Redis was out, the rows the killed worker left mid-send, and the
    thread waiting for the new worker."""

    outage_start: float
    outage_end: float
    killed_mid_send: dict[int, int]
    waiter: threading.Thread


def inject(args, stack: Stack, *, phase2_start: float, events: list[str]) -> Faults:
    """Run phase 2's faults on schedule (seconds after `phase2_start`); each is logged in `events`."""

    def at(offset: float) -> None:
        time.sleep(max(0.0, phase2_start + offset - time.time()))

    def event(text: str) -> None:
        events.append(f"t+{time.time() - phase2_start:.1f}s {text}")
        log("  " + events[-1])

    at(args.redis_down_at)
    outage_start = time.time()
    if args.redis_fault == "freeze":
        stack.redis_freeze(True)
        event("redis-server frozen (SIGSTOP)")
    else:
        stack.redis_kill()
        event("redis-server SIGKILLed")
    at(args.redis_down_at + args.redis_down_seconds)
    outage_end = time.time()
    if args.redis_fault == "freeze":
        stack.redis_freeze(False)
        event("redis-server resumed (SIGCONT)")
    else:
        stack.redis_start()
        event("redis-server started again (empty)")
    at(args.kill_worker_at)
    if args.kill_mid_send:
        sending_now(timeout=5)
    stack.worker_kill()
    killed_mid_send = rows_mid_send()
    event(f"celery worker SIGKILLed with {len(killed_mid_send)} text(s) mid-send, a new one starting")
    replacement = stack.worker_start()

    def replacement_ready() -> None:
        try:
            stack.worker_wait(replacement)
        except RuntimeError as exc:
            event(f"the new celery worker did not start: {exc}")
        else:
            event("new celery worker ready")

    waiter = threading.Thread(target=replacement_ready)
    waiter.start()
    return Faults(outage_start, outage_end, killed_mid_send, waiter)


def sending_now(*, timeout: float) -> bool:
    """Wait (bounded) until some outbox row is being sent, so that a kill lands mid-send."""
    from django.db import connection

    from dispatch.models import Notification

    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if Notification.objects.filter(status=Notification.Status.SENDING).exists():
                return True
            time.sleep(0.005)
        return False
    finally:
        connection.close()


def rows_mid_send() -> dict[int, int]:
    """Outbox rows in SENDING (id -> attempts): after the worker's SIGKILL, the ones it died on."""
    from django.db import connection

    from dispatch.models import Notification

    try:
        return dict(
            Notification.objects.filter(status=Notification.Status.SENDING).values_list("pk", "attempts")
        )
    finally:
        connection.close()


def mid_send_outcome(killed: dict[int, int]) -> dict[str, int]:
    """How the sweep settled the rows the killed worker was sending: the provider had the text
    (marked sent, attempts unchanged), sent again (one more attempt), or failed for a person."""
    from dispatch.models import Notification

    outcome = {"rows": len(killed), "recovered": 0, "resent": 0, "failed": 0, "unsettled": 0}
    for pk, status, attempts in Notification.objects.filter(pk__in=killed).values_list(
        "pk", "status", "attempts"
    ):
        if status == Notification.Status.SENT:
            outcome["resent" if attempts > killed[pk] else "recovered"] += 1
        elif status == Notification.Status.FAILED:
            outcome["failed"] += 1
        else:
            outcome["unsettled"] += 1
    return outcome
