"""Services that must hold under retries and concurrency."""

import threading

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from hotline.models import Call, Intake
from hotline.services import call_get_or_create, call_record_arrival, intake_open, intake_open_for_call

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres")
VOLATILE = {"id", "call_sid", "started_at", "created_at", "updated_at"}


def concurrently(target, count=4):
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db
def test_arrival_is_recorded_once():
    call_record_arrival(call_sid="CA1", from_number="+12025550143", to_number="+12025550100")
    call_record_arrival(call_sid="CA1", from_number="+12025550143", to_number="+12025550100")

    call = Call.objects.get()
    assert (call.call_sid, call.from_number, call.status, call.direction) == (
        "CA1",
        "+12025550143",
        "ringing",
        "inbound",
    )


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_hot_path_insert_writes_exactly_the_row_the_orm_would():
    call_record_arrival(call_sid="CAraw", from_number="+12025550143", to_number="+12025550100")
    Call.objects.create(call_sid="CAorm", from_number="+12025550143", to_number="+12025550100")

    raw, orm = Call.objects.get(call_sid="CAraw"), Call.objects.get(call_sid="CAorm")

    def comparable(call):
        return {k: v for k, v in model_to_dict(call).items() if k not in VOLATILE}

    assert comparable(raw) == comparable(orm)
    assert raw.created_at == raw.started_at == raw.updated_at


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_arrivals_make_one_call():
    errors = concurrently(
        lambda: call_record_arrival(call_sid="CArace", from_number="+12025550143", to_number="+12025550100"),
        8,
    )

    assert errors == []
    assert Call.objects.filter(call_sid="CArace").count() == 1


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_concurrent_get_or_create_survives_the_race():
    results = []

    def create():
        call, created = call_get_or_create(call_sid="CArace2", from_number="+12025550143")
        results.append(created)

    assert concurrently(create, 8) == []
    assert Call.objects.filter(call_sid="CArace2").count() == 1
    assert results.count(True) == 1


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_concurrent_language_retries_open_one_intake():
    call_record_arrival(call_sid="CArace3", from_number="+12025550143", to_number="+12025550100")

    errors = concurrently(
        lambda: intake_open_for_call(
            call_sid="CArace3", from_number="+12025550143", to_number="+12025550100", language="ko"
        ),
        6,
    )

    assert errors == []
    assert Intake.objects.filter(call__call_sid="CArace3").count() == 1


@pytest.mark.django_db
def test_intake_open_refuses_unknown_values():
    with pytest.raises(ValueError, match="channel"):
        intake_open(channel="fax", caller="+12025550143")
    with pytest.raises(ValueError, match="status"):
        intake_open(channel="sms", caller="+12025550143", status="lost")
    assert not Intake.objects.exists()
