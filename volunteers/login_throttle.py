"""Login throttling: a cool-off lock-out per username and client address, in the shared cache.

After LOGIN_FAILURE_LIMIT failed attempts within LOGIN_LOCKOUT_SECONDS, that username from that
address is refused for LOGIN_LOCKOUT_SECONDS; then counting starts again. The lock is never
permanent and is keyed by address too, so an attacker elsewhere cannot lock a volunteer out.
A successful login clears the count. When the cache (Redis) is down, logins still work: the
throttle fails open and logs it, because a hotline whose dispatchers cannot sign in is worse.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from config.ratelimit import client_address  # noqa: F401 - one definition, used by the forms

logger = logging.getLogger(__name__)


@sensitive_variables("username")
def _keys(*, username: str, address: str) -> tuple[str, str]:
    # Hashed so that usernames (often e-mail addresses) never sit in the cache in clear.
    digest = hashlib.sha256(f"{username.strip().casefold()}|{address}".encode()).hexdigest()[:32]
    return f"login:failures:{digest}", f"login:locked:{digest}"


def login_locked(*, username: str, address: str) -> bool:
    _failures, locked = _keys(username=username, address=address)
    try:
        return bool(cache.get(locked))
    except Exception:
        logger.warning("Login throttle unavailable (cache down): allowing the attempt", exc_info=True)
        return False


def login_failure_record(*, username: str, address: str) -> bool:
    """Count a failed attempt; True when it locked the username at this address."""
    failures, locked = _keys(username=username, address=address)
    window = settings.LOGIN_LOCKOUT_SECONDS
    try:
        cache.add(failures, 0, timeout=window)
        count = cache.incr(failures)
        if count < settings.LOGIN_FAILURE_LIMIT:
            return False
        cache.set(locked, 1, timeout=window)
        cache.delete(failures)
    except Exception:
        logger.warning("Login throttle unavailable (cache down): failure not counted", exc_info=True)
        return False
    logger.warning("Login locked for %s seconds after repeated failures from %s", window, address)
    return True


def login_failures_clear(*, username: str, address: str) -> None:
    failures, _locked = _keys(username=username, address=address)
    try:
        cache.delete(failures)
    except Exception:
        logger.warning("Login throttle unavailable (cache down): count not cleared", exc_info=True)
