"""System checks: a production deployment without what the phone line needs is loudly wrong."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def hotline_settings_check(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    problems = []
    if settings.HOTLINE_VERIFY_SIGNATURES and not settings.TWILIO_AUTH_TOKEN:
        problems.append(
            Warning(
                "TWILIO_AUTH_TOKEN is empty: every Twilio webhook will be refused with 403.",
                hint="Set TWILIO_AUTH_TOKEN to the account's auth token.",
                id="hotline.W001",
            )
        )
    if not settings.HOTLINE_VERIFY_SIGNATURES:
        problems.append(
            Warning(
                "HOTLINE_VERIFY_SIGNATURES is off: anyone can post forged calls and texts.",
                hint="Unset HOTLINE_VERIFY_SIGNATURES outside local debugging.",
                id="hotline.W002",
            )
        )
    if not settings.HOTLINE_NUMBER:
        problems.append(
            Warning(
                "HOTLINE_NUMBER is empty: texts cannot be sent and callbacks show no hotline caller ID.",
                hint="Set HOTLINE_NUMBER to the Twilio number in E.164, like +12025550100.",
                id="hotline.W003",
            )
        )
    if not settings.FALLBACK_NUMBER:
        problems.append(
            Warning(
                "FALLBACK_NUMBER is empty: when nobody answers or the database is down, callers "
                "can only leave a voicemail.",
                hint="Set FALLBACK_NUMBER to a partner crisis line.",
                id="hotline.W004",
            )
        )
    return problems
