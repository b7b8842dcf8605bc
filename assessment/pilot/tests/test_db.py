"""Percentiles (the Python interpolation and PostgreSQL's percentile_cont agree) and the
concurrent computation of the heavy metrics on PostgreSQL."""

import random
import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from assessment.pilot.db import percentile, percentiles_of
from assessment.pilot.selectors import Metrics, Period
from assessment.pilot.selectors import metrics as metrics_module
from assessment.pilot.tests.factories import local, make_call, make_contact, make_incident, make_triage


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], 0.9) == pytest.approx(55.0)
    assert percentiles_of([3.0, None, 1.0, 2.0], [0.5, 1.0]) == [2.0, 3.0]


@pytest.mark.django_db
def test_database_and_python_percentiles_agree(monkeypatch):
    """The same calls measured twice: percentiles by the database (PostgreSQL) and by the
    Python fallback must be equal. On SQLite both runs take the fallback."""
    rng = random.Random(5)
    day = date(2026, 6, 10)
    for index in range(200):
        make_call(started_at=local(day, 0) + timedelta(minutes=index * 5), answered_after=rng.uniform(1, 60))
    period = Period(day, day)
    database = Metrics(period=period, pilot=None).answering.time_to_answer
    monkeypatch.setattr("assessment.pilot.db.database_percentiles", lambda: False)
    python = Metrics(period=period, pilot=None).answering.time_to_answer
    assert database.count == python.count == 200
    assert database.median == pytest.approx(python.median, abs=1e-6)
    assert database.p90 == pytest.approx(python.p90, abs=1e-6)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent queries run on PostgreSQL only")
def test_prefetch_runs_the_heavy_queries_concurrently_with_the_same_results(
    transactional_db, settings, monkeypatch, make_user
):
    from dispatch.models import Decision, Incident
    from dispatch.tests.factories import ensure_seeded

    ensure_seeded()  # a transactional test's flush removed the seeded protocol
    staff = make_user("Dispatcher", username="triager")
    day = date(2026, 6, 10)
    for hour in range(8):
        contact = make_contact(at=local(day, 8 + hour), caller=f"+1202555{hour % 3:04d}")
        triage = make_triage(contact, decision=Decision.SEND_RESPONDERS, by=staff)
        make_incident(
            triage,
            by=staff,
            events={"accepted": 30 * hour, "on_scene": 600},
            outcome=Incident.Outcome.RESOLVED,
        )
    period = Period(day, day)
    threads_seen = set()
    original = metrics_module.contact_slices

    def recording(period):
        threads_seen.add(threading.current_thread().name)
        return original(period)

    monkeypatch.setattr(metrics_module, "contact_slices", recording)
    settings.PILOT_DASHBOARD_QUERY_THREADS = 3
    concurrent = Metrics(period=period, pilot=None).prefetch()
    settings.PILOT_DASHBOARD_QUERY_THREADS = 1
    sequential = Metrics(period=period, pilot=None).prefetch()
    assert any(name.startswith("pilot-metrics") for name in threads_seen)
    assert threading.main_thread().name in threads_seen
    names = (
        "slices",
        "chain",
        "referrals",
        "heatmap",
        "answering",
        "callbacks",
        "repeat_callers",
        "by_source",
    )
    for name in names:
        left, right = getattr(concurrent, name), getattr(sequential, name)
        assert (sorted(left, key=repr) if isinstance(left, list) else left) == (
            sorted(right, key=repr) if isinstance(right, list) else right
        ), name
    assert concurrent.contacts == 8 and concurrent.chain.incidents == 8
    assert concurrent.repeat_callers.numbers == 2
