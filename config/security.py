"""Response headers that protect caller data: Content-Security-Policy and no-store caching.

The policy allows scripts and styles from our own origin only (vendored assets, no CDN).
Inline <script> elements and on...= handlers are refused: behaviour lives in static files
(static/js/site.js gives `data-submit-on-change` and `data-confirm` to templates). Inline
style attributes stay allowed: pages colour table cells from data, and htmx adds its own
indicator style.
"""

from __future__ import annotations

import functools

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def softphone_configured() -> bool:
    """The console softphone is on (the same four settings hotline.softphone checks)."""
    return all(
        getattr(settings, name, "")
        for name in (
            "TWILIO_ACCOUNT_SID",
            "TWILIO_API_KEY_SID",
            "TWILIO_API_KEY_SECRET",
            "TWILIO_TWIML_APP_SID",
        )
    )


def content_security_policy() -> str:
    """The policy; with the softphone on, connect-src also names Twilio's Voice SDK endpoints
    (SOFTPHONE_CSP_CONNECT: its signalling websocket). Calls' audio is WebRTC media, which the CSP
    does not govern; the SDK's sounds are served from our own origin."""
    if not softphone_configured():
        return CONTENT_SECURITY_POLICY
    return _with_connect_sources(tuple(settings.SOFTPHONE_CSP_CONNECT))


@functools.lru_cache(maxsize=4)
def _with_connect_sources(sources: tuple[str, ...]) -> str:
    extra = " ".join(source for source in sources if source and ";" not in source and "'" not in source)
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {extra}".rstrip())


class SecurityHeadersMiddleware:
    """Adds the CSP to every response, and `Cache-Control: no-store` under the path prefixes
    of pages that show caller data (settings.NO_STORE_PATH_PREFIXES) unless a view set it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if request.path.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)):
            cache_control = response.headers.get("Cache-Control", "")
            if "no-store" not in cache_control:
                response.headers["Cache-Control"] = "private, no-store, max-age=0"
        return response
