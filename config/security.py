"""Response headers that protect caller data: Content-Security-Policy and no-store caching.

The policy allows scripts and styles from our own origin only (vendored assets, no CDN).
Inline <script> elements and on...= handlers are refused: behaviour lives in static files
(static/js/site.js gives `data-submit-on-change` and `data-confirm` to templates). Inline
style attributes stay allowed: pages colour table cells from data, and htmx adds its own
indicator style. Images may also come from the origin of settings.CFS_MAP_TILE_URL (map
tiles of the 911 analysis) when one is configured; nothing else widens.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

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


def tile_origin(url: str) -> str:
    """scheme://host[:port] of a tile URL template ("{s}." subdomains become "*."); "" when it
    is not an http(s) URL with a plain host name."""
    parts = urlsplit(url.replace("{s}.", "SUBDOMAIN."))
    host = parts.netloc
    if parts.scheme not in ("https", "http") or not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
        return ""
    return f"{parts.scheme}://{host.replace('SUBDOMAIN.', '*.')}"


def content_security_policy(tile_url: str = "") -> str:
    """The policy. With a tile URL (CFS_MAP_TILE_URL), the tile server's origin is added to
    img-src. With the softphone on, connect-src also names Twilio's Voice SDK endpoints
    (SOFTPHONE_CSP_CONNECT: its signalling websocket); calls' audio is WebRTC media, which the CSP
    does not govern, and the SDK's sounds are served from our own origin."""
    connect = tuple(settings.SOFTPHONE_CSP_CONNECT) if softphone_configured() else ()
    return _policy(tile_url, connect)


@functools.lru_cache(maxsize=16)
def _policy(tile_url: str, connect_sources: tuple[str, ...]) -> str:
    policy = CONTENT_SECURITY_POLICY
    origin = tile_origin(tile_url) if tile_url else ""
    if origin:
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")
    extra = " ".join(
        source for source in connect_sources if source and ";" not in source and "'" not in source
    )
    if extra:
        policy = policy.replace("connect-src 'self'", f"connect-src 'self' {extra}")
    return policy


class SecurityHeadersMiddleware:
    """Adds the CSP to every response, and `Cache-Control: no-store` under the path prefixes
    of pages that show caller data (settings.NO_STORE_PATH_PREFIXES) unless a view set it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(getattr(settings, "CFS_MAP_TILE_URL", ""))
        )
        if request.path.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)):
            cache_control = response.headers.get("Cache-Control", "")
            if "no-store" not in cache_control:
                response.headers["Cache-Control"] = "private, no-store, max-age=0"
        return response
