"""Texts to the hotline: conversations, one automatic reply, STOP/START/HELP, volunteers' texts."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from hotline import messaging
from hotline.messaging import OptedOut, send_sms
from hotline.models import Intake, Message, SmsOptOut
from hotline.services import detect_language
from hotline.signals import sms_received

from .conftest import payload, twiml

SENDER = payload("sms_incoming")["From"]
_counter = iter(range(10_000))


def text(twilio, body, *, sender=SENDER, sid=None, **extra):
    sid = sid or f"SM{next(_counter):032d}"
    params = payload(
        "sms_incoming", Body=body, From=sender, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid, **extra
    )
    return twiml(twilio.post("/hotline/sms/incoming/", params))


def reply_of(root):
    message = root.find("Message")
    return None if message is None else message.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "language", "reply_start"),
    [
        ("Hi, my neighbor is outside yelling and seems really confused.", "en", "Thank you for texting"),
        ("안녕하세요, 동생이 너무 불안해해요. 도와주세요.", "ko", "지역 핫라인에 문자해 주셔서 감사합니다."),
        ("Hola, necesito ayuda con mi hermano, está muy confundido.", "es", "Gracias por escribir"),
    ],
)
def test_first_text_opens_an_intake_and_gets_one_reply_in_its_language(twilio, body, language, reply_start):
    root = text(twilio, body)

    intake = Intake.objects.get()
    assert (intake.channel, str(intake.caller), intake.language, intake.status) == (
        "sms",
        SENDER,
        language,
        "new",
    )
    assert reply_of(root).startswith(reply_start)
    inbound, outbound = intake.messages.all()
    assert (inbound.direction, inbound.body, inbound.status) == ("in", body, "received")
    assert (outbound.direction, outbound.body, outbound.to_number) == ("out", reply_of(root), SENDER)
    action = root.find("Message").get("action")
    assert urlsplit(action).path == "/hotline/sms/status/"
    assert parse_qs(urlsplit(action).query) == {"message": [str(outbound.pk)]}


@pytest.mark.django_db
def test_later_texts_continue_the_conversation_without_another_reply(twilio):
    text(twilio, "Hello, I need someone to talk to")
    root = text(twilio, "It's about my dad")
    text(twilio, "He hasn't eaten in days")

    assert reply_of(root) is None
    intake = Intake.objects.get()
    assert [(m.direction, m.body) for m in intake.messages.all()] == [
        ("in", "Hello, I need someone to talk to"),
        ("out", intake.messages.all()[1].body),
        ("in", "It's about my dad"),
        ("in", "He hasn't eaten in days"),
    ]


@pytest.mark.django_db
def test_a_closed_conversation_is_not_reopened(twilio):
    text(twilio, "Hello")
    Intake.objects.update(status=Intake.Status.CLOSED)

    root = text(twilio, "Hello again, it is happening again")

    assert Intake.objects.count() == 2
    assert reply_of(root) is not None


@pytest.mark.django_db
def test_the_same_message_sid_twice_is_stored_once(twilio):
    first = text(twilio, "Please help", sid="SMduplicate0000000000000000000001")
    second = text(twilio, "Please help", sid="SMduplicate0000000000000000000001")

    assert reply_of(first) is not None
    assert reply_of(second) is None
    assert Message.objects.filter(direction="in").count() == 1
    assert Intake.objects.count() == 1


@pytest.mark.django_db
def test_media_urls_are_kept(twilio):
    text(
        twilio,
        "this is where we are",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
    )

    assert Message.objects.get(direction="in").media_urls == [
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    ]


# --- STOP, START, HELP -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "ALTO", "중지"])
def test_stop_opts_out_and_nothing_is_texted_afterwards(twilio, word):
    root = text(twilio, word)

    assert reply_of(root) is None  # Twilio sends the opt-out confirmation itself
    assert SmsOptOut.objects.filter(phone=SENDER).exists()
    with pytest.raises(OptedOut) as raised:
        send_sms(to=SENDER, body="Are you safe?")
    assert raised.value.permanent
    assert messaging.outbox == []
    assert not Message.objects.filter(direction="out", body="Are you safe?").exists()


@pytest.mark.django_db
def test_opted_out_sender_texting_again_gets_no_automatic_reply(twilio):
    text(twilio, "STOP")

    root = text(twilio, "actually I do need help")

    assert reply_of(root) is None
    assert Intake.objects.get().messages.filter(direction="in").count() == 1


@pytest.mark.django_db
def test_start_opts_back_in_with_a_confirmation(twilio):
    text(twilio, "STOP")

    root = text(twilio, "START")

    assert reply_of(root) == "You will get texts from the community hotline again. Reply STOP to stop."
    assert not SmsOptOut.objects.exists()
    send_sms(to=SENDER, body="Checking in")
    assert [m.body for m in messaging.outbox] == ["Checking in"]


@pytest.mark.django_db
def test_help_replies_with_what_the_hotline_does_and_opens_an_intake(twilio):
    root = text(twilio, "AYUDA")

    assert reply_of(root).startswith("Línea de ayuda comunitaria:")
    assert Intake.objects.get().language == "es"


@pytest.mark.django_db
def test_stop_is_recorded_in_an_open_conversation(twilio):
    text(twilio, "Hello")
    text(twilio, "STOP")

    assert [m.body for m in Intake.objects.get().messages.filter(direction="in")] == ["Hello", "STOP"]


# --- volunteers' texts -------------------------------------------------------------------------


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    sms_received.connect(receiver)
    yield calls
    sms_received.disconnect(receiver)


@pytest.mark.django_db
def test_a_volunteers_text_goes_to_the_signal_not_to_an_intake(twilio, received):
    from volunteers.tests.factories import VolunteerFactory

    volunteer = VolunteerFactory()

    root = text(twilio, "YES", sender=str(volunteer.phone))

    assert reply_of(root) is None
    assert not Intake.objects.exists()
    [kwargs] = received
    assert kwargs["volunteer"] == volunteer
    assert kwargs["message"].body == "YES"
    assert kwargs["message"].intake is None
    assert kwargs["message"].pk is not None


@pytest.mark.django_db
def test_a_volunteer_texting_stop_is_opted_out_without_the_signal(twilio, received):
    from volunteers.tests.factories import VolunteerFactory

    volunteer = VolunteerFactory()

    text(twilio, "STOP", sender=str(volunteer.phone))

    assert received == []
    assert SmsOptOut.objects.filter(phone=str(volunteer.phone)).exists()


@pytest.mark.django_db
def test_a_failing_receiver_does_not_break_the_webhook(twilio):
    from volunteers.tests.factories import VolunteerFactory

    volunteer = VolunteerFactory()

    def broken(sender, **kwargs):
        raise RuntimeError("dispatch is having a bad day")

    sms_received.connect(broken)
    try:
        root = text(twilio, "NO", sender=str(volunteer.phone))
    finally:
        sms_received.disconnect(broken)

    assert root.tag == "Response"
    assert Message.objects.get(direction="in").body == "NO"


# --- status callbacks -------------------------------------------------------------------------


def status(twilio, sid, value, *, message_id=None, **extra):
    params = payload("sms_status", MessageSid=sid, SmsSid=sid, MessageStatus=value, SmsStatus=value, **extra)
    path = "/hotline/sms/status/" + (f"?message={message_id}" if message_id else "")
    response = twilio.post(path, params)
    assert response.status_code == 204


@pytest.mark.django_db
def test_status_callbacks_never_go_backwards(twilio):
    sent = send_sms(to="+12025550177", body="Checking in")

    status(twilio, sent.sid, "delivered", message_id=sent.message_id)
    status(twilio, sent.sid, "sent", message_id=sent.message_id)  # late and out of order

    assert Message.objects.get(pk=sent.message_id).status == "delivered"


@pytest.mark.django_db
def test_status_callback_names_the_automatic_reply(twilio):
    root = text(twilio, "Hello")
    reply = Message.objects.get(direction="out")
    action = root.find("Message").get("action")

    twiml_sid = "SMreply00000000000000000000000001"
    response = twilio.post(
        action,
        payload("sms_status", MessageSid=twiml_sid, SmsSid=twiml_sid, MessageStatus="sent", SmsStatus="sent"),
    )

    assert response.status_code == 204
    reply.refresh_from_db()
    assert (reply.message_sid, reply.status) == (twiml_sid, "sent")


@pytest.mark.django_db
def test_failed_status_keeps_the_error_code(twilio):
    sent = send_sms(to="+12025550177", body="Checking in")

    status(twilio, sent.sid, "undelivered", message_id=sent.message_id, ErrorCode="30003")

    message = Message.objects.get(pk=sent.message_id)
    assert (message.status, message.error_code) == ("undelivered", "30003")


# --- language detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("I'm scared, can someone come?", "en"),
        ("¿Pueden venir? Tengo miedo", "es"),
        ("Mi mamá no está bien", "es"),
        ("도움이 필요해요", "ko"),
        ("", "en"),
        ("123 Main St", "en"),
    ],
)
def test_detect_language(body, language):
    assert detect_language(body) == language


# --- concurrency (Postgres) ---------------------------------------------------------------------


def _concurrently(target, count=2):
    barrier = threading.Barrier(count)
    errors = []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            target()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions (Postgres)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_store_one_message(twilio):
    from django.test import Client

    from .conftest import TwilioRequests

    params = payload("sms_incoming")

    def deliver():
        response = TwilioRequests(Client()).post("/hotline/sms/incoming/", params)
        assert response.status_code == 200

    assert _concurrently(deliver, 4) == []
    assert Message.objects.filter(direction="in").count() == 1
    assert Intake.objects.count() == 1
    assert Message.objects.filter(direction="out").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions (Postgres)")
@pytest.mark.django_db(transaction=True)
def test_two_texts_at_once_from_a_new_number_make_one_conversation(twilio):
    from django.test import Client

    from .conftest import TwilioRequests

    sids = iter(["SMconcurrent000000000000000000001", "SMconcurrent000000000000000000002"])
    lock = threading.Lock()

    def deliver():
        with lock:
            sid = next(sids)
        params = payload("sms_incoming", MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)
        response = TwilioRequests(Client()).post("/hotline/sms/incoming/", params)
        assert response.status_code == 200

    assert _concurrently(deliver, 2) == []
    assert Intake.objects.count() == 1
    assert Message.objects.filter(direction="in", intake__isnull=False).count() == 2
