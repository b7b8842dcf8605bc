"""Answering in the browser (hotline.softphone): the access token and who gets one, the
browser's presence, the opt-in, ringing the browser beside the phones, and the CSP."""

from __future__ import annotations

import time

import jwt
import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from hotline import twiml as twiml_docs
from hotline.models import Call
from hotline.softphone import client_identity
from hotline.tests.conftest import payload, twiml
from volunteers.tests.factories import UserFactory, VolunteerFactory

API_KEY_SID = "SK0123456789abcdef0123456789abcdef"
API_KEY_SECRET = "softphone-test-secret-0123456789"  # noqa: S105 - a test value
APP_SID = "AP0123456789abcdef0123456789abcdef"
TOKEN = reverse("hotline:softphone_token")
PRESENCE = reverse("hotline:softphone_presence")
OPT_IN = reverse("hotline:softphone_opt_in")


@pytest.fixture
def softphone_on(settings):
    settings.TWILIO_API_KEY_SID = API_KEY_SID
    settings.TWILIO_API_KEY_SECRET = API_KEY_SECRET
    settings.TWILIO_TWIML_APP_SID = APP_SID
    settings.SOFTPHONE_TOKEN_TTL_SECONDS = 600
    settings.SOFTPHONE_CSP_CONNECT = ["wss://voice-js.roaming.twilio.com"]
    return settings


@pytest.fixture
def browser_dispatcher(on_shift_dispatcher):
    """An on-shift dispatcher who opted in to answering in the browser."""
    volunteer = on_shift_dispatcher(user__roles=("Volunteer", "Dispatcher"), answers_in_browser=True)
    return volunteer


def _claims(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    return jwt.decode(body["token"], API_KEY_SECRET, algorithms=["HS256"], audience=None)


# --- the token ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_carries_a_voice_grant_for_the_opaque_identity_and_expires_soon(
    client, softphone_on, browser_dispatcher
):
    client.force_login(browser_dispatcher.user)
    before = int(time.time())
    response = client.post(TOKEN)
    claims = _claims(response)
    identity = client_identity(user_id=browser_dispatcher.user_id)
    assert response.json()["identity"] == identity
    assert claims["grants"]["identity"] == identity
    assert claims["grants"]["voice"] == {
        "incoming": {"allow": True},
        "outgoing": {"application_sid": APP_SID},
    }
    assert claims["iss"] == API_KEY_SID
    assert claims["sub"] == softphone_on.TWILIO_ACCOUNT_SID
    assert before + 590 <= claims["exp"] <= int(time.time()) + 600
    # Opaque: neither the name, the number nor the user id shows in the identity.
    for secret in (
        browser_dispatcher.first_name,
        str(browser_dispatcher.phone),
        browser_dispatcher.user.username,
    ):
        assert secret not in identity
    assert identity != client_identity(user_id=browser_dispatcher.user_id + 1)
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(
        actor=browser_dispatcher.user, what="softphone: access token issued"
    ).exists()


@pytest.mark.django_db
def test_token_lifetime_is_configurable(client, softphone_on, browser_dispatcher):
    softphone_on.SOFTPHONE_TOKEN_TTL_SECONDS = 120
    client.force_login(browser_dispatcher.user)
    claims = _claims(client.post(TOKEN))
    assert claims["exp"] <= int(time.time()) + 120


@pytest.mark.django_db
def test_token_needs_a_post(client, softphone_on, browser_dispatcher):
    client.force_login(browser_dispatcher.user)
    assert client.get(TOKEN).status_code == 405


def _refused(response, reason: str) -> None:
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": reason}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_token_refused_when_the_softphone_is_not_configured(client, settings, browser_dispatcher):
    settings.TWILIO_API_KEY_SID = ""
    client.force_login(browser_dispatcher.user)
    _refused(client.post(TOKEN), "unconfigured")
    assert not AuditEntry.objects.filter(what="softphone: access token issued").exists()


@pytest.mark.django_db
def test_token_refused_when_signed_out(client, softphone_on):
    _refused(client.post(TOKEN), "signed_out")


@pytest.mark.django_db
def test_token_refused_to_a_volunteer_who_is_not_a_dispatcher(client, softphone_on):
    volunteer = VolunteerFactory(user__roles=("Volunteer", "Responder"), answers_in_browser=True)
    client.force_login(volunteer.user)
    _refused(client.post(TOKEN), "not_dispatcher")


@pytest.mark.django_db
def test_token_refused_to_a_dispatcher_not_on_shift(client, softphone_on):
    volunteer = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"), answers_in_browser=True)
    client.force_login(volunteer.user)
    _refused(client.post(TOKEN), "not_on_shift")


@pytest.mark.django_db
def test_token_refused_to_a_dispatcher_who_did_not_opt_in(client, softphone_on, on_shift_dispatcher):
    volunteer = on_shift_dispatcher(user__roles=("Volunteer", "Dispatcher"))
    client.force_login(volunteer.user)
    _refused(client.post(TOKEN), "not_opted_in")


@pytest.mark.django_db
def test_token_refused_to_a_coordinator_without_a_volunteer_record(client, softphone_on):
    client.force_login(UserFactory(roles=("Coordinator",)))
    _refused(client.post(TOKEN), "not_opted_in")


@pytest.mark.django_db
def test_token_needs_the_second_factor(client, softphone_on, browser_dispatcher):
    softphone_on.TWO_FACTOR_REQUIRED = True
    user = browser_dispatcher.user
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)  # the password step only
    _refused(client.post(TOKEN), "second_factor")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert _claims(client.post(TOKEN))["grants"]["identity"] == client_identity(user_id=user.pk)


# --- presence and opt-in ------------------------------------------------------------------


@pytest.mark.django_db
def test_presence_ready_then_off(client, softphone_on, browser_dispatcher):
    client.force_login(browser_dispatcher.user)
    assert client.post(PRESENCE, {"state": "ready"}).json() == {"ready": True}
    browser_dispatcher.refresh_from_db()
    assert browser_dispatcher.browser_ready_until > timezone.now()
    assert client.post(PRESENCE, {"state": "off"}).json() == {"ready": False}
    browser_dispatcher.refresh_from_db()
    assert browser_dispatcher.browser_ready_until is None


@pytest.mark.django_db
def test_presence_ready_refused_off_shift(client, softphone_on):
    volunteer = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"), answers_in_browser=True)
    client.force_login(volunteer.user)
    _refused(client.post(PRESENCE, {"state": "ready"}), "not_on_shift")
    volunteer.refresh_from_db()
    assert volunteer.browser_ready_until is None


@pytest.mark.django_db
def test_opt_in_and_out_from_the_console(client, softphone_on, on_shift_dispatcher):
    volunteer = on_shift_dispatcher(user__roles=("Volunteer", "Dispatcher"))
    client.force_login(volunteer.user)
    console = reverse("dispatch:console")
    response = client.post(OPT_IN, {"on": "1", "next": console})
    assert response.status_code == 302 and response["Location"] == console
    volunteer.refresh_from_db()
    assert volunteer.answers_in_browser
    client.post(PRESENCE, {"state": "ready"})
    client.post(OPT_IN, {"on": "0", "next": "https://elsewhere.example/"})
    volunteer.refresh_from_db()
    assert not volunteer.answers_in_browser and volunteer.browser_ready_until is None
    assert AuditEntry.objects.filter(what="softphone: answering in the browser on").exists()


# --- ringing ------------------------------------------------------------------------------


def _ready(volunteer):
    volunteer.browser_ready_until = timezone.now() + timezone.timedelta(minutes=5)
    volunteer.save(update_fields=["browser_ready_until"])
    return volunteer


def _dial(root):
    dial = root.find("Dial")
    assert dial is not None
    return dial


@pytest.mark.django_db
def test_ready_browser_rings_in_the_same_dial_as_the_phones(twilio, softphone_on, on_shift_dispatcher):
    browser = _ready(on_shift_dispatcher(answers_in_browser=True, last_name="Adams"))
    phone_only = on_shift_dispatcher(last_name="Baker")
    root = twiml(twilio.post("/hotline/voice/language/", payload("voice_incoming", Digits="2")))
    dial = _dial(root)
    numbers = [n.text for n in dial.findall("Number")]
    assert numbers == [str(browser.phone), str(phone_only.phone)]
    (client,) = dial.findall("Client")
    assert client.find("Identity").text == client_identity(user_id=browser.user_id)
    parameters = {p.get("name"): p.get("value") for p in client.findall("Parameter")}
    call = Call.objects.get(call_sid=payload("voice_incoming")["CallSid"])
    assert parameters == {"language": "ko", "intake_url": call.intake.get_absolute_url()}
    assert "client=1" in client.get("url") and f"volunteer={browser.pk}" in client.get("url")


@pytest.mark.django_db
def test_browser_not_rung_when_not_ready_or_softphone_off(
    twilio, settings, softphone_on, on_shift_dispatcher
):
    on_shift_dispatcher(answers_in_browser=True)  # opted in, but no console ready
    stale = on_shift_dispatcher(answers_in_browser=True)
    stale.browser_ready_until = timezone.now() - timezone.timedelta(seconds=1)
    stale.save(update_fields=["browser_ready_until"])
    _ready(on_shift_dispatcher(answers_in_browser=False))  # ready flag alone is not an opt-in
    root = twiml(twilio.post("/hotline/voice/language/", payload("voice_incoming", Digits="1")))
    assert _dial(root).findall("Client") == []
    assert len(_dial(root).findall("Number")) == 3


@pytest.mark.django_db
def test_softphone_unconfigured_rings_phones_only(twilio, settings, on_shift_dispatcher):
    _ready(on_shift_dispatcher(answers_in_browser=True))
    settings.TWILIO_TWIML_APP_SID = ""
    root = twiml(twilio.post("/hotline/voice/language/", payload("voice_incoming", Digits="1")))
    assert _dial(root).findall("Client") == [] and len(_dial(root).findall("Number")) == 1


@pytest.mark.django_db
def test_ten_nouns_at_most_people_first(softphone_on, on_shift_dispatcher):
    from volunteers.models import Volunteer

    for index in range(8):
        _ready(on_shift_dispatcher(answers_in_browser=True, last_name=f"A{index:02d}"))
    for index in range(4):
        on_shift_dispatcher(last_name=f"B{index:02d}")
    volunteers = list(Volunteer.objects.order_by("last_name"))
    document = twiml_docs.ring_dispatchers(volunteers=volunteers, language="en", round_=1, caller_id="")
    dial = document.verbs[-1]
    nouns = [type(noun).__name__ for noun in dial.verbs]
    assert len(nouns) == twiml_docs.MAX_NUMBERS_PER_DIAL
    assert nouns.count("Number") == 10  # ten people reached, no browser crowding a phone out

    few = volunteers[:3] + volunteers[8:10]
    dial = twiml_docs.ring_dispatchers(volunteers=few, language="en", round_=1, caller_id="").verbs[-1]
    nouns = [type(noun).__name__ for noun in dial.verbs]
    assert nouns.count("Number") == 5 and nouns.count("Client") == 3


@pytest.mark.django_db
def test_browser_answer_accepts_the_call_without_the_press_1_prompt(
    twilio, softphone_on, on_shift_dispatcher
):
    browser = _ready(on_shift_dispatcher(answers_in_browser=True))
    root = twiml(twilio.post("/hotline/voice/language/", payload("voice_incoming", Digits="1")))
    url = _dial(root).find("Client").get("url")
    parent = payload("voice_incoming")["CallSid"]
    identity = client_identity(user_id=browser.user_id)
    leg = {
        "CallSid": "CAclientleg",
        "ParentCallSid": parent,
        "To": f"client:{identity}",
        "From": "+12025550100",
    }
    answer = twiml(twilio.post(url, leg))
    assert answer.find("Gather") is None and answer.find("Hangup") is None
    call = Call.objects.get(call_sid=parent)
    assert call.answered_by_id == browser.user_id and call.outcome == Call.Outcome.ANSWERED
    # A phone that answers afterwards is too late: first answer wins.
    phone_url = _dial(root).find("Number").get("url")
    late = twiml(
        twilio.post(
            phone_url,
            {"CallSid": "CAphone", "ParentCallSid": parent, "To": str(browser.phone), "Digits": "1"},
        )
    )
    assert late.find("Hangup") is not None


# --- the policy ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_csp_names_twilio_only_when_the_softphone_is_on(client, settings, softphone_on):
    response = client.get(reverse("login"))
    directives = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert directives["connect-src"] == "'self' wss://voice-js.roaming.twilio.com"
    assert directives["script-src"] == "'self'"
    settings.TWILIO_API_KEY_SECRET = ""
    response = client.get(reverse("login"))
    directives = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert directives["connect-src"] == "'self'"


@pytest.mark.django_db
def test_csp_connect_sources_are_configurable_and_cannot_inject(client, softphone_on):
    softphone_on.SOFTPHONE_CSP_CONNECT = ["wss://voice-js.ashburn.us1.twilio.com", "x; script-src *"]
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "connect-src 'self' wss://voice-js.ashburn.us1.twilio.com;" in policy
    assert "script-src *" not in policy


# --- the console --------------------------------------------------------------------------


@pytest.mark.django_db
def test_console_shows_the_softphone_only_when_configured(client, settings, softphone_on, browser_dispatcher):
    client.force_login(browser_dispatcher.user)
    page = client.get(reverse("dispatch:console")).content.decode()
    assert 'id="softphone"' in page and "vendor/twilio-voice/twilio.min.js" in page
    assert "js/softphone.js" in page and 'id="softphone-status"' in page
    settings.TWILIO_API_KEY_SID = ""
    page = client.get(reverse("dispatch:console")).content.decode()
    assert 'id="softphone"' not in page and "twilio.min.js" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("ko", "브라우저 전화"), ("es", "Teléfono del navegador")])
def test_the_softphone_panel_speaks_the_language(client, softphone_on, browser_dispatcher, language, words):
    client.force_login(browser_dispatcher.user)
    client.cookies["django_language"] = language
    page = client.get(reverse("dispatch:console"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page
    assert "Browser phone" not in page and "Hang up" not in page


def test_a_half_configured_softphone_is_reported(settings):
    from hotline.checks import softphone_settings_check

    settings.TWILIO_API_KEY_SID = API_KEY_SID
    settings.TWILIO_API_KEY_SECRET = ""
    settings.TWILIO_TWIML_APP_SID = ""
    (warning,) = softphone_settings_check(None)
    assert warning.id == "hotline.W020" and "TWILIO_TWIML_APP_SID" in warning.msg
    settings.TWILIO_API_KEY_SECRET = API_KEY_SECRET
    settings.TWILIO_TWIML_APP_SID = APP_SID
    assert softphone_settings_check(None) == []
    settings.TWILIO_API_KEY_SID = settings.TWILIO_API_KEY_SECRET = settings.TWILIO_TWIML_APP_SID = ""
    assert softphone_settings_check(None) == []


def test_with_the_database_failing_a_browser_answer_is_still_put_through(rf):
    from hotline.webhooks import _screen_fallback

    request = rf.post("/hotline/voice/screen/?client=1&volunteer=3&user=4&lang=ko", {"ParentCallSid": "CA1"})
    assert "<Gather" not in str(_screen_fallback(request))
    assert "<Say" in str(_screen_fallback(request))
