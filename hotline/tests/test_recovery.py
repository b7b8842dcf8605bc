"""No voicemail lost: what arrives while the database is away is spooled to disk and stored
later, and what Twilio has that the database never saw is created from Twilio's records; the
two together never make a duplicate."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone

from hotline import spool
from hotline.models import Call, Intake, Message
from hotline.services import calls_reconcile, spool_replay

from .conftest import HOTLINE_NUMBER, payload, twiml
from .test_messaging import ACCOUNT, FakeTransport

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


def call_sid(n: int) -> str:
    return f"CA{n:032x}"


def recording_sid(n: int) -> str:
    return f"RE{n:032x}"


def caller(n: int) -> str:
    return f"+120255501{n:02d}"


def leave_voicemail(twilio, n: int) -> None:
    """The <Record> action, then the recording callback, as Twilio sends them."""
    common = {"CallSid": call_sid(n), "RecordingSid": recording_sid(n), "RecordingUrl": media_url(n)}
    root = twiml(
        twilio.post("/hotline/voice/voicemail/", payload("voice_voicemail", From=caller(n), **common))
    )
    assert root.find("Say") is not None and root.find("Hangup") is not None  # thanked, whatever happened
    response = twilio.post("/hotline/voice/recording/", payload("voice_recording", **common))
    assert response.status_code == 204


def media_url(n: int) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording_sid(n)}"


def rfc2822(moment) -> str:
    return format_datetime(
        moment.astimezone(timezone.UTC) if hasattr(timezone, "UTC") else moment, usegmt=True
    )


def twilio_call(n: int, *, status: str = "completed") -> dict:
    started = timezone.now() - timedelta(minutes=30 - n)
    return {
        "sid": call_sid(n),
        "account_sid": ACCOUNT,
        "to": HOTLINE_NUMBER,
        "from": caller(n),
        "status": status,
        "direction": "inbound",
        "start_time": format_datetime(started, usegmt=True),
        "end_time": format_datetime(started + timedelta(seconds=70), usegmt=True),
        "duration": "70",
        "parent_call_sid": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call_sid(n)}.json",
    }


def twilio_recording(n: int) -> dict:
    return {
        "sid": recording_sid(n),
        "account_sid": ACCOUNT,
        "call_sid": call_sid(n),
        "status": "completed",
        "duration": "42",
        "source": "RecordVerb",
        "date_created": format_datetime(timezone.now() - timedelta(minutes=20), usegmt=True),
        "media_url": media_url(n),
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording_sid(n)}.json",
    }


def twilio_lists(calls: list[dict], recordings: list[dict]) -> FakeTransport:
    return FakeTransport(
        (200, {"calls": calls, "next_page_uri": None}),
        (200, {"recordings": recordings, "next_page_uri": None}),
    )


def assert_stored_once(numbers: range, *, with_recording: set[int], known: int = 0) -> None:
    """Every call of `numbers` once, with one intake needing a call back (`known` calls the
    database already had, without an intake, besides)."""
    assert Call.objects.count() == len(numbers) + known
    assert Intake.objects.count() == len(numbers)
    for n in numbers:
        call = Call.objects.get(call_sid=call_sid(n))
        assert call.from_number == caller(n)
        intake = Intake.objects.get(call=call)
        assert intake.status == Intake.Status.NEEDS_CALLBACK
        assert str(intake.caller) == caller(n)
        if n in with_recording:
            assert (call.recording_sid, call.recording_url, call.outcome) == (
                recording_sid(n),
                media_url(n),
                "voicemail",
            )
        else:
            assert not call.recording_sid


def test_twenty_voicemails_while_the_database_is_down_are_stored_once_when_it_is_back(twilio):
    with database_down():
        for n in range(20):
            leave_voicemail(twilio, n)
    assert not Call.objects.exists()
    assert spool.spool_pending() == 40  # two requests per voicemail, both kept

    result = spool_replay()

    assert (result.stored, result.quarantined) == (40, 0)
    assert_stored_once(range(20), with_recording=set(range(20)))
    assert spool.spool_pending() == 0
    assert spool_replay().stored == 0  # nothing left, nothing doubled
    assert_stored_once(range(20), with_recording=set(range(20)))


def test_a_replay_stopped_by_the_database_keeps_its_batch(twilio):
    with database_down():
        leave_voicemail(twilio, 1)
        with pytest.raises(OperationalError):
            spool_replay()
    assert spool.spool_pending() == 2
    assert spool_replay().stored == 2
    assert_stored_once(range(1, 2), with_recording={1})


@pytest.mark.parametrize("first", ["replay", "reconcile"])
def test_spool_replay_and_reconciliation_together_make_no_duplicate(twilio, first):
    """20 voicemails spooled; Twilio also has two calls no webhook of which reached us (one
    with a voicemail) and one call the database already has."""
    Call.objects.create(
        call_sid=call_sid(40), from_number=caller(40), to_number=HOTLINE_NUMBER, status="completed"
    )
    with database_down():
        for n in range(20):
            leave_voicemail(twilio, n)
    calls = [twilio_call(n) for n in [*range(20), 20, 21, 40]] + [twilio_call(22, status="in-progress")]
    recordings = [twilio_recording(n) for n in [*range(20), 21]]

    def reconcile():
        return calls_reconcile(http_client=twilio_lists(calls, recordings))

    if first == "replay":
        spool_replay()
        result = reconcile()
        assert (result.calls_created, result.voicemails_stored) == (2, 1)
    else:
        result = reconcile()
        assert (result.calls_created, result.voicemails_stored) == (22, 21)
        spool_replay()
    assert result.skipped_in_progress == 1  # the next run takes it

    assert_stored_once(range(22), with_recording={*range(20), 21}, known=1)
    assert not Intake.objects.filter(call__call_sid=call_sid(40)).exists()
    # Both again: nothing changes.
    spool_replay()
    again = reconcile()
    assert (again.calls_created, again.calls_updated, again.voicemails_stored) == (0, 0, 0)
    assert_stored_once(range(22), with_recording={*range(20), 21}, known=1)


def test_reconciliation_asks_twilio_for_the_hotline_calls_of_the_window(settings):
    settings.HOTLINE_RECONCILE_HOURS = 6
    transport = twilio_lists([twilio_call(1)], [])

    calls_reconcile(http_client=transport)

    calls_request, recordings_request = transport.requests
    assert calls_request["method"] == "GET"
    assert calls_request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert calls_request["params"]["To"] == HOTLINE_NUMBER
    assert "StartTime>" in calls_request["params"]
    assert (
        recordings_request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings.json"
    )
    assert "DateCreated>" in recordings_request["params"]
    call = Call.objects.get(call_sid=call_sid(1))
    assert (call.status, call.duration, call.outcome) == ("completed", 70, "abandoned")
    assert abs((call.started_at - (timezone.now() - timedelta(minutes=29))).total_seconds()) < 5


def test_texts_while_the_database_is_down_are_replayed_once_without_an_automatic_reply(twilio):
    with database_down():
        for n in range(3):
            response = twilio.post(
                "/hotline/sms/incoming/", payload("sms_incoming", MessageSid=f"SM{n:032x}", From=caller(n))
            )
            assert b"could not receive your text" in response.content
    assert spool.spool_pending() == 3

    assert spool_replay().stored == 3
    spool_replay()

    inbound = Message.objects.filter(direction=Message.Direction.INBOUND)
    assert sorted(inbound.values_list("message_sid", flat=True)) == [f"SM{n:032x}" for n in range(3)]
    assert Intake.objects.filter(channel=Intake.Channel.SMS).count() == 3
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_a_record_that_cannot_be_stored_is_set_aside_without_blocking_the_others(twilio, settings):
    with database_down():
        leave_voicemail(twilio, 1)
    spool.spool_append(kind=spool.VOICEMAIL, sid="RE-broken", params={"From": caller(2)})  # no CallSid
    with database_down():
        leave_voicemail(twilio, 3)

    result = spool_replay()

    assert (result.stored, result.quarantined) == (4, 1)
    assert_stored_once_numbers = {c.call_sid for c in Call.objects.all()}
    assert assert_stored_once_numbers == {call_sid(1), call_sid(3)}
    failed = (spool.spool_dir() / spool.FAILED).read_text()
    assert "RE-broken" in failed and "KeyError" in failed


def test_spool_replay_command(twilio):
    with database_down():
        leave_voicemail(twilio, 5)
    call_command("spool_replay")
    assert Call.objects.get(call_sid=call_sid(5)).recording_sid == recording_sid(5)
