"""Rate limits of public forms: a count per client address in the shared cache (Redis).

When the cache is down, a public form must not fail nor lose what a person typed: the limiter
degrades to a count kept in this process (the same limit and window, so each web process lets
through at most `limit` posts per address and window) and logs a warning. Spam is a nuisance;
a lost volunteer application or survey answer is worse.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# The per-process fallback: key -> (window start, count). Bounded: the oldest half is dropped.
_LOCAL_MAX_KEYS = 10_000
_local: dict[str, tuple[float, int]] = {}
_local_lock = threading.Lock()


def client_address(request: HttpRequest) -> str:
    """The client's address; behind our trusted proxy, the one it appended to X-Forwarded-For."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _local_count(key: str, window: int) -> int:
    now = time.monotonic()
    with _local_lock:
        started, count = _local.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        _local[key] = (started, count + 1)
        if len(_local) > _LOCAL_MAX_KEYS:
            for old in sorted(_local, key=lambda k: _local[k][0])[: _LOCAL_MAX_KEYS // 2]:
                del _local[old]
        return count + 1


def local_counts_clear() -> None:
    """Forget the per-process counts (tests)."""
    with _local_lock:
        _local.clear()


def rate_limit_hit(request: HttpRequest, *, scope: str, limit: int, window: int) -> bool:
    """Count one post of this client to `scope`; True when it is over `limit` in `window` seconds."""
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{address}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr: a new window
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:  # noqa: BLE001 - any cache failure: degrade, never fail the form
        logger.warning("Rate limit %s: cache unavailable, counting in this process", scope, exc_info=True)
        count = _local_count(key, window)
    return count > limit
