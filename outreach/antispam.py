"""Bot protection for the public survey form: a signed form token, a honeypot, a rate limit.

- The token is signed with SECRET_KEY and names the survey, a random nonce and when the form
  was served. A post without a valid token is refused; one sent faster than a person could
  answer is a bot; the nonce becomes the response's unique `submission`, so a replayed post
  cannot create a second response.
- The honeypot is a field people never see; bots that fill every input give themselves away.
- The rate limit counts posts per client address and survey in the shared cache (Redis in
  production). If the cache is down it counts per process: losing answers is worse than spam.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from config.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "website"
_SALT = "outreach.survey-form"


class TokenError(Exception):
    """The form token is missing, forged, for another survey, expired, or used too fast."""


@dataclass(frozen=True)
class FormToken:
    nonce: str
    issued_at: float


def form_token_issue(*, survey_id: int) -> str:
    payload = {"s": survey_id, "n": secrets.token_hex(16), "t": round(time.time(), 3)}
    return signing.dumps(payload, salt=_SALT, compress=False)


def form_token_check(token: str, *, survey_id: int, now: float | None = None) -> FormToken:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.OUTREACH_SURVEY_TOKEN_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise TokenError("expired") from exc
    except signing.BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(payload, dict) or payload.get("s") != survey_id or not payload.get("n"):
        raise TokenError("invalid")
    now = time.time() if now is None else now
    if now - float(payload["t"]) < settings.OUTREACH_SURVEY_MIN_SECONDS:
        raise TokenError("too fast")
    return FormToken(nonce=str(payload["n"]), issued_at=float(payload["t"]))


def rate_limit_exceeded(request, *, scope: str) -> bool:
    """Count one attempt for this client and scope; True when over the limit for the window.
    Without the cache it counts per process (config.ratelimit), so answers are never lost."""
    return rate_limit_hit(
        request,
        scope=f"outreach:{scope}",
        limit=settings.OUTREACH_SURVEY_RATE_LIMIT,
        window=settings.OUTREACH_SURVEY_RATE_WINDOW_SECONDS,
    )
