"""No caller phone numbers or message bodies in the logs, through a real webhook and SMS flow."""

from __future__ import annotations

import logging
import re

import pytest
from django.urls import reverse

from config.logging import MASK, RedactPhoneNumbers, mask_phone_numbers
from hotline.models import Intake
from hotline.tests.conftest import TwilioRequests, payload

# The console handler exactly as settings.LOGGING configured it (with its filters).
CONSOLE = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
CALLER = "+12025550177"
BODY = "Hi, my neighbor is outside yelling and seems really confused. I don't think he is safe."
REPLY = "We are sending two volunteers to you now, stay where you are."


@pytest.fixture(autouse=True)
def _hotline_settings(settings):
    from hotline import messaging
    from hotline.tests.conftest import AUTH_TOKEN, BASE_URL, HOTLINE_NUMBER

    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = HOTLINE_NUMBER
    settings.FALLBACK_NUMBER = ""
    settings.SMS_BACKEND = "memory"
    settings.HOTLINE_VERIFY_SIGNATURES = True
    messaging.outbox.clear()
    yield
    messaging.outbox.clear()


def console_output(records) -> str:
    return "\n".join(CONSOLE.format(record) for record in records if CONSOLE.filter(record))


def test_the_console_handler_masks_numbers():
    assert any(isinstance(f, RedactPhoneNumbers) for f in CONSOLE.filters)


@pytest.mark.parametrize(
    "text",
    ["+12025550177", "call +442079460958 now", "(202) 555-0177", "202-555-0177", "202.555.0177"],
)
def test_numbers_are_masked(text):
    masked = mask_phone_numbers(text)
    assert MASK in masked
    assert not re.search(r"\d{3}", masked), masked


def test_ids_and_times_are_kept():
    text = "user=12 viewed intake 345 at 2026-11-23 18:02:45 took 1500 ms"
    assert mask_phone_numbers(text) == text


def test_exception_texts_are_masked_too():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", (CALLER,), None)
    try:
        raise ValueError(f"duplicate key (from_number)=({CALLER})")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert CALLER not in console_output([record])
    assert "ValueError" in console_output([record])


@pytest.mark.django_db
def test_webhook_and_sms_flow_log_no_number_or_body(client, dispatcher, caplog):
    twilio = TwilioRequests(client)
    with caplog.at_level(logging.DEBUG):
        params = payload("sms_incoming", From=CALLER, Body=BODY)
        assert twilio.post("/hotline/sms/incoming/", params).status_code == 200
        # A signature failure and a bad status are logged (with the path, not the number).
        assert twilio.post("/hotline/sms/incoming/", params, signature="forged").status_code == 403
        voice = payload("voice_incoming", From=CALLER)
        assert twilio.post("/hotline/voice/incoming/", voice).status_code == 200
        intake = Intake.objects.get(caller=CALLER, channel=Intake.Channel.SMS)
        client.force_login(dispatcher)
        assert client.get(reverse("hotline:intake_detail", args=[intake.pk])).status_code == 200
        response = client.post(reverse("hotline:intake_reply", args=[intake.pk]), {"body": REPLY})
        assert response.status_code == 302
        status = payload("sms_status", To=CALLER, MessageStatus="undelivered", ErrorCode="30003")
        twilio.post("/hotline/sms/status/", status)

    assert caplog.records, "the flow logs something (access log at least)"
    raw = "\n".join(record.getMessage() for record in caplog.records)
    # Bodies are never logged at all; numbers never reach the handlers' output.
    assert BODY not in raw and REPLY not in raw
    output = console_output(caplog.records)
    for secret in (CALLER, CALLER[2:], BODY, REPLY):
        assert secret not in output
