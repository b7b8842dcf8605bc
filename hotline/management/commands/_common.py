"""Shared bits of the simulator commands."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from hotline.messaging import SmsError, normalise_phone
from hotline.simulator import DEFAULT_HOTLINE_NUMBER, Exchange


def require_debug() -> None:
    if not settings.DEBUG:
        raise CommandError(
            "The simulators write calls and texts into the database; they run only with DEBUG on."
        )


def phone_argument(value: str, *, option: str) -> str:
    try:
        return normalise_phone(value)
    except SmsError:
        raise CommandError(
            f"{option} must be a phone number in E.164 form, like +12025550143; got {value!r}"
        ) from None


def hotline_number(value: str | None) -> str:
    return phone_argument(value or settings.HOTLINE_NUMBER or DEFAULT_HOTLINE_NUMBER, option="--to")


def printer(stdout, style):
    def show(exchange: Exchange) -> None:
        stdout.write(style.HTTP_INFO(f"POST {exchange.url}  ->  {exchange.status}"))
        interesting = {k: v for k, v in exchange.params.items() if k in INTERESTING}
        if interesting:
            stdout.write("  " + "  ".join(f"{k}={v}" for k, v in interesting.items()))
        if exchange.body.strip():
            stdout.write(exchange.body)
        stdout.write("")

    return show


INTERESTING = (
    "From",
    "To",
    "CallStatus",
    "Digits",
    "ParentCallSid",
    "DialCallStatus",
    "DialBridged",
    "RecordingDuration",
    "RecordingStatus",
    "Body",
)
