"""Who may open what: volunteers see only their own data; coordinators manage everyone."""

import pytest
from django.urls import reverse

from volunteers.models import ShiftAssignment, ShiftRole
from volunteers.tests.factories import (
    ShiftFactory,
    TrainingSessionFactory,
    VolunteerFactory,
    put_on_shift,
)

pytestmark = pytest.mark.django_db


def coordinator_urls(volunteer, shift, assignment, session):
    return [
        ("get", reverse("volunteers:volunteer_list")),
        ("get", reverse("volunteers:review_queue")),
        ("get", reverse("volunteers:volunteer_detail", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_approve", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_reject", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_deactivate", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_reactivate", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_invite_again", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_note_add", args=[volunteer.pk])),
        ("post", reverse("volunteers:volunteer_completion_add", args=[volunteer.pk])),
        ("get", reverse("volunteers:training_overview")),
        ("get", reverse("volunteers:module_create")),
        ("get", reverse("volunteers:session_create")),
        ("get", reverse("volunteers:training_session_detail", args=[session.pk])),
        ("get", reverse("volunteers:shift_list")),
        ("get", reverse("volunteers:shift_create")),
        ("get", reverse("volunteers:shift_detail", args=[shift.pk])),
        ("post", reverse("volunteers:shift_assign", args=[shift.pk])),
        ("post", reverse("volunteers:assignment_update", args=[assignment.pk])),
        ("get", reverse("volunteers:coverage")),
    ]


@pytest.fixture
def world():
    other = VolunteerFactory(first_name="Othername", phone="+12135550177")
    assignment = put_on_shift(other, ShiftRole.DISPATCHER)
    return other, assignment.shift, assignment, TrainingSessionFactory()


def test_volunteers_dispatchers_and_responders_get_403_on_coordinator_pages(client, world, make_user):
    other, shift, assignment, session = world
    me = VolunteerFactory(user__roles=["Volunteer", "Dispatcher", "Responder"])
    client.force_login(me.user)
    for method, url in coordinator_urls(other, shift, assignment, session):
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_users_are_sent_to_login(client, world):
    for method, url in coordinator_urls(*world) + [("get", reverse("volunteers:my_shifts"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_coordinator_opens_every_coordinator_page(client, coordinator, world):
    client.force_login(coordinator)
    for method, url in coordinator_urls(*world):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_a_volunteer_cannot_see_or_touch_another_volunteers_data(client, world):
    other, shift, assignment, _session = world
    me = VolunteerFactory(user__roles=["Volunteer", "Dispatcher"])
    client.force_login(me.user)
    for url in (
        reverse("volunteers:my_shifts"),
        reverse("volunteers:my_training"),
        reverse("volunteers:my_profile"),
        reverse("volunteers:open_shifts"),
    ):
        content = client.get(url).content.decode()
        assert "Othername" not in content and "555-0177" not in content, url
    assert client.post(reverse("volunteers:assignment_cancel", args=[assignment.pk])).status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == ShiftAssignment.Status.BOOKED
    # My calendar token is mine; the feed shows only my shifts.
    feed = client.get(reverse("volunteers:calendar_feed", args=[me.calendar_token])).content.decode()
    assert f"shift-assignment-{assignment.pk}@" not in feed


def test_profile_changes_only_my_record(client):
    me = VolunteerFactory(phone="+12135550180")
    other = VolunteerFactory(phone="+12135550181", email="other@example.org")
    client.force_login(me.user)
    from volunteers.models import Language

    data = {
        "phone": "+12135550182",
        "email": "me@example.org",
        "preferred_language": "ko",
        "languages": [Language.objects.get(code="ko").pk],
        "availability": ["sun_morning"],
        "sms_consent": "on",
    }
    assert client.post(reverse("volunteers:my_profile"), data).status_code == 302
    me.refresh_from_db()
    assert (str(me.phone), me.email, me.preferred_language) == ("+12135550182", "me@example.org", "ko")
    taken = client.post(reverse("volunteers:my_profile"), {**data, "email": "other@example.org"})
    assert taken.status_code == 400
    other.refresh_from_db()
    assert other.email == "other@example.org"


def test_users_without_volunteer_profile_get_an_explanation(client, volunteer_user):
    client.force_login(volunteer_user)
    for name in ("my_shifts", "open_shifts", "my_training", "my_profile"):
        response = client.get(reverse(f"volunteers:{name}"))
        assert response.status_code == 200
        assert "not linked to a volunteer profile" in response.content.decode()
    assert client.post(reverse("volunteers:shift_sign_up", args=[ShiftFactory().pk])).status_code == 200
    assert not ShiftAssignment.objects.exists()
