"""Health checks for load balancers and process supervisors: the database and the broker.

Scheduled jobs that failed (the nightly redaction) are listed under "warnings": they need an
operator, but the site still serves, so they do not turn the answer into a 503.

Served by a middleware placed first so that a load balancer's probe needs no session, no
CSRF token and no allowed Host header, and is never redirected to HTTPS.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.tasks import HEARTBEAT_KEY, heartbeat_cache

HEALTH_PATH = "/healthz/"


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


def _retention_warning() -> str | None:
    """The nightly redaction's last run, when a step of it failed."""
    from retention.services import last_run

    try:
        run = last_run()
    except Exception:  # noqa: BLE001 - a down cache is reported by the broker check
        return None
    if not run or not run.get("failed"):
        return None
    steps = "; ".join(f"{label}: {error}" for label, error in run["failed"].items())
    return f"redaction of {run['finished_at']} failed in {steps}"


def health_report() -> HealthReport:
    report = HealthReport()
    report.checks["database"] = _check_database()
    report.checks["broker"] = _check_broker()
    report.worker_seen_seconds_ago = _worker_age()
    if warning := _retention_warning():
        report.warnings["retention"] = warning
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
