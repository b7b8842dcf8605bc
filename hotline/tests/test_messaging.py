"""hotline.messaging: the Twilio backend through the SDK's HTTP seam, console and memory backends."""

import io
import json
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone
from twilio.http import HttpClient
from twilio.http.response import Response

from hotline import messaging
from hotline.messaging import (
    ConsoleBackend,
    OptedOut,
    SmsError,
    TwilioBackend,
    get_backend,
    override_backend,
    reconcile_sms,
    send_sms,
    start_callback,
)
from hotline.models import Call, Message, SmsOptOut

from .conftest import BASE_URL, HOTLINE_NUMBER
from .factories import IntakeFactory

ACCOUNT = "AC0123456789abcdef0123456789abcdef"


class FakeTransport(HttpClient):
    """A twilio.http.HttpClient that records requests and answers from a script, offline."""

    def __init__(self, *answers):
        super().__init__(logger=None, is_async=False)
        self.answers = list(answers)
        self.requests = []

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append(
            {"method": method, "uri": uri, "params": params, "data": data, "headers": headers, "auth": auth}
        )
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return Response(status, json.dumps(body))


def message_resource(sid="SM0f1e2d3c4b5a69788796a5b4c3d2e1f0", status="queued"):
    return {
        "sid": sid,
        "account_sid": ACCOUNT,
        "status": status,
        "to": "+12025550177",
        "from": HOTLINE_NUMBER,
        "body": "Checking in",
        "direction": "outbound-api",
        "num_segments": "1",
        "date_created": "Tue, 14 Apr 2026 21:04:28 +0000",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
    }


@pytest.mark.django_db
def test_twilio_backend_sends_through_the_real_sdk():
    transport = FakeTransport((201, message_resource()))

    with override_backend(TwilioBackend(http_client=transport)):
        sent = send_sms(to="(202) 555-0177", body="Checking in")

    [request] = transport.requests
    assert request["method"] == "POST"
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["auth"] == (ACCOUNT, "12345678901234567890123456789012")
    assert request["data"]["To"] == "+12025550177"
    assert request["data"]["From"] == HOTLINE_NUMBER
    assert request["data"]["Body"] == "Checking in"
    callback = urlsplit(request["data"]["StatusCallback"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == f"{BASE_URL}/hotline/sms/status/"
    assert parse_qs(callback.query) == {"message": [str(sent.message_id)]}
    assert sent.sid == "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    message = Message.objects.get(pk=sent.message_id)
    assert (message.direction, message.message_sid, message.status) == ("out", sent.sid, "queued")


@pytest.mark.django_db
def test_status_callback_can_be_left_out():
    transport = FakeTransport((201, message_resource()))

    with override_backend(TwilioBackend(http_client=transport)):
        send_sms(to="+12025550177", body="Checking in", status_callback=False)

    assert "StatusCallback" not in transport.requests[0]["data"]


@pytest.mark.django_db
def test_twilio_refusing_an_invalid_number_is_a_permanent_error():
    error = {
        "code": 21211,
        "message": "The 'To' number +12025550177 is not a valid phone number.",
        "status": 400,
    }
    transport = FakeTransport((400, error))

    with override_backend(TwilioBackend(http_client=transport)), pytest.raises(SmsError) as raised:
        send_sms(to="+12025550177", body="Checking in")

    assert raised.value.permanent
    assert raised.value.code == "21211"
    message = Message.objects.get()
    assert (message.status, message.error_code) == ("failed", "21211")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [
        (503, {"code": 20503, "message": "Service unavailable", "status": 503}),
        (429, {"code": 20429, "message": "Too many requests", "status": 429}),
        requests.ConnectionError("connection reset by peer"),
    ],
)
def test_outages_and_rate_limits_are_retryable(answer):
    transport = FakeTransport(answer)

    with override_backend(TwilioBackend(http_client=transport)), pytest.raises(SmsError) as raised:
        send_sms(to="+12025550177", body="Checking in")

    assert not raised.value.permanent
    assert Message.objects.get().status == "failed"


@pytest.mark.django_db
def test_opted_out_numbers_never_reach_the_provider():
    SmsOptOut.objects.create(phone="+12025550177", keyword="STOP")
    transport = FakeTransport()

    with override_backend(TwilioBackend(http_client=transport)), pytest.raises(OptedOut):
        send_sms(to="+1 202 555 0177", body="Checking in")

    assert transport.requests == []
    assert not Message.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["", "not a number", "+266696687", "+1202"])
def test_invalid_numbers_are_refused_before_sending(number):
    with pytest.raises(SmsError) as raised:
        send_sms(to=number, body="Checking in")

    assert raised.value.permanent
    assert messaging.outbox == []


@pytest.mark.django_db
def test_missing_credentials_are_a_clear_error(settings):
    settings.TWILIO_AUTH_TOKEN = ""

    with (
        override_backend(TwilioBackend(http_client=FakeTransport())),
        pytest.raises(SmsError, match="TWILIO_"),
    ):
        send_sms(to="+12025550177", body="Checking in")


@pytest.mark.django_db
def test_callback_rings_the_dispatcher_first_then_bridges_to_the_caller(dispatcher):
    intake = IntakeFactory(caller="+12025550143", language="ko")
    call_resource = {
        "sid": "CA11112222333344445555666677778888",
        "account_sid": ACCOUNT,
        "status": "queued",
        "to": "+12025551001",
        "from": HOTLINE_NUMBER,
    }
    transport = FakeTransport((201, call_resource))

    with override_backend(TwilioBackend(http_client=transport)):
        started = start_callback(
            dispatcher_phone="+12025551001", caller_phone="+12025550143", intake=intake, by=dispatcher
        )

    [request] = transport.requests
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert request["data"]["To"] == "+12025551001"
    assert request["data"]["From"] == HOTLINE_NUMBER
    url = urlsplit(request["data"]["Url"])
    assert url.path == "/hotline/voice/callback/"
    assert parse_qs(url.query) == {"intake": [str(intake.pk)], "to": ["12025550143"]}
    assert request["data"]["StatusCallback"] == f"{BASE_URL}/hotline/voice/status/"
    call = Call.objects.get(pk=started.call_id)
    assert (call.call_sid, call.direction, call.callback_intake, call.answered_by) == (
        "CA11112222333344445555666677778888",
        "outbound",
        intake,
        dispatcher,
    )


@pytest.mark.django_db
def test_memory_backend_keeps_an_outbox():
    sent = send_sms(to="+12025550177", body="Checking in")

    assert get_backend().sent is messaging.outbox
    [entry] = messaging.outbox
    assert (entry.to, entry.from_, entry.body, entry.sid) == (
        "+12025550177",
        HOTLINE_NUMBER,
        "Checking in",
        sent.sid,
    )


@pytest.mark.django_db
def test_redacted_text_is_sent_whole_but_stored_without_its_secret():
    link = "https://hotline.example.org/accounts/reset/MQ/abc-123/"
    sent = send_sms(to="+12025550177", body=f"Welcome! Set your password: {link}", redact_body=True)

    [entry] = messaging.outbox
    assert link in entry.body
    stored = Message.objects.get(pk=sent.message_id)
    assert link not in stored.body
    assert stored.body == messaging.REDACTED_BODY


@pytest.mark.django_db
def test_console_backend_prints():
    stream = io.StringIO()

    with override_backend(ConsoleBackend(stream=stream)):
        send_sms(to="+12025550177", body="Checking in")

    assert stream.getvalue() == f"[sms] {HOTLINE_NUMBER} -> +12025550177: Checking in\n"


@pytest.mark.django_db
def test_backend_is_chosen_by_setting(settings):
    settings.SMS_BACKEND = "console"
    assert isinstance(get_backend(), ConsoleBackend)
    settings.SMS_BACKEND = "twilio"
    assert isinstance(get_backend(), TwilioBackend)
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(SmsError, match="SMS_BACKEND"):
        get_backend()


@pytest.mark.django_db
def test_callback_recorded_even_when_twilios_status_callback_came_first(dispatcher):
    from hotline.services import call_update_status

    intake = IntakeFactory(caller="+12025550143")
    sid = "CA11112222333344445555666677779999"
    call_update_status(call_sid=sid, status="ringing", from_number=HOTLINE_NUMBER, to_number="+12025551001")
    transport = FakeTransport((201, {"sid": sid, "account_sid": ACCOUNT, "status": "queued"}))

    with override_backend(TwilioBackend(http_client=transport)):
        start_callback(
            dispatcher_phone="+12025551001", caller_phone="+12025550143", intake=intake, by=dispatcher
        )

    call = Call.objects.get(call_sid=sid)
    assert (call.direction, call.callback_intake, call.status) == ("outbound", intake, "ringing")


@pytest.mark.django_db
def test_send_sms_many_keeps_the_rules_of_send_sms_in_a_few_queries(django_assert_num_queries):
    SmsOptOut.objects.create(phone="+12025550178", keyword="STOP")
    texts = [
        messaging.Text(to="(202) 555-0177", body="one"),
        messaging.Text(to="+12025550178", body="opted out"),
        messaging.Text(to="not a number", body="invalid"),
        messaging.Text(to="+12025550179", body="two"),
    ]
    # The opt-out check, one insert, one update: whatever the number of texts.
    with django_assert_num_queries(3):
        results = messaging.send_sms_many(texts)

    first, opted_out, invalid, second = results
    assert isinstance(opted_out, OptedOut) and opted_out.permanent
    assert isinstance(invalid, SmsError) and invalid.code == "invalid-number"
    assert [(e.to, e.body) for e in messaging.outbox] == [("+12025550177", "one"), ("+12025550179", "two")]
    for sent, entry in zip((first, second), messaging.outbox, strict=True):
        stored = Message.objects.get(pk=sent.message_id)
        assert (stored.message_sid, stored.status, stored.to_number) == (entry.sid, "queued", entry.to)
        assert entry.status_callback == messaging.sms_status_callback_url(stored)
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_send_sms_many_hooks_claim_before_and_record_after_each_hand_over():
    events = []

    def claim(index):
        events.append(("claim", index, len(messaging.outbox)))
        return index != 1

    texts = [messaging.Text(to=f"+1202555017{n}", body=f"text {n}") for n in range(3)]
    results = messaging.send_sms_many(
        texts, claim=claim, on_sent=lambda index, sent: events.append(("sent", index, sent.sid))
    )

    assert results[1] is None
    sids = [entry.sid for entry in messaging.outbox]
    assert events == [
        ("claim", 0, 0),
        ("sent", 0, sids[0]),
        ("claim", 1, 1),
        ("claim", 2, 1),
        ("sent", 2, sids[1]),
    ]
    # The text not claimed leaves no stored Message behind.
    assert sorted(Message.objects.values_list("to_number", flat=True)) == ["+12025550170", "+12025550172"]


@pytest.mark.django_db
def test_send_sms_many_keeps_a_status_that_arrived_before_the_update():
    class CallbackFirst(messaging.MemoryBackend):
        def send_sms(self, **kwargs):
            sid, status = super().send_sms(**kwargs)
            message_id = int(kwargs["status_callback"].rsplit("=", 1)[1])
            Message.objects.filter(pk=message_id).update(status="delivered")
            return sid, status

    with override_backend(CallbackFirst()):
        [sent] = messaging.send_sms_many([messaging.Text(to="+12025550177", body="hi")])
    stored = Message.objects.get(pk=sent.message_id)
    assert (stored.status, stored.message_sid) == ("delivered", sent.sid)


@pytest.mark.django_db
def test_send_sms_many_records_a_provider_error_on_the_stored_text():
    transport = FakeTransport(
        (400, {"code": 21211, "message": "The 'To' number is not valid.", "status": 400}),
        (201, message_resource()),
    )
    backend = TwilioBackend(
        account_sid=ACCOUNT, auth_token="12345678901234567890123456789012", http_client=transport
    )
    with override_backend(backend):
        refused, sent = messaging.send_sms_many(
            [messaging.Text(to="+12025550176", body="a"), messaging.Text(to="+12025550177", body="b")]
        )
    assert isinstance(refused, SmsError) and refused.permanent and refused.code == "21211"
    failed = Message.objects.get(to_number="+12025550176")
    assert (failed.status, failed.error_code, failed.message_sid) == ("failed", "21211", None)
    assert Message.objects.get(pk=sent.message_id).message_sid == sent.sid
    assert len(transport.requests) == 2


# --- Settling a text whose sender stopped mid-send (reconcile_sms, Backend.find_sent) ------------

LIST_URI = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def listed(*messages):
    """Twilio's answer to GET .../Messages.json: one page, newest first."""
    return (
        200,
        {
            "messages": list(messages),
            "first_page_uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=50&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": 50,
            "start": 0,
            "end": max(len(messages) - 1, 0),
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=50&Page=0",
        },
    )


def sent_resource(*, sid, body, created, status="queued", date_sent=None):
    return {
        **message_resource(sid=sid, status=status),
        "body": body,
        "date_created": format_datetime(created, usegmt=True),
        "date_sent": format_datetime(date_sent, usegmt=True) if date_sent else None,
    }


def unnamed_message(body="Checking in", *, created=None):
    """The Message `send_sms_many` stores before the hand-over, as a killed worker leaves it."""
    return Message.objects.create(
        direction="out",
        from_number=HOTLINE_NUMBER,
        to_number="+12025550177",
        body=body,
        status="sending",
        created_at=created or timezone.now() - timedelta(seconds=100),
    )


@pytest.mark.django_db
def test_twilio_lookup_finds_a_queued_text_by_its_creation_time():
    since = timezone.now() - timedelta(seconds=95)
    stored = unnamed_message(created=since - timedelta(seconds=1))
    transport = FakeTransport(
        listed(
            # Still queued at Twilio: no date_sent yet, so only date_created can place it.
            sent_resource(sid="SM" + "1" * 32, body="Checking in", created=since + timedelta(seconds=1)),
            sent_resource(
                sid="SM" + "2" * 32,
                body="An older text",
                created=since - timedelta(hours=2),
                status="delivered",
                date_sent=since - timedelta(hours=2),
            ),
        )
    )

    with override_backend(TwilioBackend(http_client=transport)):
        sent = reconcile_sms(to="(202) 555-0177", body="Checking in", since=since)

    [request] = transport.requests
    assert (request["method"], request["uri"]) == ("GET", LIST_URI)
    assert request["params"] == {"To": "+12025550177", "From": HOTLINE_NUMBER, "PageSize": 50}
    assert request["auth"] == (ACCOUNT, "12345678901234567890123456789012")
    assert (sent.sid, sent.status, sent.to, sent.message_id) == (
        "SM" + "1" * 32,
        "queued",
        "+12025550177",
        stored.pk,
    )
    stored.refresh_from_db()
    assert (stored.message_sid, stored.status) == ("SM" + "1" * 32, "queued")


@pytest.mark.django_db
def test_twilio_lookup_allows_for_clock_skew_and_whole_seconds():
    since = timezone.now() - timedelta(seconds=95)
    created = since - messaging.LOOKUP_CLOCK_SKEW + timedelta(seconds=1)
    transport = FakeTransport(listed(sent_resource(sid="SM" + "3" * 32, body="Checking in", created=created)))

    with override_backend(TwilioBackend(http_client=transport)):
        sent = reconcile_sms(to="+12025550177", body="Checking in", since=since)

    assert sent.sid == "SM" + "3" * 32
    # Nothing was stored for it (e.g. removed): the text the provider has is stored now.
    message = Message.objects.get(pk=sent.message_id)
    assert (message.direction, message.to_number, message.body, message.message_sid) == (
        "out",
        "+12025550177",
        "Checking in",
        sent.sid,
    )


@pytest.mark.django_db
def test_twilio_lookup_with_only_older_texts_says_never_sent_and_drops_the_stored_copy():
    since = timezone.now() - timedelta(seconds=95)
    stored = unnamed_message(created=since - timedelta(seconds=1))
    older = since - messaging.LOOKUP_CLOCK_SKEW - timedelta(seconds=5)
    transport = FakeTransport(
        listed(sent_resource(sid="SM" + "4" * 32, body="Checking in", created=older, date_sent=older))
    )

    with override_backend(TwilioBackend(http_client=transport)):
        assert reconcile_sms(to="+12025550177", body="Checking in", since=since) is None

    assert not Message.objects.filter(pk=stored.pk).exists()


@pytest.mark.django_db
def test_twilio_lookup_with_another_recent_text_cannot_tell():
    since = timezone.now() - timedelta(seconds=95)
    stored = unnamed_message(created=since - timedelta(seconds=1))
    transport = FakeTransport(
        listed(sent_resource(sid="SM" + "5" * 32, body="Checking in, re-encoded", created=since))
    )

    with override_backend(TwilioBackend(http_client=transport)), pytest.raises(SmsError) as raised:
        reconcile_sms(to="+12025550177", body="Checking in", since=since)

    assert raised.value.code == "unknown" and "other text" in str(raised.value)
    assert Message.objects.get(pk=stored.pk).status == "sending"  # left as it was


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [
        (503, {"code": 20503, "message": "Service unavailable", "status": 503}),
        (401, {"code": 20003, "message": "Authenticate", "status": 401}),
        requests.ConnectionError("connection reset by peer"),
    ],
)
def test_twilio_lookup_errors_cannot_tell(answer):
    with (
        override_backend(TwilioBackend(http_client=FakeTransport(answer))),
        pytest.raises(SmsError) as raised,
    ):
        reconcile_sms(to="+12025550177", body="Checking in", since=timezone.now())

    assert raised.value.code == "unknown"


@pytest.mark.django_db
def test_memory_backend_finds_what_it_sent_since_then():
    before = timezone.now()
    sent = send_sms(to="+12025550177", body="Checking in")
    backend = get_backend()

    found = backend.find_sent(to="+12025550177", from_=HOTLINE_NUMBER, body="Checking in", since=before)
    assert found == (sent.sid, "queued")
    assert backend.find_sent(to="+12025550177", from_=HOTLINE_NUMBER, body="Other", since=before) is None
    assert (
        backend.find_sent(to="+12025550178", from_=HOTLINE_NUMBER, body="Checking in", since=before) is None
    )
    later = timezone.now() + messaging.LOOKUP_CLOCK_SKEW + timedelta(seconds=1)
    assert backend.find_sent(to="+12025550177", from_=HOTLINE_NUMBER, body="Checking in", since=later) is None
    # The text already stored with its sid is the one returned, no copy is made.
    assert reconcile_sms(to="+12025550177", body="Checking in", since=before).message_id == sent.message_id
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_console_backend_cannot_tell():
    with override_backend(ConsoleBackend(stream=io.StringIO())), pytest.raises(SmsError) as raised:
        reconcile_sms(to="+12025550177", body="Checking in", since=timezone.now())

    assert raised.value.code == "unknown"


@pytest.mark.django_db
def test_a_number_never_handed_over_was_never_sent():
    transport = FakeTransport()

    with override_backend(TwilioBackend(http_client=transport)):
        assert reconcile_sms(to="not a number", body="Checking in", since=timezone.now()) is None

    assert transport.requests == []


# --- Texts a stopped sender left "sending" (settle_unsent_texts) ------------------------------


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


class DiesOnSecondText(messaging.MemoryBackend):
    def __init__(self):
        self.count = 0

    def send_sms(self, **kwargs):
        self.count += 1
        if self.count == 2:
            raise Killed
        return super().send_sms(**kwargs)


def _age_all(seconds):
    Message.objects.update(created_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db
def test_a_batch_killed_half_way_leaves_no_text_sending_for_ever(settings):
    texts = [messaging.Text(to=f"+1202555017{n}", body=f"text {n}") for n in range(3)]
    with override_backend(DiesOnSecondText()), pytest.raises(Killed):
        messaging.send_sms_many(texts)
    assert sorted(Message.objects.values_list("to_number", "status")) == [
        ("+12025550170", "sending"),  # handed over, its sid not yet recorded: the kill came first
        ("+12025550171", "sending"),  # the one being handed over
        ("+12025550172", "sending"),  # never reached
    ]
    [delivered] = messaging.outbox

    # Too young: a sender may still be handing them over.
    assert messaging.settle_unsent_texts() == messaging.UnsettledTexts()
    _age_all(settings.SMS_UNSETTLED_AFTER_SECONDS + 1)
    result = messaging.settle_unsent_texts()

    assert result == messaging.UnsettledTexts(sent=1, not_sent=2, unknown=0)
    stored = {m.to_number: m for m in Message.objects.all()}
    assert (stored["+12025550170"].status, stored["+12025550170"].message_sid) == ("queued", delivered.sid)
    for number in ("+12025550171", "+12025550172"):
        assert (stored[number].status, stored[number].message_sid, stored[number].error_code) == (
            "failed",
            None,
            "not_sent",
        )
        assert "it was not sent" in stored[number].error_message
    # Settled once: nothing is left for the next run.
    assert messaging.settle_unsent_texts() == messaging.UnsettledTexts()


@pytest.mark.django_db
def test_a_text_sent_again_later_is_not_taken_for_the_stopped_attempt(settings):
    ghost = unnamed_message(body="Call-out: welfare check")
    again = send_sms(to="+12025550177", body="Call-out: welfare check")  # the outbox's re-send
    _age_all(settings.SMS_UNSETTLED_AFTER_SECONDS + 1)

    assert messaging.settle_unsent_texts() == messaging.UnsettledTexts(not_sent=1)

    ghost.refresh_from_db()
    assert (ghost.status, ghost.message_sid, ghost.error_code) == ("failed", None, "not_sent")
    assert Message.objects.get(pk=again.message_id).message_sid == again.sid


@pytest.mark.django_db
def test_twilio_is_asked_about_each_text_left_sending(settings):
    ghost = unnamed_message(
        created=timezone.now() - timedelta(seconds=settings.SMS_UNSETTLED_AFTER_SECONDS + 60)
    )
    transport = FakeTransport(
        listed(
            sent_resource(
                sid="SM" + "3" * 32, body="Checking in", created=ghost.created_at, status="delivered"
            )
        )
    )

    with override_backend(TwilioBackend(http_client=transport)):
        assert messaging.settle_unsent_texts() == messaging.UnsettledTexts(sent=1)

    [request] = transport.requests
    assert (request["method"], request["uri"]) == ("GET", LIST_URI)
    ghost.refresh_from_db()
    assert (ghost.message_sid, ghost.status) == ("SM" + "3" * 32, "delivered")


@pytest.mark.django_db
def test_a_backend_that_cannot_tell_leaves_the_text_failed_with_the_reason(settings):
    ghost = unnamed_message(
        created=timezone.now() - timedelta(seconds=settings.SMS_UNSETTLED_AFTER_SECONDS + 60)
    )

    with override_backend(ConsoleBackend(stream=io.StringIO())):
        assert messaging.settle_unsent_texts() == messaging.UnsettledTexts(unknown=1)

    ghost.refresh_from_db()
    assert (ghost.status, ghost.error_code) == ("failed", "unconfirmed")
    assert "could not be asked" in ghost.error_message


@pytest.mark.django_db
def test_the_settling_task_runs_on_the_beat(settings):
    from hotline.tasks import settle_unsent_texts

    unnamed_message(created=timezone.now() - timedelta(seconds=settings.SMS_UNSETTLED_AFTER_SECONDS + 60))
    unnamed_message(body="Too young to settle", created=timezone.now())

    assert settle_unsent_texts() == 1
    assert sorted(Message.objects.values_list("body", "status")) == [
        ("Checking in", "failed"),
        ("Too young to settle", "sending"),
    ]
    schedule = settings.CELERY_BEAT_SCHEDULE["hotline-settle-unsent-texts"]
    assert schedule["task"] == settle_unsent_texts.name
