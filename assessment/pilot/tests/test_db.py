"""Percentiles: the Python interpolation, and PostgreSQL's percentile_cont giving the same."""

import random
from datetime import date, timedelta

import pytest

from assessment.pilot.db import percentile, percentiles_of
from assessment.pilot.selectors import Metrics, Period
from assessment.pilot.tests.factories import local, make_call


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
    monkeypatch.setattr("assessment.pilot.selectors.database_percentiles", lambda: False)
    python = Metrics(period=period, pilot=None).answering.time_to_answer
    assert database.count == python.count == 200
    assert database.median == pytest.approx(python.median, abs=1e-6)
    assert database.p90 == pytest.approx(python.p90, abs=1e-6)
