from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from volunteers.models import ShiftAssignment, ShiftRole
from volunteers.selectors import coverage_grid
from volunteers.tests.factories import ShiftFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


def test_coverage_counts_booked_against_minimum_and_flags_gaps():
    start = date(2026, 6, 1)
    staffed = ShiftFactory(
        role=ShiftRole.DISPATCHER,
        starts_at=datetime(2026, 6, 1, 18, tzinfo=LA),
        ends_at=datetime(2026, 6, 2, 2, tzinfo=LA),
        capacity=2,
        minimum_staffing=2,
    )
    for _ in range(2):
        ShiftAssignment.objects.create(shift=staffed, volunteer=VolunteerFactory())
    short = ShiftFactory(
        role=ShiftRole.RESPONDER,
        starts_at=datetime(2026, 6, 1, 9, tzinfo=LA),
        ends_at=datetime(2026, 6, 1, 11, 30, tzinfo=LA),
        capacity=2,
        minimum_staffing=2,
    )
    ShiftAssignment.objects.create(shift=short, volunteer=VolunteerFactory())
    ShiftAssignment.objects.create(shift=short, volunteer=VolunteerFactory(), status="cancelled")
    grid = {role["role"]: role for role in coverage_grid(start=start, days=14)}
    dispatch_day1 = grid["dispatcher"]["rows"][0]["cells"]
    assert dispatch_day1[17]["needed"] is None
    assert (dispatch_day1[18]["staffed"], dispatch_day1[18]["needed"], dispatch_day1[18]["gap"]) == (
        2,
        2,
        False,
    )
    assert grid["dispatcher"]["rows"][1]["cells"][1]["needed"] == 2, "the shift crosses midnight"
    assert grid["dispatcher"]["rows"][1]["cells"][2]["needed"] is None
    responder_day1 = grid["responder"]["rows"][0]["cells"]
    assert [responder_day1[h]["gap"] for h in (8, 9, 10, 11, 12)] == [False, True, True, True, False]
    assert grid["responder"]["gaps"] == 3 and grid["dispatcher"]["gaps"] == 0
    assert len(grid["responder"]["rows"]) == 14


def test_coverage_page_highlights_gaps(client, coordinator):
    ShiftFactory(
        role=ShiftRole.RESPONDER,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
        minimum_staffing=1,
    )
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:coverage"))
    assert response.status_code == 200
    assert 'class="cov-gap"' in response.content.decode()
