"""The incoming-call webhook's hot path: one database round trip, small tables read from a
per-process cache, a dead pooled connection retried, and any caller ID Twilio sends stored."""

from datetime import time
from unittest import mock

import psycopg2
import pytest
from django.db import connection

from hotline import selectors
from hotline.models import CALL_PARTY_MAX_LENGTH, Call, Intake, OperatingHours, PartnerLine

from .conftest import payload, twiml

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres")
SIP = payload("voice_incoming_sip")


def call_in(twilio, **overrides):
    return twilio.post("/hotline/voice/incoming/", payload("voice_incoming", **overrides))


def menu_offered(response) -> bool:
    return twiml(response).find("Gather") is not None


# --- a SIP caller ID ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # on Postgres: the webhook's own INSERT, not the ORM's
def test_a_sip_caller_id_is_stored_whole_through_the_whole_call(twilio, on_shift_dispatcher):
    assert len(SIP["From"]) > 32
    dispatcher = on_shift_dispatcher(languages=["en"])

    menu = twiml(twilio.post("/hotline/voice/incoming/", SIP))
    assert menu.find("Gather") is not None
    sip_leg = {k: SIP[k] for k in ("CallSid", "From", "To", "Called", "Caller")}
    ring = twiml(
        twilio.post("/hotline/voice/language/?attempt=1", payload("voice_gather", Digits="1", **sip_leg))
    )
    twilio.post("/hotline/voice/status/", payload("voice_status", **sip_leg))

    call = Call.objects.get(call_sid=SIP["CallSid"])
    assert (call.from_number, call.to_number) == (SIP["From"], SIP["To"])
    assert call.status == Call.Status.COMPLETED
    assert [n.text for n in ring.find("Dial").findall("Number")] == [str(dispatcher.phone)]
    # Not a phone number: the intake has no number to call back, and says so by being empty.
    intake = Intake.objects.get(call=call)
    assert (intake.caller, intake.language) == ("", "en")


@pytest.mark.django_db
def test_a_caller_id_longer_than_any_twilio_sends_is_cut_not_refused(twilio):
    caller = "sip:" + "x" * 300 + "@pbx.example.org"

    assert menu_offered(call_in(twilio, From=caller, Caller=caller))

    assert Call.objects.get().from_number == caller[:CALL_PARTY_MAX_LENGTH]


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_incoming_call_is_one_query(twilio, django_assert_num_queries):
    PartnerLine.objects.create(number="+12025550911", name="911", source=Intake.Source.TRANSFER_911)
    OperatingHours.objects.create(weekday=0, opens=time(9), closes=time(17))
    call_in(twilio, CallSid="CA" + "1" * 32)  # the process reads the small tables once

    with django_assert_num_queries(1):
        assert menu_offered(call_in(twilio, CallSid="CA" + "2" * 32))

    assert Call.objects.count() == 2


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_the_insert_stands_in_for_the_connection_health_check(twilio, django_assert_num_queries):
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS, as in production
    call_in(twilio, CallSid="CA" + "1" * 32)
    connection.health_check_done = False  # what a new request on this pooled connection sees

    with (
        mock.patch.object(connection, "is_usable", wraps=connection.is_usable) as is_usable,
        django_assert_num_queries(1),
    ):
        assert menu_offered(call_in(twilio, CallSid="CA" + "2" * 32))

    assert is_usable.call_count == 0
    assert Call.objects.count() == 2


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_pooled_connection_the_server_dropped_is_replaced_and_the_call_recorded(twilio):
    call_in(twilio, CallSid="CA" + "1" * 32)
    old_pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    killer = psycopg2.connect(**params)
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    finally:
        killer.close()
    connection.health_check_done = False

    response = call_in(twilio, CallSid="CA" + "2" * 32)

    assert menu_offered(response)  # the menu, not the degraded answer
    assert connection.connection.get_backend_pid() != old_pid
    assert Call.objects.filter(call_sid="CA" + "2" * 32).exists()


# --- the small-table cache ------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_line_changes_saved_anywhere_in_this_process_count_at_once(twilio):
    line = PartnerLine.objects.create(
        number="+12025550911", name="911", source=Intake.Source.TRANSFER_911, language="ko"
    )
    assert not menu_offered(call_in(twilio, CallSid="CA" + "1" * 32, ForwardedFrom="+12025550911"))

    line.is_active = False
    line.save()
    assert menu_offered(call_in(twilio, CallSid="CA" + "2" * 32, ForwardedFrom="+12025550911"))

    line.delete()
    PartnerLine.objects.create(
        number="+12025550143", name="Shelter", source=Intake.Source.PARTNER, language="es"
    )
    assert not menu_offered(call_in(twilio, CallSid="CA" + "3" * 32))  # placed from the line itself


@pytest.mark.django_db
def test_changes_made_elsewhere_are_seen_once_the_cache_expires(twilio):
    clock = [1000.0]
    OperatingHours.objects.create(weekday=0, opens=time(9), closes=time(17))
    with mock.patch.object(selectors, "monotonic", lambda: clock[0]):
        assert selectors.operating_hours_cache.get() == [(0, time(9), time(17))]
        # Another process's edit sends no signal here (an update() sends none at all).
        OperatingHours.objects.update(closes=time(18))

        clock[0] += selectors.SMALL_TABLE_CACHE_SECONDS - 1
        assert selectors.operating_hours_cache.get() == [(0, time(9), time(17))]
        clock[0] += 1
        assert selectors.operating_hours_cache.get() == [(0, time(9), time(18))]


def test_a_failed_read_is_not_cached_and_a_good_one_is():
    reads = []

    def load():
        reads.append(len(reads))
        if len(reads) == 1:
            raise RuntimeError("database down")
        return ["rows"]

    cache = selectors.ProcessCache(load)
    with pytest.raises(RuntimeError):
        cache.get()

    assert cache.get() == ["rows"]
    assert cache.get() == ["rows"]
    assert len(reads) == 2


# --- no browser middleware on webhooks ------------------------------------------------------


@pytest.mark.django_db
def test_webhooks_skip_the_browser_middleware_but_keep_the_security_headers(twilio, client):
    from volunteers.tests.factories import VolunteerFactory

    client.force_login(VolunteerFactory().user)  # a session cookie that must not be loaded

    response = call_in(twilio)

    assert menu_offered(response)
    request = response.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert response["Content-Length"] == str(len(response.content))
    assert response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_other_hotline_pages_keep_the_whole_middleware_stack(client):
    response = client.get("/hotline/calls/")

    assert response.status_code == 302  # the sign-in redirect, which needs the session and user
    assert hasattr(response.wsgi_request, "user")


@pytest.mark.django_db
def test_a_webhook_still_refuses_get_and_unsigned_posts(twilio, client):
    assert client.get("/hotline/voice/incoming/").status_code == 405
    assert twilio.post("/hotline/voice/incoming/", payload("voice_incoming"), signed=False).status_code == 403
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_a_webhook_for_a_host_outside_allowed_hosts_is_refused(twilio, settings):
    settings.ALLOWED_HOSTS = ["hotline.example.org"]  # not the test client's "testserver"
    response = call_in(twilio)
    assert response.status_code == 400
    assert not Call.objects.exists()
