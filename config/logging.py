"""Keeps caller data out of the logs: phone numbers are masked in every formatted record.

Attached as a filter to the log handlers in settings.LOGGING. Message bodies are never logged
by the apps (their log calls pass ids); the filter is the safety net for phone numbers that
slip into messages or exception texts (an IntegrityError detail, a Twilio error).
"""

from __future__ import annotations

import logging
import re

# E.164 (+ and 8 to 15 digits) and common written forms of North American numbers.
PHONE_NUMBER = re.compile(r"(?<![\w])\+\d{7,15}\b|(?<![\w+])(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}\b")
MASK = "[phone]"


def mask_phone_numbers(text: str) -> str:
    return PHONE_NUMBER.sub(MASK, text)


class RedactPhoneNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = mask_phone_numbers(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phone_numbers(record.exc_text)
        return True
