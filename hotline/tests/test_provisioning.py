"""HOTLINE_NUMBER's configuration at Twilio: `twilio_configure`, the deploy check, and the static
fallback TwiML. Twilio is the SDK over a fake transport (the backend's HTTP seam), offline."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hotline.checks import twilio_number_check
from hotline.messaging import TwilioBackend, override_backend

from .conftest import AUTH_TOKEN, BASE_URL, HOTLINE_NUMBER
from .test_messaging import ACCOUNT, FakeTransport

NUMBERS = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers"
PN = "PN0123456789abcdef0123456789abcdef"
FALLBACK_TWIML = "https://static.example.net/hotline/fallback.xml"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.HOTLINE_VOICE_FALLBACK_URL = FALLBACK_TWIML
    settings.HOTLINE_SMS_FALLBACK_URL = ""
    return settings


def number(**fields) -> dict:
    return {
        "sid": PN,
        "account_sid": ACCOUNT,
        "phone_number": HOTLINE_NUMBER,
        "voice_url": "https://demo.twilio.com/welcome/voice/",
        "voice_method": "POST",
        "voice_fallback_url": None,
        "voice_fallback_method": "POST",
        "status_callback": "",
        "status_callback_method": "POST",
        "sms_url": "https://demo.twilio.com/welcome/sms/reply",
        "sms_method": "POST",
        "sms_fallback_url": "",
        "sms_fallback_method": "POST",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{PN}.json",
        **fields,
    }


CONFIGURED = {
    "voice_url": f"{BASE_URL}/hotline/voice/incoming/",
    "status_callback": f"{BASE_URL}/hotline/voice/status/",
    "sms_url": f"{BASE_URL}/hotline/sms/incoming/",
    "voice_fallback_url": FALLBACK_TWIML,
    "voice_fallback_method": "GET",
}


def listing(*numbers: dict):
    return (200, {"incoming_phone_numbers": list(numbers), "next_page_uri": None})


def run(transport, *args) -> str:
    out = StringIO()
    with override_backend(TwilioBackend(http_client=transport)):
        call_command("twilio_configure", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_changes_and_changes_nothing():
    transport = FakeTransport(listing(number()), listing(number()))

    out = run(transport, "--dry-run")

    assert (
        f"voice_url: https://demo.twilio.com/welcome/voice/ -> {BASE_URL}/hotline/voice/incoming/ (would change)"
        in out
    )
    assert f"status_callback: (empty) -> {BASE_URL}/hotline/voice/status/" in out
    assert f"voice_fallback_url: (empty) -> {FALLBACK_TWIML}" in out
    assert "voice_fallback_method: POST -> GET" in out
    assert "sms_fallback_url" not in out  # not configured: left alone
    assert [r["method"] for r in transport.requests] == ["GET", "GET"]
    assert transport.requests[0]["uri"] == f"{NUMBERS}.json"
    assert transport.requests[0]["params"]["PhoneNumber"] == HOTLINE_NUMBER


def test_configure_sets_the_urls_through_the_api():
    transport = FakeTransport(listing(number()), listing(number()), (200, number(**CONFIGURED)))

    out = run(transport)

    update = transport.requests[-1]
    assert (update["method"], update["uri"]) == ("POST", f"{NUMBERS}/{PN}.json")
    assert update["data"] == {
        "VoiceUrl": f"{BASE_URL}/hotline/voice/incoming/",
        "StatusCallback": f"{BASE_URL}/hotline/voice/status/",
        "SmsUrl": f"{BASE_URL}/hotline/sms/incoming/",
        "VoiceFallbackUrl": FALLBACK_TWIML,
        "VoiceFallbackMethod": "GET",
    }
    assert "5 setting(s) of the number changed." in out


def test_configure_when_all_is_set_changes_nothing():
    transport = FakeTransport(
        listing(number(**CONFIGURED)), listing(number(**CONFIGURED, voice_method="post"))
    )

    assert "nothing changed" in run(transport)
    assert all(r["method"] == "GET" for r in transport.requests)


def test_a_number_not_in_the_account_is_an_error():
    with pytest.raises(CommandError, match="is not a number of this Twilio account"):
        run(FakeTransport(listing()))


def test_deploy_check_warns_when_the_number_points_elsewhere(settings):
    with override_backend(TwilioBackend(http_client=FakeTransport(listing(number())))):
        [warning] = twilio_number_check(None)
    assert warning.id == "hotline.W006"
    assert "voice_url is 'https://demo.twilio.com/welcome/voice/'" in warning.msg
    assert "twilio_configure" in warning.hint

    with override_backend(TwilioBackend(http_client=FakeTransport(listing(number(**CONFIGURED))))):
        assert twilio_number_check(None) == []


def test_deploy_check_without_credentials_asks_nothing(settings):
    settings.TWILIO_AUTH_TOKEN = ""
    transport = FakeTransport()
    with override_backend(TwilioBackend(http_client=transport)):
        assert twilio_number_check(None) == []
    assert transport.requests == []


def test_deploy_check_says_when_twilio_cannot_be_asked(settings):
    with override_backend(
        TwilioBackend(http_client=FakeTransport((401, {"code": 20003, "message": "Authenticate"})))
    ):
        [warning] = twilio_number_check(None)
    assert warning.id == "hotline.W007"


def fallback_document(settings) -> ET.Element:
    out = StringIO()
    call_command("fallback_twiml", stdout=out)
    return ET.fromstring(out.getvalue())  # noqa: S314 - our own command's TwiML


def test_fallback_twiml_dials_the_fallback_number_and_calls_nothing_back(settings):
    settings.FALLBACK_NUMBER = "+12025550999"
    root = fallback_document(settings)

    says = [say.text for say in root.iter("Say")]
    assert says[0] == "If you are in immediate danger, hang up and dial 911."
    assert len(says) == 9  # safety line, hold, sorry: in English, Korean and Spanish
    assert root.find("Dial").text == "+12025550999"
    assert root.find("Hangup") is not None
    # Nothing points back at this server: it is what Twilio plays when the server is gone.
    assert all("action" not in element.attrib and "url" not in element.attrib for element in root.iter())


def test_fallback_twiml_without_a_fallback_number_says_so_and_hangs_up(settings, tmp_path):
    settings.FALLBACK_NUMBER = ""
    path = tmp_path / "fallback.xml"
    call_command("fallback_twiml", "--output", str(path), stderr=StringIO())
    root = ET.fromstring(path.read_text())  # noqa: S314

    assert root.find("Dial") is None
    assert [say.text for say in root.iter("Say")][-3] == "Sorry, no volunteer can take your call right now."
    assert root.find("Hangup") is not None
