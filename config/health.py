"""Health checks for load balancers and process supervisors: the database and the broker.

Scheduled jobs that failed (the nightly redaction) are listed under "warnings": they need an
operator, but the site still serves, so they do not turn the answer into a 503.

Served by a middleware placed first so that a load balancer's probe needs no session, no
CSRF token and no allowed Host header, and is never redirected to HTTPS.

It answers within HEALTH_TIMEOUT_SECONDS (plus the wait for a server thread) whatever the
state of the servers: while the webhooks' breaker skips a hung database (hotline.budget), the
database is reported "error: hung" at once; otherwise the checks run at once, each in its own short-lived thread (with its own database connection, closed after),
and a check still waiting at the deadline (a database or Redis that hangs) is reported as
"error: timeout" while its thread finishes on its own (bounded by the connect and socket
timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.tasks import HEARTBEAT_KEY, heartbeat_cache

HEALTH_PATH = "/healthz/"

# What only an app knows, registered from its AppConfig.ready() so that this module imports no
# project app (volunteers' `healthcheck` command imports it): gates that can declare the
# database unhealthy without a connection attempt (hotline: its breaker saw the database hang),
# and warnings for jobs that need an operator but leave the site serving (retention).
_database_gates: dict[str, Callable[[], str | None]] = {}
_warnings: dict[str, Callable[[], str | None]] = {}


def register_database_gate(name: str, gate: Callable[[], str | None]) -> None:
    """`gate()` returns an error to report instead of connecting, or None to go on."""
    _database_gates[name] = gate


def register_warning(name: str, check: Callable[[], str | None]) -> None:
    """`check()` returns a sentence for the operator, or None when all is well."""
    _warnings[name] = check


HEALTH_TIMEOUT_SECONDS = 1.5
TIMED_OUT = "error: timeout"


@dataclass
class HealthReport:
    checks: dict[str, str] = field(default_factory=dict)
    worker_seen_seconds_ago: float | None = None
    warnings: dict[str, str] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(value == "ok" or value == "eager" for value in self.checks.values())

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.healthy else "error",
            "checks": self.checks,
            "worker_seen_seconds_ago": self.worker_seen_seconds_ago,
            "warnings": self.warnings,
        }


def _check_database() -> str:
    for gate in _database_gates.values():
        if verdict := gate():
            return verdict
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_broker() -> str:
    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001, S110 - closing a dead client is best effort
            pass
    return "ok"


def _worker_age() -> float | None:
    """Seconds since a worker last ran the heartbeat task; informational, not a failure."""
    try:
        stamp = heartbeat_cache().get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001 - a down cache is reported by the broker check
        return None
    seen = parse_datetime(stamp) if stamp else None
    if seen is None:
        return None
    return round((timezone.now() - seen).total_seconds(), 1)


def _run_bounded(checks: dict[str, Callable[[], object]], *, timeout: float) -> dict[str, object]:
    """Each check's result, or TIMED_OUT for one still running after `timeout` seconds."""
    results: dict[str, object] = {}

    def run(name: str, check: Callable[[], object]) -> None:
        try:
            results[name] = check()
        finally:
            connections.close_all()  # this thread's own connections

    threads = [
        threading.Thread(target=run, args=(name, check), name=f"health-{name}", daemon=True)
        for name, check in checks.items()
    ]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: results.get(name, TIMED_OUT) for name in checks}


def health_report(*, timeout: float = HEALTH_TIMEOUT_SECONDS) -> HealthReport:
    results = _run_bounded(
        {
            "database": _check_database,
            "broker": _check_broker,
            "worker": _worker_age,
            **{f"warning:{name}": check for name, check in _warnings.items()},
        },
        timeout=timeout,
    )
    report = HealthReport()
    report.checks["database"] = results["database"]
    report.checks["broker"] = results["broker"]
    worker = results["worker"]
    report.worker_seen_seconds_ago = None if worker == TIMED_OUT else worker
    for name in _warnings:
        if (warning := results[f"warning:{name}"]) and warning != TIMED_OUT:
            report.warnings[name] = warning
    return report


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        started = time.monotonic()
        report = health_report()
        body = report.as_dict() | {"elapsed_ms": round((time.monotonic() - started) * 1000, 1)}
        response = HttpResponse(
            json.dumps(body), content_type="application/json", status=200 if report.healthy else 503
        )
        response["Cache-Control"] = "no-store"
        return response
