"""Hours of operation: is_open and open_intervals, across midnight and daylight-saving changes."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError

from hotline.models import OperatingHours
from hotline.selectors import is_open, open_intervals

LA = ZoneInfo("America/Los_Angeles")


def at(*args):
    return datetime(*args, tzinfo=LA)


@pytest.fixture(autouse=True)
def pilot_time_zone(settings):
    settings.TIME_ZONE = "America/Los_Angeles"


@pytest.mark.django_db
def test_no_hours_means_always_open():
    assert is_open(at(2026, 4, 14, 3, 0))


@pytest.mark.django_db
def test_same_day_hours():
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.TUESDAY, opens=time(9), closes=time(17))

    assert not is_open(at(2026, 4, 14, 8, 59))  # a Tuesday
    assert is_open(at(2026, 4, 14, 9, 0))
    assert is_open(at(2026, 4, 14, 16, 59))
    assert not is_open(at(2026, 4, 14, 17, 0))
    assert not is_open(at(2026, 4, 15, 10, 0))  # Wednesday


@pytest.mark.django_db
def test_hours_crossing_midnight_run_into_the_next_day():
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.FRIDAY, opens=time(18), closes=time(2))

    assert not is_open(at(2026, 4, 17, 17, 59))  # Friday
    assert is_open(at(2026, 4, 17, 23, 30))
    assert is_open(at(2026, 4, 18, 1, 59))  # Saturday, early
    assert not is_open(at(2026, 4, 18, 2, 0))
    assert not is_open(at(2026, 4, 18, 19, 0))  # Saturday evening is not Friday's


@pytest.mark.django_db
def test_opening_equal_to_closing_is_a_whole_day():
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.SUNDAY, opens=time(8), closes=time(8))

    assert is_open(at(2026, 4, 19, 8, 0))
    assert is_open(at(2026, 4, 20, 7, 59))  # Monday morning
    assert not is_open(at(2026, 4, 20, 8, 0))


@pytest.mark.django_db
def test_is_open_uses_local_wall_clock_time():
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.TUESDAY, opens=time(9), closes=time(17))

    assert is_open(datetime(2026, 4, 14, 17, 0, tzinfo=ZoneInfo("UTC")))  # 10:00 in Los Angeles
    assert not is_open(datetime(2026, 4, 14, 15, 0, tzinfo=ZoneInfo("UTC")))  # 08:00


@pytest.mark.django_db
def test_open_intervals_merge_and_clip():
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.FRIDAY, opens=time(18), closes=time(2))
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.SATURDAY, opens=time(1), closes=time(4))

    intervals = open_intervals(start=at(2026, 4, 17, 20, 0), end=at(2026, 4, 19, 0, 0))

    assert intervals == [(at(2026, 4, 17, 20, 0), at(2026, 4, 18, 4, 0))]


@pytest.mark.django_db
def test_open_intervals_across_the_spring_daylight_saving_change():
    OperatingHours.objects.create(weekday=OperatingHours.Weekday.SATURDAY, opens=time(18), closes=time(6))

    [(begin, end)] = open_intervals(start=at(2026, 3, 7, 0, 0), end=at(2026, 3, 9, 0, 0))

    assert (begin, end) == (at(2026, 3, 7, 18, 0), at(2026, 3, 8, 6, 0))
    assert (end - begin).total_seconds() == 11 * 3600  # one hour fewer that night


@pytest.mark.django_db
def test_open_intervals_without_hours_is_the_whole_range():
    start, end = at(2026, 4, 1), at(2026, 4, 2)

    assert open_intervals(start=start, end=end) == [(start, end)]


@pytest.mark.django_db
def test_weekday_must_be_a_day_of_the_week():
    with pytest.raises(IntegrityError):
        OperatingHours.objects.create(weekday=7, opens=time(9), closes=time(17))
