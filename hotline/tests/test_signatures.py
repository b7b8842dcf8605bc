"""Every webhook checks Twilio's signature over PUBLIC_BASE_URL + path and the posted params."""

import pytest

from hotline.models import Call, Intake, Message, SmsOptOut
from hotline.signatures import DEV_AUTH_TOKEN

from .conftest import BASE_URL, payload, twiml

WEBHOOKS = [
    ("/hotline/voice/incoming/", "voice_incoming"),
    ("/hotline/voice/language/?attempt=1", "voice_gather"),
    ("/hotline/voice/screen/?volunteer=1&user=1&lang=ko", "voice_screen"),
    ("/hotline/voice/dial-status/?stage=volunteers&round=1", "voice_dial_status"),
    ("/hotline/voice/voicemail/", "voice_voicemail"),
    ("/hotline/voice/status/", "voice_status"),
    ("/hotline/voice/recording/", "voice_recording"),
    ("/hotline/voice/callback/?intake=1&to=12025550143", "voice_redirect"),
    ("/hotline/sms/incoming/", "sms_incoming"),
    ("/hotline/sms/status/", "sms_status"),
]


def nothing_written():
    return not (
        Call.objects.exists()
        or Intake.objects.exists()
        or Message.objects.exists()
        or SmsOptOut.objects.exists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "fixture"), WEBHOOKS)
def test_unsigned_request_is_refused_and_writes_nothing(twilio, path, fixture):
    response = twilio.post(path, payload(fixture), signed=False)

    assert response.status_code == 403
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "fixture"), WEBHOOKS)
def test_request_signed_with_another_token_is_refused(twilio, path, fixture):
    params = payload(fixture)
    forged = twilio.signature(BASE_URL + path, params, token="not-the-account-token")

    response = twilio.post(path, params, signature=forged)

    assert response.status_code == 403
    assert nothing_written()


@pytest.mark.django_db
def test_signed_request_is_accepted(twilio):
    response = twilio.post("/hotline/voice/incoming/", payload("voice_incoming"))

    twiml(response)
    assert Call.objects.filter(call_sid=payload("voice_incoming")["CallSid"]).exists()


@pytest.mark.django_db
def test_a_parameter_changed_after_signing_is_refused(twilio):
    params = payload("voice_gather", Digits="2")
    signature = twilio.signature(BASE_URL + "/hotline/voice/language/?attempt=1", params)

    response = twilio.post(
        "/hotline/voice/language/?attempt=1", {**params, "Digits": "3"}, signature=signature
    )

    assert response.status_code == 403
    assert nothing_written()


@pytest.mark.django_db
def test_query_string_is_part_of_the_signed_url(twilio):
    params = payload("voice_dial_status")
    signed_without_query = twilio.signature(BASE_URL + "/hotline/voice/dial-status/", params)

    response = twilio.post(
        "/hotline/voice/dial-status/?stage=fallback", params, signature=signed_without_query
    )

    assert response.status_code == 403


@pytest.mark.django_db
def test_signature_over_the_request_host_instead_of_public_base_url_is_refused(twilio):
    """An attacker cannot make us check the signature against a URL they choose."""
    params = payload("voice_incoming")
    signed_for_request_host = twilio.signature("http://testserver/hotline/voice/incoming/", params)

    response = twilio.post("/hotline/voice/incoming/", params, signature=signed_for_request_host)

    assert response.status_code == 403
    assert nothing_written()


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    assert client.get("/hotline/voice/incoming/").status_code == 405


@pytest.mark.django_db
def test_only_the_explicit_setting_turns_checking_off(twilio, settings):
    settings.HOTLINE_VERIFY_SIGNATURES = False

    response = twilio.post("/hotline/voice/incoming/", payload("voice_incoming"), signed=False)

    twiml(response)
    assert Call.objects.count() == 1


@pytest.mark.django_db
def test_without_a_token_in_production_everything_is_refused(twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.DEBUG = False
    params = payload("voice_incoming")

    response = twilio.post(
        "/hotline/voice/incoming/",
        params,
        signature=twilio.signature(BASE_URL + "/hotline/voice/incoming/", params, token=DEV_AUTH_TOKEN),
    )

    assert response.status_code == 403
    assert nothing_written()


@pytest.mark.django_db
def test_development_token_is_used_when_debug_has_no_token(twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.DEBUG = True
    params = payload("voice_incoming")

    response = twilio.post(
        "/hotline/voice/incoming/",
        params,
        signature=twilio.signature(BASE_URL + "/hotline/voice/incoming/", params, token=DEV_AUTH_TOKEN),
    )

    twiml(response)
    assert Call.objects.count() == 1


@pytest.mark.django_db
def test_nul_characters_are_dropped_after_the_signature_check(twilio):
    """PostgreSQL text cannot hold NUL: a signed caller ID or body carrying one is still stored."""
    from hotline.models import Call, Message

    sid = "CA" + "5" * 32
    response = twilio.post(
        "/hotline/voice/incoming/", payload("voice_incoming", CallSid=sid, From="+1202555\x000143")
    )
    assert response.status_code == 200
    assert Call.objects.get(call_sid=sid).from_number == "+12025550143"

    body = "I need\x00 help"
    response = twilio.post(
        "/hotline/sms/incoming/", payload("sms_incoming", Body=body, MessageSid="SM" + "6" * 32)
    )
    assert response.status_code == 200
    assert Message.objects.get(message_sid="SM" + "6" * 32).body == "I need help"
