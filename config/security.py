"""Response headers that protect caller data: Content-Security-Policy and no-store caching.

The policy allows scripts and styles from our own origin only (vendored assets, no CDN).
Inline <script> elements and on...= handlers are refused: behaviour lives in static files
(static/js/site.js gives `data-submit-on-change` and `data-confirm` to templates). Inline
style attributes stay allowed: pages colour table cells from data, and htmx adds its own
indicator style.
"""

from __future__ import annotations

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


class SecurityHeadersMiddleware:
    """Adds the CSP to every response, and `Cache-Control: no-store` under the path prefixes
    of pages that show caller data (settings.NO_STORE_PATH_PREFIXES) unless a view set it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)):
            cache_control = response.headers.get("Cache-Control", "")
            if "no-store" not in cache_control:
                response.headers["Cache-Control"] = "private, no-store, max-age=0"
        return response
