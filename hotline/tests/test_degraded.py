"""Never drop a caller: with the database or Redis failing, the webhooks still answer TwiML."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from hotline import messaging
from hotline.models import Call, Intake
from hotline.tasks import missed_call_sweep

from .conftest import payload, says, twiml


@contextmanager
def database_down():
    """Every query on the default connection fails as if the server had gone away."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.mark.django_db(transaction=True)
def test_database_down_on_incoming_call_dials_the_fallback_number(twilio, settings):
    settings.FALLBACK_NUMBER = "+12025550999"

    with database_down():
        root = twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming")))

    assert says(root)[0] == ("en-US", "If you are in immediate danger, hang up and dial 911.")
    dial = root.find("Dial")
    assert dial.find("Number").text == "+12025550999"
    assert "stage=fallback" in dial.get("action")
    assert not Call.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_down_without_fallback_number_records_a_voicemail(twilio):
    with database_down():
        root = twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming")))

    record = root.find("Record")
    assert record.get("maxLength") == "180"
    assert record.get("action").endswith("/hotline/voice/voicemail/")
    assert root.find("Dial") is None


@pytest.mark.django_db(transaction=True)
def test_manager_raising_after_the_menu_still_answers(twilio, settings):
    settings.FALLBACK_NUMBER = "+12025550999"
    twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming")))

    with mock.patch.object(Call.objects, "get_or_create", side_effect=OperationalError("disk full")):
        root = twiml(twilio.post("/hotline/voice/language/?attempt=1", payload("voice_gather", Digits="1")))

    assert root.find("Dial").find("Number").text == "+12025550999"
    assert not Intake.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_down_after_the_menu_still_reaches_someone(twilio, settings):
    settings.FALLBACK_NUMBER = "+12025550999"
    twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming")))

    with database_down():
        root = twiml(twilio.post("/hotline/voice/language/?attempt=1", payload("voice_gather", Digits="2")))

    assert root.find("Dial").find("Number").text == "+12025550999"


@pytest.mark.django_db(transaction=True)
def test_database_down_after_the_fallback_failed_records_instead_of_redialling(twilio, settings):
    settings.FALLBACK_NUMBER = "+12025550999"

    with database_down():
        root = twiml(
            twilio.post("/hotline/voice/dial-status/?stage=fallback&lang=en", payload("voice_dial_status"))
        )

    assert root.find("Dial") is None
    assert root.find("Record") is not None


@pytest.mark.django_db(transaction=True)
def test_voicemail_left_while_the_database_was_down_is_stored_by_the_recording_callback(twilio):
    with database_down():
        thanks = twiml(twilio.post("/hotline/voice/voicemail/", payload("voice_voicemail")))
    assert thanks.find("Hangup") is not None

    twilio.post("/hotline/voice/recording/", payload("voice_recording"))

    call = Call.objects.get()
    assert call.outcome == Call.Outcome.VOICEMAIL
    assert call.recording_url == payload("voice_recording")["RecordingUrl"]
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK


@pytest.mark.django_db(transaction=True)
def test_accepting_while_the_database_is_down_still_connects(twilio):
    params = payload("voice_screen", Digits="1")

    with database_down():
        root = twiml(twilio.post("/hotline/voice/screen/?volunteer=1&user=1&lang=en", params))

    assert root.find("Hangup") is None
    assert says(root) == [("en-US", "Connecting you to the caller now.")]


@pytest.mark.django_db(transaction=True)
def test_forged_requests_are_refused_even_when_the_database_is_down(twilio):
    with database_down():
        response = twilio.post("/hotline/voice/incoming/", payload("voice_incoming"), signed=False)

    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_database_down_on_a_text_answers_with_what_to_do(twilio):
    with database_down():
        root = twiml(
            twilio.post("/hotline/sms/incoming/", payload("sms_incoming", Body="Necesito ayuda por favor"))
        )

    assert root.find("Message").text.startswith("Lo sentimos, no pudimos recibir su mensaje")


@pytest.mark.django_db(transaction=True)
def test_broker_down_at_voicemail_still_answers_and_the_sweep_texts_later(twilio, on_shift_dispatcher):
    dispatcher = on_shift_dispatcher()
    twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming")))
    twiml(twilio.post("/hotline/voice/language/?attempt=1", payload("voice_gather", Digits="1")))
    with mock.patch("hotline.tasks.notify_missed_call.delay", side_effect=BrokerError("Redis is down")):
        dial = twiml(
            twilio.post("/hotline/voice/dial-status/?stage=volunteers&round=1", payload("voice_dial_status"))
        )

    assert dial.find("Record") is not None
    assert Intake.objects.get().status == Intake.Status.NEEDS_CALLBACK
    assert messaging.outbox == []

    Call.objects.update(updated_at=timezone.now() - timedelta(minutes=5))  # the sweep waits a minute
    sent = missed_call_sweep()

    assert sent == 1
    assert [m.to for m in messaging.outbox] == [str(dispatcher.phone)]
    assert missed_call_sweep() == 0
