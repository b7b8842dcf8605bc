"""Twilio's webhooks served without the middleware meant for people's browsers.

A Twilio request carries no cookie and needs no session, CSRF token, sign-in, two-factor
check, flash messages or language negotiation (TwiML picks the caller's language itself),
yet that machinery costs about as much CPU as the incoming-call view's own work. The hot
path of a crisis call should not pay for it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation

# Every Twilio webhook lives under this prefix (hotline/urls.py, mounted in config/urls.py).
WEBHOOK_PATH_PREFIX = "/hotline/"


class TwilioWebhookMiddleware:
    """Calls a view wearing `twilio_webhook` directly, skipping the middleware after this one.

    Placed after the security middleware (HTTPS redirect, HSTS, the content policy and no-store
    headers still apply) and before the session middleware. The view still checks the Twilio
    signature and allows POST only; every other request passes through untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(WEBHOOK_PATH_PREFIX):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "twilio_webhook", False):
                # What CommonMiddleware would do first: a Host outside ALLOWED_HOSTS is a 400.
                request.get_host()
                request.resolver_match = match
                # No LocaleMiddleware here: the site's language, never one left on this thread
                # by an earlier request (TwiML and replies choose the caller's language).
                with translation.override(settings.LANGUAGE_CODE):
                    response = match.func(request, *match.args, **match.kwargs)
                # What CommonMiddleware would add, so the answer is not sent chunked.
                if not response.streaming and not response.has_header("Content-Length"):
                    response.headers["Content-Length"] = str(len(response.content))
                return response
        return self.get_response(request)
