"""System checks: a production deployment without what the phone line needs is loudly wrong."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
    problems.extend(budget_problems(settings.DATABASES["default"]))
    return problems


def budget_problems(database: dict) -> list[Warning]:
    """A new database connection is the one wait hotline.budget cannot cut short: libpq's
    connect_timeout must end well inside the webhook budget."""
    from hotline.budget import CONNECT_SHARE

    if not database["ENGINE"].endswith("postgresql"):
        return []
    share = settings.HOTLINE_WEBHOOK_BUDGET_SECONDS * CONNECT_SHARE
    connect_timeout = database.get("OPTIONS", {}).get("connect_timeout")
    try:
        seconds = float(connect_timeout)
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or seconds <= 0 or seconds >= share:
        return [
            Warning(
                f"The database's connect_timeout ({connect_timeout}) is not below {share:g} s of "
                "HOTLINE_WEBHOOK_BUDGET_SECONDS: a caller may wait out a hung "
                "database's connection attempt in silence.",
                hint="Leave DATABASE_URL's connect_timeout at its default (3) or set it below that; "
                "or raise HOTLINE_WEBHOOK_BUDGET_SECONDS.",
                id="hotline.W005",
            )
        ]
    return []


@register(Tags.compatibility, deploy=True)
def twilio_number_check(app_configs, **kwargs):
    """`check --deploy`: HOTLINE_NUMBER at Twilio points at this deployment (asks Twilio's API;
    only with credentials set)."""
    if not settings.HOTLINE_CHECK_TWILIO_NUMBER:
        return []
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.HOTLINE_NUMBER):
        return []
    from hotline.provisioning import ProvisioningError, number_changes

    try:
        changes = number_changes()
    except ProvisioningError as exc:
        return [Warning(f"Could not check the hotline number at Twilio: {exc}", id="hotline.W007")]
    if not changes:
        return []
    return [
        Warning(
            f"{settings.HOTLINE_NUMBER} is not configured for this deployment at Twilio: "
            + "; ".join(f"{c.field} is {c.current or '(empty)'!r}, should be {c.wanted!r}" for c in changes),
            hint="Run `manage.py twilio_configure` (--dry-run first to see the changes).",
            id="hotline.W006",
        )
    ]


SOFTPHONE_SETTINGS = ("TWILIO_API_KEY_SID", "TWILIO_API_KEY_SECRET", "TWILIO_TWIML_APP_SID")


@register()
def softphone_settings_check(app_configs, **kwargs):
    """Half a softphone setup is a mistake: it stays off until the last setting is there."""
    present = [name for name in SOFTPHONE_SETTINGS if getattr(settings, name, "")]
    if not present or len(present) == len(SOFTPHONE_SETTINGS):
        return []
    missing = [name for name in SOFTPHONE_SETTINGS if name not in present]
    return [
        Warning(
            f"Answering calls in the browser is off: {', '.join(missing)} is not set.",
            hint="Set all of TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID "
            "(docs/operators.md), or none.",
            id="hotline.W020",
        )
    ]
