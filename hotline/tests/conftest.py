"""Fixtures of the hotline tests: a signing Twilio client, realistic payloads, on-shift volunteers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from twilio.request_validator import RequestValidator

from hotline import messaging

FIXTURES = Path(__file__).parent / "fixtures"
AUTH_TOKEN = "12345678901234567890123456789012"
BASE_URL = "https://hotline.example.org"
HOTLINE_NUMBER = "+12025550100"


def payload(name: str, **overrides: str) -> dict[str, str]:
    """A recorded Twilio request body from fixtures/, with some parameters replaced."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def hotline_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = HOTLINE_NUMBER
    settings.FALLBACK_NUMBER = ""
    settings.SMS_BACKEND = "memory"
    settings.HOTLINE_VERIFY_SIGNATURES = True
    settings.LANGUAGE_CODE = "en"
    messaging.outbox.clear()
    messaging.calls.clear()
    yield settings
    messaging.outbox.clear()
    messaging.calls.clear()


class TwilioRequests:
    """Posts to the webhooks exactly as Twilio does: form-encoded, signed over the full URL."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
        return RequestValidator(token).compute_signature(url, params)

    def post(self, target: str, params: dict[str, str], *, signature: str | None = None, signed: bool = True):
        """POST to a path ("/hotline/voice/incoming/") or a full URL taken from TwiML."""
        if target.startswith("http"):
            parts = urlsplit(target)
            assert f"{parts.scheme}://{parts.netloc}" == BASE_URL, target
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {}
        if signed:
            headers["HTTP_X_TWILIO_SIGNATURE"] = signature or self.signature(BASE_URL + target, params)
        return self.client.post(target, data=params, **headers)


@pytest.fixture
def twilio(client):
    return TwilioRequests(client)


def twiml(response) -> ET.Element:
    """The TwiML document of a response, checked to be 200 text/xml."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own views' TwiML


def says(root: ET.Element) -> list[tuple[str, str]]:
    """(language, text) of every <Say>, in document order."""
    return [(say.get("language"), say.text) for say in root.iter("Say")]


@pytest.fixture
def on_shift_dispatcher(db):
    """Make a volunteer dispatcher on shift now: on_shift_dispatcher(languages=["ko"])."""
    from volunteers.tests.factories import VolunteerFactory, put_on_shift

    def make(**fields):
        volunteer = VolunteerFactory(**fields)
        put_on_shift(volunteer, "dispatcher")
        return volunteer

    return make
