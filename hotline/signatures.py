"""Twilio webhook signatures: the one decorator every webhook view wears.

Twilio signs each request with the account's auth token over the URL it requested plus the
posted parameters (the `X-Twilio-Signature` header). We rebuild that URL from the configured
PUBLIC_BASE_URL and the path, never from Host or X-Forwarded-* headers an attacker controls.

Development without Twilio credentials: when TWILIO_AUTH_TOKEN is empty and DEBUG is on, both
the verifier and the simulators (`simulate_call`, `simulate_sms`) use DEV_AUTH_TOKEN, so signed
simulated requests pass and unsigned ones still fail.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
DEV_AUTH_TOKEN = "dev-token"  # noqa: S105 - only ever used with DEBUG on and no real token


def webhook_auth_token() -> str:
    """The token webhooks are signed with; empty when none is configured (all requests fail)."""
    if settings.TWILIO_AUTH_TOKEN:
        return settings.TWILIO_AUTH_TOKEN
    return DEV_AUTH_TOKEN if settings.DEBUG else ""


def public_url(path: str) -> str:
    """The absolute URL Twilio requests for a path (which is what Twilio signs)."""
    return settings.PUBLIC_BASE_URL + path


def sign(url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of params to url."""
    return RequestValidator(webhook_auth_token()).compute_signature(url, params)


def signature_is_valid(request: HttpRequest) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    token = webhook_auth_token()
    if not signature or not token:
        if not token:
            logger.error("TWILIO_AUTH_TOKEN is not set: every Twilio webhook is refused")
        return False
    url = public_url(request.get_full_path())
    validator = RequestValidator(token)
    # The URL exactly as configured first (one HMAC); the SDK's validate() also tries the
    # variants with and without an explicit port, as Twilio's signing is inconsistent there.
    if hmac.compare_digest(validator.compute_signature(url, request.POST), signature):
        return True
    return validator.validate(url, request.POST, signature)


def _without_nul(request: HttpRequest) -> None:
    """Drop NUL characters from the posted parameters, which PostgreSQL text cannot store.

    Done after the signature check (Twilio signed the parameters as sent), so that a caller ID
    or message body carrying one is still recorded instead of failing the insert.
    """
    if not any("\x00" in value for values in request.POST.lists() for value in values[1]):
        return
    cleaned = request.POST.copy()
    for key, values in request.POST.lists():
        cleaned.setlist(key, [value.replace("\x00", "") for value in values])
    cleaned._mutable = False
    request.POST = cleaned


def twilio_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only, no CSRF token (Twilio has none), and a valid Twilio signature or 403.

    The check runs before the view, so a forged or unsigned request writes nothing.
    """

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if settings.HOTLINE_VERIFY_SIGNATURES and not signature_is_valid(request):
            logger.warning("Refused a webhook with a missing or wrong Twilio signature: %s", request.path)
            return HttpResponseForbidden("Invalid Twilio signature.", content_type="text/plain")
        _without_nul(request)
        return view(request, *args, **kwargs)

    webhook = csrf_exempt(require_POST(checked))
    # Marks the view for hotline.middleware.TwilioWebhookMiddleware (no browser middleware).
    webhook.twilio_webhook = True
    return webhook
