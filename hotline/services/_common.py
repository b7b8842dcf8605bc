"""What every part of the hotline's services shares: a caller's number in one form
(E.164, or "" when withheld) and a text in the caller's language.

Used by the other modules of `hotline.services`, and through the package by the admin, forms,
selectors and the demo data.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from hotline import messaging

HOTLINE_LANGUAGES = ("en", "ko", "es")


def normalise_caller(raw: str) -> str:
    """A caller's number in E.164, or "" when it is withheld or not a phone number."""
    raw = (raw or "").strip()
    if not raw or raw.lower() in messaging.WITHHELD_NUMBERS:
        return ""
    try:
        parsed = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def in_language(language: str, message: str, **params: object) -> str:
    with translation.override(language if language in HOTLINE_LANGUAGES else settings.LANGUAGE_CODE):
        return gettext(message) % params if params else gettext(message)
