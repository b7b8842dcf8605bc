"""The voice flow, replayed with realistic signed Twilio requests and followed like Twilio does."""

from datetime import time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from hotline import messaging
from hotline.models import Call, Intake, OperatingHours

from .conftest import HOTLINE_NUMBER, payload, says, twiml

CALL_SID = payload("voice_incoming")["CallSid"]
CALLER = payload("voice_incoming")["From"]
KOREAN_SAFETY = "지금 위험한 상황이라면 전화를 끊고 911에 전화하세요."
SPANISH_SAFETY = "Si está en peligro inmediato, cuelgue y marque el 911."


def call_in(twilio, **overrides):
    return twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming", **overrides)))


def choose(twilio, digits, *, attempt=1, **overrides):
    params = payload("voice_gather", Digits=digits, **overrides)
    return twiml(twilio.post(f"/hotline/voice/language/?attempt={attempt}", params))


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def screen(twilio, number, *, digits=None, child_sid="CAchild00000000000000000000000001"):
    params = payload("voice_screen", To=number.text, Called=number.text, CallSid=child_sid)
    if digits is None:
        return twiml(twilio.post(number.get("url"), params))
    whisper = twiml(twilio.post(number.get("url"), params))
    action = whisper.find("Gather").get("action")
    return twiml(twilio.post(action, {**params, "Digits": digits, "FinishedOnKey": "", "msg": "Gather End"}))


def dial_ended(twilio, dial, **overrides):
    return twiml(twilio.post(dial.get("action"), payload("voice_dial_status", **overrides)))


# --- the menu -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_incoming_call_is_recorded_and_hears_safety_line_then_menu(twilio):
    root = call_in(twilio)

    call = Call.objects.get(call_sid=CALL_SID)
    assert (call.from_number, call.to_number, call.status) == (CALLER, HOTLINE_NUMBER, Call.Status.RINGING)
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action").endswith("/hotline/voice/language/?attempt=1")
    spoken = says(gather)
    assert spoken[0] == ("en-US", "If you are in immediate danger, hang up and dial 911.")
    assert ("ko-KR", KOREAN_SAFETY) in spoken[:3]
    assert ("es-US", SPANISH_SAFETY) in spoken[:3]
    assert spoken[3:] == [
        ("en-US", "For English, press 1."),
        ("ko-KR", "한국어 상담은 2번을 누르세요."),
        ("es-US", "Para español, oprima 3."),
    ]
    assert root.find("Play") is None  # no hold music, ever


@pytest.mark.django_db
def test_retried_incoming_webhook_makes_one_call(twilio):
    call_in(twilio)
    call_in(twilio)

    assert Call.objects.filter(call_sid=CALL_SID).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("digit", "language", "locale", "greeting"),
    [
        (
            "1",
            "en",
            "en-US",
            "Thank you for calling. We are connecting you with a volunteer. Please stay on the line.",
        ),
        (
            "2",
            "ko",
            "ko-KR",
            "전화해 주셔서 감사합니다. 자원봉사자와 연결해 드리고 있습니다. 끊지 말고 기다려 주세요.",
        ),
        (
            "3",
            "es",
            "es-US",
            "Gracias por llamar. Lo estamos comunicando con un voluntario. Por favor, no cuelgue.",
        ),
    ],
)
def test_each_language_opens_an_intake_and_rings_in_that_language(
    twilio, on_shift_dispatcher, digit, language, locale, greeting
):
    volunteer = on_shift_dispatcher(languages=[language])
    call_in(twilio)

    root = choose(twilio, digit)

    intake = Intake.objects.get(call__call_sid=CALL_SID)
    assert (intake.channel, intake.language, intake.status) == ("voice", language, Intake.Status.NEW)
    assert str(intake.caller) == CALLER
    assert Call.objects.get(call_sid=CALL_SID).language == language
    assert says(root)[0] == (locale, greeting)
    dial = root.find("Dial")
    assert dial.get("callerId") == HOTLINE_NUMBER
    assert dial.get("answerOnBridge") == "true"
    assert query(dial.get("action")) == {"stage": "volunteers", "round": "1"}
    [number] = dial.findall("Number")
    assert number.text == str(volunteer.phone)
    assert urlsplit(number.get("url")).path == "/hotline/voice/screen/"
    assert query(number.get("url")) == {
        "volunteer": str(volunteer.pk),
        "user": str(volunteer.user_id),
        "lang": language,
    }


@pytest.mark.django_db
def test_every_on_shift_dispatcher_rings_at_once_speakers_of_the_language_first(twilio, on_shift_dispatcher):
    english = on_shift_dispatcher(languages=["en"], last_name="Adams")
    korean = on_shift_dispatcher(languages=["ko"], last_name="Yoon")
    call_in(twilio)

    root = choose(twilio, "2")

    numbers = [n.text for n in root.find("Dial").findall("Number")]
    assert numbers == [str(korean.phone), str(english.phone)]
    assert root.find("Dial").get("sequential") is None  # simultaneous


@pytest.mark.django_db
def test_volunteers_not_on_shift_are_not_rung(twilio, on_shift_dispatcher):
    from volunteers.tests.factories import VolunteerFactory

    VolunteerFactory(languages=["ko"])  # a dispatcher without a shift now
    on_duty = on_shift_dispatcher(languages=["en"])
    call_in(twilio)

    root = choose(twilio, "2")

    assert [n.text for n in root.find("Dial").findall("Number")] == [str(on_duty.phone)]


@pytest.mark.django_db
def test_no_input_asks_once_more_then_continues_in_english(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    first = call_in(twilio)
    redirect = first.find("Redirect").text
    no_input = payload("voice_redirect")

    second = twiml(twilio.post(redirect, no_input))

    assert second.find("Gather").get("action").endswith("attempt=2")
    assert ("en-US", "Sorry, we did not get that.") in says(second)
    assert not Intake.objects.exists()

    third = twiml(twilio.post(second.find("Redirect").text, no_input))

    assert Intake.objects.get(call__call_sid=CALL_SID).language == "en"
    assert third.find("Dial") is not None


@pytest.mark.django_db
def test_wrong_digit_asks_once_more_then_english(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)

    again = choose(twilio, "9")
    assert again.find("Gather") is not None
    assert not Intake.objects.exists()

    choose(twilio, "7", attempt=2)
    assert Intake.objects.get().language == "en"


@pytest.mark.django_db
def test_retried_language_webhook_opens_one_intake(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)

    choose(twilio, "3")
    choose(twilio, "3")

    assert Intake.objects.count() == 1


@pytest.mark.django_db
def test_withheld_caller_id_gives_an_intake_without_number(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio, From="+266696687", Caller="+266696687")

    choose(twilio, "1", From="+266696687", Caller="+266696687")

    assert Intake.objects.get().caller == ""


# --- a dispatcher answers -----------------------------------------------------------------


@pytest.mark.django_db
def test_dispatcher_hears_whisper_presses_1_and_the_call_is_answered(twilio, on_shift_dispatcher):
    volunteer = on_shift_dispatcher(languages=["ko"])
    call_in(twilio)
    dial = choose(twilio, "2").find("Dial")
    number = dial.find("Number")

    whisper = screen(twilio, number)

    gather = whisper.find("Gather")
    assert says(gather) == [("en-US", "Hotline call. The caller chose Korean. Press 1 to take the call.")]
    assert whisper.find("Hangup") is not None  # silence (a voicemail greeting) hangs up
    assert Call.objects.get(call_sid=CALL_SID).answered_at is None

    accepted = screen(twilio, number, digits="1")

    assert says(accepted) == [("en-US", "Connecting you to the caller now.")]
    assert accepted.find("Hangup") is None
    call = Call.objects.get(call_sid=CALL_SID)
    assert call.answered_by == volunteer.user
    assert call.answered_number == str(volunteer.phone)
    assert call.outcome == Call.Outcome.ANSWERED
    assert call.answered_at is not None

    after = dial_ended(twilio, dial, DialCallStatus="completed", DialCallDuration="312", DialBridged="true")

    assert after.find("Hangup") is not None
    assert Intake.objects.get().status == Intake.Status.NEW  # dispatch triages it from here
    assert messaging.outbox == []


@pytest.mark.django_db
def test_pressing_another_key_declines(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)
    number = choose(twilio, "1").find("Dial").find("Number")

    declined = screen(twilio, number, digits="2")

    assert declined.find("Hangup") is not None
    assert Call.objects.get().answered_at is None


@pytest.mark.django_db
def test_volunteer_voicemail_answering_cannot_swallow_the_call(twilio, on_shift_dispatcher):
    """The first phone to pick up is a voicemail: it never presses 1, the others ring again."""
    first = on_shift_dispatcher(languages=["es"], last_name="Aaron")
    second = on_shift_dispatcher(languages=["es"], last_name="Zamora")
    call_in(twilio)
    dial = choose(twilio, "3").find("Dial")
    screen(twilio, dial.findall("Number")[0])  # answered by voicemail: whisper, no key

    again = dial_ended(twilio, dial, DialCallStatus="completed", DialCallDuration="31", DialBridged="false")

    redial = again.find("Dial")
    assert [n.text for n in redial.findall("Number")] == [str(second.phone)]
    assert query(redial.get("action")) == {"stage": "volunteers", "round": "2"}
    assert says(again)[0][0] == "es-US"
    assert Call.objects.get().screened_volunteer_ids == [first.pk]

    last = dial_ended(twilio, redial, DialCallStatus="no-answer")

    assert last.find("Record") is not None
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK


# --- nobody answers -------------------------------------------------------------------------


@pytest.mark.django_db
def test_nobody_answering_leads_to_voicemail_and_texts_dispatchers_once(
    twilio, on_shift_dispatcher, django_capture_on_commit_callbacks
):
    one = on_shift_dispatcher(languages=["ko"])
    two = on_shift_dispatcher(languages=["en"])
    call_in(twilio)
    dial = choose(twilio, "2").find("Dial")

    with django_capture_on_commit_callbacks(execute=True):
        root = dial_ended(twilio, dial, DialCallStatus="no-answer")
    with django_capture_on_commit_callbacks(execute=True):
        dial_ended(twilio, dial, DialCallStatus="no-answer")  # Twilio retried the callback

    record = root.find("Record")
    assert record.get("maxLength") == "180"
    assert urlsplit(record.get("action")).path == "/hotline/voice/voicemail/"
    assert urlsplit(record.get("recordingStatusCallback")).path == "/hotline/voice/recording/"
    assert says(root)[0] == ("ko-KR", "죄송합니다. 지금은 전화를 받을 수 있는 자원봉사자가 없습니다.")
    intake = Intake.objects.get()
    assert intake.status == Intake.Status.NEEDS_CALLBACK
    assert sorted(m.to for m in messaging.outbox) == sorted([str(one.phone), str(two.phone)])
    assert all(intake.get_absolute_url() in m.body for m in messaging.outbox)
    assert all("missed call" in m.body for m in messaging.outbox)
    assert Call.objects.get().missed_notified_at is not None


@pytest.mark.django_db
def test_busy_is_handled_like_no_answer(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)
    dial = choose(twilio, "1").find("Dial")

    root = dial_ended(twilio, dial, DialCallStatus="busy")

    assert root.find("Record") is not None


@pytest.mark.django_db
def test_nobody_on_shift_goes_straight_to_voicemail(twilio):
    call_in(twilio)

    root = choose(twilio, "1")

    assert root.find("Dial") is None
    assert root.find("Record") is not None
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK
    assert Call.objects.get().voicemail_offered_at is not None


@pytest.mark.django_db
def test_fallback_number_is_tried_before_voicemail(twilio, settings):
    settings.FALLBACK_NUMBER = "+12025550999"
    call_in(twilio)

    root = choose(twilio, "3")

    dial = root.find("Dial")
    assert dial.find("Number").text == "+12025550999"
    assert dial.find("Number").get("url") is None
    assert query(dial.get("action")) == {"stage": "fallback", "lang": "es"}
    assert root.find("Record") is None

    voicemail = dial_ended(twilio, dial, DialCallStatus="no-answer")

    assert voicemail.find("Record") is not None
    assert says(voicemail)[0][0] == "es-US"
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK


@pytest.mark.django_db
def test_fallback_answering_ends_the_flow(twilio, settings):
    settings.FALLBACK_NUMBER = "+12025550999"
    call_in(twilio)
    dial = choose(twilio, "1").find("Dial")

    root = dial_ended(twilio, dial, DialCallStatus="completed", DialCallDuration="200", DialBridged="true")

    assert root.find("Hangup") is not None
    call = Call.objects.get()
    assert call.outcome == Call.Outcome.FALLBACK
    assert call.answered_number == "+12025550999"


@pytest.mark.django_db
def test_after_hours_nobody_is_rung_and_the_caller_hears_we_are_closed(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    now = timezone.localtime()
    opens = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closes = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    for weekday in range(7):
        OperatingHours.objects.create(weekday=weekday, opens=opens, closes=closes)
    call_in(twilio)

    root = choose(twilio, "2")

    assert root.find("Dial") is None
    assert says(root)[0] == ("ko-KR", "지금은 자원봉사자가 전화를 받지 않는 시간입니다.")
    assert root.find("Record") is not None
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK


@pytest.mark.django_db
def test_inside_hours_dispatchers_ring(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    for weekday in range(7):
        OperatingHours.objects.create(weekday=weekday, opens=time(0, 0), closes=time(0, 0))
    call_in(twilio)

    assert choose(twilio, "1").find("Dial") is not None


@pytest.mark.django_db
def test_caller_hanging_up_while_phones_ring_needs_a_callback(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)
    dial = choose(twilio, "1").find("Dial")

    root = dial_ended(twilio, dial, CallStatus="completed", DialCallStatus="canceled")

    assert root.find("Hangup") is not None
    assert root.find("Record") is None
    call = Call.objects.get()
    assert call.outcome == Call.Outcome.ABANDONED
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK


# --- voicemail and callbacks in any order ---------------------------------------------------


def leave_voicemail(twilio):
    return twiml(twilio.post("/hotline/voice/voicemail/", payload("voice_voicemail")))


def recording_ready(twilio):
    response = twilio.post("/hotline/voice/recording/", payload("voice_recording"))
    assert response.status_code == 204


def call_completed(twilio, **overrides):
    response = twilio.post("/hotline/voice/status/", payload("voice_status", **overrides))
    assert response.status_code == 204


@pytest.mark.django_db
def test_voicemail_is_stored_and_the_caller_thanked(twilio):
    call_in(twilio)
    choose(twilio, "2")

    root = leave_voicemail(twilio)

    assert says(root)[0] == ("ko-KR", "감사합니다. 자원봉사자가 최대한 빨리 전화드리겠습니다.")
    assert root.find("Hangup") is not None
    call = Call.objects.get()
    assert call.recording_sid == payload("voice_voicemail")["RecordingSid"]
    assert call.recording_url == payload("voice_voicemail")["RecordingUrl"]
    assert call.recording_duration == 42
    assert call.outcome == Call.Outcome.VOICEMAIL


@pytest.mark.django_db
@pytest.mark.parametrize(
    "order",
    [
        ("voicemail", "recording", "status"),
        ("status", "recording", "voicemail"),
        ("recording", "status", "voicemail"),
        ("status", "voicemail", "recording"),
    ],
)
def test_callbacks_in_any_order_end_in_the_same_state(twilio, order):
    call_in(twilio)
    choose(twilio, "1")
    steps = {
        "voicemail": lambda: leave_voicemail(twilio),
        "recording": lambda: recording_ready(twilio),
        "status": lambda: call_completed(twilio),
    }

    for step in order:
        steps[step]()
    call_completed(twilio, CallStatus="in-progress")  # a late, out-of-order progress event

    call = Call.objects.get()
    assert call.status == Call.Status.COMPLETED
    assert call.ended_at is not None
    assert call.duration == 95
    assert call.outcome == Call.Outcome.VOICEMAIL
    assert call.recording_sid == payload("voice_recording")["RecordingSid"]
    assert call.recording_duration == 42
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK


@pytest.mark.django_db
def test_status_callback_for_an_unknown_call_creates_it(twilio):
    """The incoming webhook may have answered in degraded mode without writing anything."""
    call_completed(twilio)

    call = Call.objects.get()
    assert (call.call_sid, call.from_number, call.status) == (CALL_SID, CALLER, Call.Status.COMPLETED)
    assert call.outcome == Call.Outcome.ABANDONED
    assert not Intake.objects.exists()


@pytest.mark.django_db
def test_caller_hanging_up_in_the_menu_is_logged_without_an_intake(twilio):
    call_in(twilio)

    call_completed(twilio, CallDuration="6")

    call = Call.objects.get()
    assert (call.outcome, call.duration) == (Call.Outcome.ABANDONED, 6)
    assert not Intake.objects.exists()


@pytest.mark.django_db
def test_answered_call_keeps_its_outcome_when_completed(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)
    number = choose(twilio, "1").find("Dial").find("Number")
    screen(twilio, number, digits="1")

    call_completed(twilio)

    call = Call.objects.get()
    assert call.outcome == Call.Outcome.ANSWERED
    assert Intake.objects.get().status == Intake.Status.NEW


@pytest.mark.django_db
def test_recording_from_a_foreign_host_is_not_stored(twilio):
    call_in(twilio)

    twilio.post(
        "/hotline/voice/recording/",
        payload("voice_recording", RecordingUrl="https://evil.example/recording"),
    )

    assert Call.objects.get().recording_url == ""


# --- calling back -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_callback_twiml_dials_the_caller_showing_the_hotline_number(twilio):
    params = payload("voice_redirect", Direction="outbound-api", From=HOTLINE_NUMBER, To="+12025551001")

    root = twiml(twilio.post("/hotline/voice/callback/?intake=7&to=12025550143", params))

    dial = root.find("Dial")
    assert dial.get("callerId") == HOTLINE_NUMBER
    assert dial.find("Number").text == "+12025550143"


@pytest.mark.django_db
def test_callback_twiml_refuses_a_malformed_number(twilio):
    params = payload("voice_redirect")

    response = twilio.post("/hotline/voice/callback/?intake=7&to=evil", params)

    assert response.status_code == 400
