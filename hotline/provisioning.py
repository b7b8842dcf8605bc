"""The hotline number's configuration at Twilio: where it sends calls, texts and their callbacks.

`number_settings_expected()` derives, from PUBLIC_BASE_URL, what HOTLINE_NUMBER's voice and SMS
URLs, call status callback and fallback URLs must be; `number_configure()` reads the number
through Twilio's REST API and sets what differs (`manage.py twilio_configure`), and the deploy
check `hotline.W006` warns when they differ. The fallback URLs (HOTLINE_VOICE_FALLBACK_URL,
HOTLINE_SMS_FALLBACK_URL) are where the static TwiML of `manage.py fallback_twiml` is published,
somewhere that does not depend on this server (Twilio fetches them when our webhooks fail or
time out); they are fetched with GET, which static hosting accepts.

Twilio is reached through `hotline.messaging`'s backend (its HTTP client is the seam tests fill
with a fake transport): the configured Twilio backend, else a TwilioBackend from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from hotline import messaging


class ProvisioningError(Exception):
    pass


@dataclass(frozen=True)
class Change:
    field: str  # the IncomingPhoneNumber resource's field, as the SDK names it
    current: str
    wanted: str


def twilio_client() -> Client:
    backend = messaging.get_backend()
    if isinstance(backend, messaging.TwilioBackend):
        return backend.client
    return messaging.TwilioBackend().client


def number_settings_expected() -> dict[str, str]:
    base = settings.PUBLIC_BASE_URL
    wanted = {
        "voice_url": base + reverse("hotline:voice_incoming"),
        "voice_method": "POST",
        "status_callback": base + reverse("hotline:voice_status"),
        "status_callback_method": "POST",
        "sms_url": base + reverse("hotline:sms_incoming"),
        "sms_method": "POST",
    }
    if settings.HOTLINE_VOICE_FALLBACK_URL:
        wanted |= {"voice_fallback_url": settings.HOTLINE_VOICE_FALLBACK_URL, "voice_fallback_method": "GET"}
    if settings.HOTLINE_SMS_FALLBACK_URL:
        wanted |= {"sms_fallback_url": settings.HOTLINE_SMS_FALLBACK_URL, "sms_fallback_method": "GET"}
    return wanted


def _number(client: Client):
    if not settings.HOTLINE_NUMBER:
        raise ProvisioningError("HOTLINE_NUMBER is not set")
    try:
        found = client.incoming_phone_numbers.list(phone_number=settings.HOTLINE_NUMBER, limit=2)
    except TwilioException as exc:
        raise ProvisioningError(f"Twilio could not be asked about {settings.HOTLINE_NUMBER}: {exc}") from exc
    if len(found) != 1:
        raise ProvisioningError(f"{settings.HOTLINE_NUMBER} is not a number of this Twilio account")
    return found[0]


def number_changes(*, client: Client | None = None) -> list[Change]:
    """What differs between HOTLINE_NUMBER at Twilio and what it must be."""
    number = _number(client or twilio_client())
    changes = []
    for field, wanted in number_settings_expected().items():
        current = str(getattr(number, field, "") or "")
        # Methods are case-insensitive ("post"); URLs are compared exactly.
        same = current.upper() == wanted.upper() if field.endswith("_method") else current == wanted
        if not same:
            changes.append(Change(field=field, current=current, wanted=wanted))
    return changes


def number_configure(*, dry_run: bool = False, client: Client | None = None) -> list[Change]:
    """Set what differs (nothing with `dry_run`); returns the changes."""
    client = client or twilio_client()
    number = _number(client)
    changes = number_changes(client=client)
    if changes and not dry_run:
        try:
            client.incoming_phone_numbers(number.sid).update(**{c.field: c.wanted for c in changes})
        except TwilioException as exc:
            raise ProvisioningError(
                f"Twilio refused the new settings of {settings.HOTLINE_NUMBER}: {exc}"
            ) from exc
    return changes
