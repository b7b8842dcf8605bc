"""The faults of phase 2: Redis dies (or hangs) and comes back, then the Celery worker is
SIGKILLed (at a fixed second, or with `--kill-mid-send` while a text is being sent) and a new
one starts; and how the outbox sweep settled the rows the killed worker was sending.

Used by bench/load.py, which calls `inject` at the start of phase 2.

`--db-fault freeze` is a run of its own (`database_freeze`): the web servers reach PostgreSQL
through a TCP proxy that the bench freezes (connections accepted, nothing answered: a network
partition or a hung server), while a burst of callers rings at once. Every caller must get
valid TwiML dialling FALLBACK_NUMBER within HOTLINE_WEBHOOK_BUDGET_SECONDS (hotline.budget),
the health check must answer within 2 s, and calls must be recorded again after the thaw.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench._load.setup import FALLBACK_NUMBER, Stack, http_request, log


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


def database_freeze(args, stack: Stack, proxy) -> dict:
    """Warm every server thread's connection, freeze the proxy, ring `args.db_freeze_calls`
    callers at once and probe /healthz/, ring as many again before the thaw; then time until a
    call is recorded again."""
    from bench._load import report, traffic

    recorder = traffic.Recorder()
    recorder.recording = True
    twilio = traffic.Twilio(stack.web_port, recorder)
    twilio.client.timeout = 15  # Twilio's own limit on a webhook

    def ring(_n: int = 0) -> tuple[int, str, float]:
        call_sid = "CA" + secrets.token_hex(16)
        params = traffic.voice_params(call_sid, f"+1303555{secrets.randbelow(10000):04d}")
        started = time.perf_counter()
        status, _location, text = twilio.client.request(
            "voice_incoming",
            "POST",
            "/hotline/voice/incoming/",
            data=params,
            headers={
                "X-Twilio-Signature": twilio.validator.compute_signature(
                    twilio.base + "/hotline/voice/incoming/", params
                )
            },
        )
        return status, text, (time.perf_counter() - started) * 1000

    threads = args.workers * args.threads
    with ThreadPoolExecutor(max_workers=threads) as pool:  # every server thread opens its connection
        warm = list(pool.map(ring, range(threads * 3)))
    if any(status != 200 or "<Gather" not in text for status, text, _ms in warm):
        raise RuntimeError("calls before the freeze did not get the language menu")
    proxy.freeze()
    log(
        f"database frozen (proxy {proxy.port}) for {args.db_freeze_seconds:g} s; {args.db_freeze_calls} callers "
        "ring at once, then again at the end"
    )
    frozen_at = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.db_freeze_calls + 1) as pool:
        calls = [pool.submit(ring) for _ in range(args.db_freeze_calls)]
        time.sleep(0.2)
        started = time.perf_counter()
        health_status, _headers, _body = http_request(stack.web_port, "GET", "/healthz/", timeout=15)
        health_ms = (time.perf_counter() - started) * 1000
        first = [call.result() for call in calls]
        # The second burst comes while the breaker lets one caller per period probe the
        # database (a new connection, bounded by connect_timeout).
        time.sleep(max(0.0, frozen_at + args.db_freeze_seconds - 1.0 - time.monotonic()))
        second = list(pool.map(ring, range(args.db_freeze_calls)))
    answers = first + second
    frozen_for = time.monotonic() - frozen_at
    proxy.thaw()
    log(f"database thawed after {frozen_for:.1f} s")
    thawed_at, recovered_in = time.monotonic(), None
    while time.monotonic() - thawed_at < 30:
        status, text, _ms = ring()
        if status == 200 and "<Gather" in text:
            recovered_in = time.monotonic() - thawed_at
            break
        time.sleep(0.2)

    latencies = sorted(ms for _status, _text, ms in answers)
    dials = sum(
        1 for status, text, _ms in answers if status == 200 and f"<Number>{FALLBACK_NUMBER}</Number>" in text
    )
    errors = sum(1 for status, _text, _ms in answers if status != 200)
    figures = {
        "calls": len(answers),
        "fallback_dials": dials,
        "errors": errors,
        "p50_ms": round(report.percentile(latencies, 0.5), 1),
        "p99_ms": round(report.percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "first_burst_max_ms": round(max(ms for _status, _text, ms in first), 1),
        "second_burst_max_ms": round(max(ms for _status, _text, ms in second), 1),
        "frozen_s": round(frozen_for, 1),
        "budget_ms": args.db_budget * 1000,
        "healthz_status": health_status,
        "healthz_ms": round(health_ms, 1),
        "recovered_in_s": round(recovered_in, 1) if recovered_in is not None else None,
    }
    log(
        f"frozen database ({figures['frozen_s']} s): {figures['calls']} calls, {dials} answered with the fallback <Dial>, {errors} errors, "
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms "
        f"(budget {args.db_budget:g} s; slowest of the first burst {figures['first_burst_max_ms']} ms, of the "
        f"second {figures['second_burst_max_ms']} ms); /healthz/ {health_status} in {figures['healthz_ms']} ms; "
        f"calls recorded again {figures['recovered_in_s']} s after the thaw"
    )
    return figures
