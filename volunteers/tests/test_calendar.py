from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from volunteers.models import ShiftAssignment, ShiftRole
from volunteers.tests.factories import AreaFactory, ShiftFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def test_feed_parses_with_icalendar_and_holds_only_own_booked_shifts(client):
    volunteer = VolunteerFactory(preferred_language="en")
    area = AreaFactory(name="Koreatown")
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    mine = ShiftAssignment.objects.create(
        shift=ShiftFactory(
            role=ShiftRole.RESPONDER, starts_at=start, ends_at=start + timedelta(hours=8), area=area
        ),
        volunteer=volunteer,
    )
    cancelled = ShiftAssignment.objects.create(
        shift=ShiftFactory(starts_at=start + timedelta(days=2)), volunteer=volunteer, status="cancelled"
    )
    ShiftAssignment.objects.create(
        shift=ShiftFactory(starts_at=start + timedelta(days=3)), volunteer=VolunteerFactory()
    )
    response = client.get(reverse("volunteers:calendar_feed", args=[volunteer.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + timedelta(hours=8)
    assert str(event["summary"]) == "Hotline Responder shift"
    assert str(event["location"]) == "Koreatown"
    assert str(event["uid"]).startswith(f"shift-assignment-{mine.pk}@")
    assert f"shift-assignment-{cancelled.pk}@" not in response.content.decode()


def test_token_reset_revokes_the_old_url(client):
    volunteer = VolunteerFactory()
    old_url = reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
    assert client.get(old_url).status_code == 200
    client.force_login(volunteer.user)
    client.post(reverse("volunteers:calendar_reset"))
    volunteer.refresh_from_db()
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])).status_code == 200


def test_unknown_or_inactive_token_is_404(client):
    assert client.get(reverse("volunteers:calendar_feed", args=["nope"])).status_code == 404
    inactive = VolunteerFactory(status="inactive")
    assert client.get(reverse("volunteers:calendar_feed", args=[inactive.calendar_token])).status_code == 404
