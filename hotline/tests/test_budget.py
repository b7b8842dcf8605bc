"""The phone edge with a database that hangs: every webhook still answers within its budget.

The database is reached through a TCP proxy that can freeze (connections accepted, bytes
acknowledged, nothing answered), which is what a network partition or a hung server looks like
from the web process; a closed port would fail in microseconds and prove nothing.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import DataError, OperationalError, connection, transaction

from hotline import budget, spool
from hotline.models import Call
from hotline.services import spool_replay

from .conftest import payload, twiml
from .tcp_proxy import FreezableProxy

FALLBACK = "+12025550999"


@pytest.fixture
def db_proxy(transactional_db, settings):
    """This thread's database connection (and any thread's new one) goes through a proxy."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.FALLBACK_NUMBER = FALLBACK
    shared = connection.settings_dict  # one dict for every thread's connection
    saved = {"HOST": shared["HOST"], "PORT": shared["PORT"]}
    proxy = FreezableProxy((shared["HOST"] or "127.0.0.1", int(shared["PORT"] or 5432))).start()
    connection.close()
    shared.update(HOST="127.0.0.1", PORT=str(proxy.port))
    try:
        yield proxy
    finally:
        proxy.thaw()
        connection.close()
        shared.update(saved)
        proxy.close()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def incoming(sid: str) -> dict[str, str]:
    return payload("voice_incoming", CallSid=sid)


def test_frozen_database_caller_gets_the_fallback_dial_within_the_budget(db_proxy, twilio, client, settings):
    settings.HOTLINE_DATABASE_RETRY_SECONDS = 1.0
    assert settings.HOTLINE_WEBHOOK_BUDGET_SECONDS == 5.0  # the documented default
    menu = twiml(twilio.post("/hotline/voice/incoming/", incoming("CA" + "1" * 32)))
    assert menu.find("Gather") is not None  # the connection through the proxy is open and reused

    db_proxy.freeze()
    response, elapsed = timed(lambda: twilio.post("/hotline/voice/incoming/", incoming("CA" + "2" * 32)))

    assert elapsed < settings.HOTLINE_WEBHOOK_BUDGET_SECONDS
    assert elapsed >= settings.HOTLINE_WEBHOOK_BUDGET_SECONDS * budget.DATABASE_SHARE - 0.5  # it did wait
    assert twiml(response).find("Dial").find("Number").text == FALLBACK
    # The next callers do not wait on the hung database at all.
    response, elapsed = timed(lambda: twilio.post("/hotline/voice/incoming/", incoming("CA" + "3" * 32)))
    assert elapsed < 0.5
    assert twiml(response).find("Dial").find("Number").text == FALLBACK
    # A status callback does not hold a server thread either.
    response, elapsed = timed(
        lambda: twilio.post("/hotline/voice/status/", payload("voice_status", CallSid="CA" + "3" * 32))
    )
    assert response.status_code == 503
    assert elapsed < 0.5
    # The load balancer's probe answers at once, and says what is wrong.
    response, elapsed = timed(lambda: client.get("/healthz/"))
    assert elapsed < 0.5
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: hung"

    db_proxy.thaw()
    time.sleep(settings.HOTLINE_DATABASE_RETRY_SECONDS)
    menu = twiml(twilio.post("/hotline/voice/incoming/", incoming("CA" + "4" * 32)))
    assert menu.find("Gather") is not None  # the probe found the database back: calls recorded again
    assert Call.objects.filter(call_sid="CA" + "4" * 32).exists()
    assert not budget.breaker.is_open


def test_frozen_database_on_a_new_connection_is_bounded_by_connect_timeout(db_proxy, twilio, settings):
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] < (
        settings.HOTLINE_WEBHOOK_BUDGET_SECONDS * budget.CONNECT_SHARE
    )
    db_proxy.freeze()  # no connection open yet: the webhook's connect attempt is held

    response, elapsed = timed(lambda: twilio.post("/hotline/voice/incoming/", incoming("CA" + "5" * 32)))

    assert elapsed < settings.HOTLINE_WEBHOOK_BUDGET_SECONDS
    assert twiml(response).find("Dial").find("Number").text == FALLBACK


def test_frozen_database_later_in_the_call_still_reaches_someone(
    db_proxy, twilio, settings, on_shift_dispatcher
):
    settings.HOTLINE_WEBHOOK_BUDGET_SECONDS = 2.0
    on_shift_dispatcher()
    twiml(twilio.post("/hotline/voice/incoming/", incoming("CA" + "6" * 32)))
    db_proxy.freeze()

    response, elapsed = timed(
        lambda: twilio.post(
            "/hotline/voice/language/?attempt=1", payload("voice_gather", CallSid="CA" + "6" * 32, Digits="1")
        )
    )

    assert elapsed < 2.0
    assert twiml(response).find("Dial").find("Number").text == FALLBACK


def test_frozen_database_voicemail_is_spooled_within_the_budget_and_stored_after(db_proxy, twilio, settings):
    settings.HOTLINE_WEBHOOK_BUDGET_SECONDS = 2.0
    settings.HOTLINE_DATABASE_RETRY_SECONDS = 0.5
    sid, recording = "CA" + "9" * 32, "RE" + "9" * 32
    twiml(twilio.post("/hotline/voice/incoming/", incoming(sid)))
    db_proxy.freeze()

    common = {"CallSid": sid, "RecordingSid": recording}
    response, elapsed = timed(
        lambda: twilio.post("/hotline/voice/voicemail/", payload("voice_voicemail", **common))
    )
    assert elapsed < 2.0
    assert twiml(response).find("Say") is not None  # thanked
    response, elapsed = timed(
        lambda: twilio.post("/hotline/voice/recording/", payload("voice_recording", **common))
    )
    assert (response.status_code, elapsed < 0.5) == (204, True)  # the breaker is open: spooled at once
    assert spool.spool_pending() == 2

    db_proxy.thaw()
    connection.close()
    assert spool_replay().stored == 2
    call = Call.objects.get(call_sid=sid)
    assert (call.recording_sid, call.outcome) == (recording, "voicemail")
    assert call.intake.status == "needs_callback"


def test_frozen_health_check_answers_within_two_seconds(db_proxy, client):
    db_proxy.freeze()
    response, elapsed = timed(lambda: client.get("/healthz/"))
    assert elapsed < 2.0
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: timeout"


def test_a_row_lock_held_elsewhere_times_out_on_the_server_and_keeps_the_connection(
    transactional_db, twilio, settings
):
    """A live but blocked database: the server's lock_timeout answers; no breaker, no cut."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.FALLBACK_NUMBER = FALLBACK
    settings.HOTLINE_WEBHOOK_BUDGET_SECONDS = 10.0  # the lock wait (1.5 s) is a slow failure
    sid = "CA" + "7" * 32
    twiml(twilio.post("/hotline/voice/incoming/", incoming(sid)))
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        with transaction.atomic():
            Call.objects.select_for_update().get(call_sid=sid)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(5)
        response, elapsed = timed(
            lambda: twilio.post(
                "/hotline/voice/language/?attempt=1", payload("voice_gather", CallSid=sid, Digits="1")
            )
        )
    finally:
        release.set()
        holder.join()

    # lock_timeout is half the database's share of the budget, then the fallback.
    assert (
        budget.SLOW_FAILURE_SECONDS
        < elapsed
        < settings.HOTLINE_WEBHOOK_BUDGET_SECONDS * budget.DATABASE_SHARE
    )
    assert twiml(response).find("Dial").find("Number").text == FALLBACK
    assert not budget.breaker.is_open  # one busy row is not a hung database
    assert Call.objects.filter(call_sid=sid).exists()  # this thread's connection still works


@pytest.mark.django_db
def test_statements_carry_the_budget_as_server_timeouts():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    with budget.webhook_budget(2.0), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement_ms = int(cursor.fetchone()[0].removesuffix("ms"))
        cursor.execute("SHOW lock_timeout")
        lock_ms = int(cursor.fetchone()[0].removesuffix("ms"))
    assert 400 < statement_ms <= 480  # 80 % of the database's 30 % of 2 s
    assert 200 < lock_ms <= 240


def test_a_cut_request_sends_nothing_more_and_opens_no_connection(db_proxy):
    Call.objects.count()  # the connection through the proxy is open
    db_proxy.freeze()
    with budget.webhook_budget(1.0) as spent:
        started = time.monotonic()
        with pytest.raises(OperationalError):
            Call.objects.count()
        assert spent.spent
        assert time.monotonic() - started < 0.5  # 30 % of the budget, then cut
        connection.close()
        with pytest.raises(budget.BudgetSpent):
            Call.objects.count()  # no connect attempt (it would wait out connect_timeout)
        assert time.monotonic() - started < 0.5
    db_proxy.thaw()
    # What the end of the request does; then the next one connects again.
    connection.close_if_unusable_or_obsolete()
    assert Call.objects.count() == 0


@pytest.mark.django_db
def test_only_the_time_spent_waiting_on_the_database_counts():
    """A webhook that waits on something else (a down Redis, a slow machine) keeps its
    database time: 0.8 s outside the database is more than the 0.15 s share of a 0.5 s budget."""
    with budget.webhook_budget(0.5) as spent:
        Call.objects.count()
        time.sleep(0.4)
        Call.objects.count()
        time.sleep(0.4)
        Call.objects.count()
    assert not spent.spent


@pytest.mark.django_db
def test_a_slow_statement_is_cancelled_by_the_server_within_the_share():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    with budget.webhook_budget(1.0) as spent:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        assert time.monotonic() - started < 0.5
        assert not spent.spent  # the server answered: no cut needed


@pytest.mark.django_db
def test_an_error_inside_a_savepoint_leaves_the_transaction_usable():
    """ROLLBACK TO SAVEPOINT is sent alone: in an aborted transaction a SET would be refused."""
    with budget.webhook_budget(5.0):
        with pytest.raises(DataError), transaction.atomic():
            Call.objects.create(call_sid="CA" + "x" * 100)  # longer than the column
        Call.objects.create(call_sid="CA" + "8" * 32)
    assert Call.objects.filter(call_sid="CA" + "8" * 32).exists()
