import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from volunteers.models import ShiftAssignment, ShiftRole, Volunteer
from volunteers.roles import Role, has_role
from volunteers.tests.factories import AreaFactory, ShiftFactory, VolunteerFactory, put_on_shift

pytestmark = pytest.mark.django_db


def applicant(**fields):
    defaults = {"status": Volunteer.Status.APPLICANT, "user": None, "roles_of_interest": ["responder"]}
    return VolunteerFactory(**{**defaults, **fields})


def test_review_queue_lists_applicants_oldest_first(client, coordinator):
    newer = applicant(applied_at=timezone.now())
    older = applicant(applied_at=timezone.now() - timezone.timedelta(days=3))
    VolunteerFactory()  # active: not in the queue
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:review_queue"))
    assert response.status_code == 200
    assert list(response.context["applicants"]) == [older, newer]


def test_approve_creates_account_in_groups_and_sends_one_time_link(
    client, coordinator, sent_sms, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    volunteer = applicant(preferred_language="ko", phone="+12135550142", email="minji@example.org")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("volunteers:volunteer_approve", args=[volunteer.pk]),
            {"roles": ["responder", "dispatcher"]},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    volunteer.refresh_from_db()
    user = volunteer.user
    assert volunteer.status == Volunteer.Status.ACTIVE
    assert volunteer.approved_by == coordinator and volunteer.invitation_sent_at
    assert user.username == "minji@example.org" and not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {
        Role.VOLUNTEER,
        Role.RESPONDER,
        Role.DISPATCHER,
    }
    assert [sms["to"] for sms in sent_sms] == ["+12135550142"]
    body = sent_sms[0]["body"]
    assert "핫라인" in body, "the invitation is in the volunteer's language"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["minji@example.org"]
    link = re.search(r"https://hotline\.example\.org(/\S+)", body).group(1)
    assert link in mail.outbox[0].body

    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "river-stone-4417", "new_password2": "river-stone-4417"})
    assert done.status_code == 302
    assert client.login(username="minji@example.org", password="river-stone-4417")
    client.logout()
    again = client.get(link, follow=True)
    assert not again.context["validlink"], "the link works once"


def test_invitation_is_sent_once_even_if_the_task_runs_twice(
    coordinator, sent_sms, django_capture_on_commit_callbacks
):
    from volunteers.services import volunteer_approve, volunteer_invitation_send

    volunteer = applicant()
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_approve(volunteer=volunteer, by=coordinator, roles=["responder"])
    assert volunteer_invitation_send(volunteer_id=volunteer.pk) is False
    assert len(sent_sms) == 1 and len(mail.outbox) == 1
    # The text carries a one-time set-password link: the hotline must not store it readable.
    assert "/accounts/reset/" in sent_sms[0]["body"]
    assert sent_sms[0]["redact_body"] is True


def test_invitation_without_sms_consent_is_emailed_only(
    coordinator, sent_sms, django_capture_on_commit_callbacks
):
    from volunteers.services import volunteer_approve

    volunteer = applicant(sms_consent=False)
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_approve(volunteer=volunteer, by=coordinator, roles=[])
    assert sent_sms == []
    assert len(mail.outbox) == 1


def test_failed_text_releases_the_invitation_for_a_retry(
    coordinator, settings, django_capture_on_commit_callbacks
):
    from volunteers.services import volunteer_approve, volunteer_invitation_send

    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.test_review.failing_sender"
    volunteer = applicant()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        volunteer_approve(volunteer=volunteer, by=coordinator, roles=[])
    assert len(callbacks) == 1
    with pytest.raises(ConnectionError):
        volunteer_invitation_send(volunteer_id=volunteer.pk)
    volunteer.refresh_from_db()
    assert volunteer.invitation_sent_at is None


def failing_sender(*, to, body, **kwargs):
    raise ConnectionError("SMS provider down")


def test_approval_never_reuses_an_existing_account_with_the_same_email(coordinator):
    from volunteers.services import volunteer_approve

    get_user_model().objects.create_user(
        username="boss@example.org", email="boss@example.org", password="x-long-1"
    )
    volunteer = applicant(email="boss@example.org")
    volunteer_approve(volunteer=volunteer, by=coordinator, roles=[])
    volunteer.refresh_from_db()
    assert volunteer.user.username == "boss@example.org-2"


def test_reject_needs_a_reason(client, coordinator):
    volunteer = applicant()
    client.force_login(coordinator)
    url = reverse("volunteers:volunteer_reject", args=[volunteer.pk])
    client.post(url, {"reason": ""})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.APPLICANT
    client.post(url, {"reason": "Lives outside the pilot area"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.REJECTED
    assert volunteer.rejection_reason == "Lives outside the pilot area"
    assert volunteer.notes.filter(body__contains="outside the pilot area").exists()


def test_deactivate_blocks_login_frees_future_shifts_and_reactivate_restores(client, coordinator):
    volunteer = VolunteerFactory(user__password="long-password-42")
    past = put_on_shift(volunteer, ShiftRole.DISPATCHER)
    future = ShiftAssignment.objects.create(
        shift=ShiftFactory(starts_at=timezone.now() + timezone.timedelta(days=3)), volunteer=volunteer
    )
    client.force_login(coordinator)
    client.post(reverse("volunteers:volunteer_deactivate", args=[volunteer.pk]))
    volunteer.refresh_from_db()
    future.refresh_from_db()
    past.refresh_from_db()
    assert volunteer.status == Volunteer.Status.INACTIVE and not volunteer.user.is_active
    assert future.status == ShiftAssignment.Status.CANCELLED
    assert past.status == ShiftAssignment.Status.BOOKED, "a shift in progress is not rewritten"
    assert not client.login(username=volunteer.user.username, password="long-password-42")
    client.force_login(coordinator)
    client.post(reverse("volunteers:volunteer_reactivate", args=[volunteer.pk]))
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.ACTIVE and volunteer.user.is_active
    assert has_role(volunteer.user, Role.VOLUNTEER)


def test_invalid_transitions_are_refused_with_a_message(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(reverse("volunteers:volunteer_approve", args=[volunteer.pk]), follow=True)
    assert "Only applicants can be approved" in response.content.decode()
    response = client.post(reverse("volunteers:volunteer_reactivate", args=[volunteer.pk]), follow=True)
    assert "Only inactive volunteers" in response.content.decode()


def test_notes_are_added_and_shown_to_coordinators(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    client.post(
        reverse("volunteers:volunteer_note_add", args=[volunteer.pk]), {"body": "Great with Spanish callers"}
    )
    page = client.get(volunteer.get_absolute_url())
    assert "Great with Spanish callers" in page.content.decode()
    assert volunteer.notes.get().author == coordinator


def test_volunteer_list_search_and_filters(client, coordinator):
    area = AreaFactory(name="Koreatown")
    korean = VolunteerFactory(first_name="Minji", last_name="Kim", languages=["ko"], areas=[area])
    VolunteerFactory(first_name="Luis", last_name="Garcia", languages=["es"])
    client.force_login(coordinator)
    url = reverse("volunteers:volunteer_list")
    assert set(client.get(url).context["page"].object_list) == set(Volunteer.objects.all())
    assert list(client.get(url, {"language": "ko"}).context["page"].object_list) == [korean]
    assert list(client.get(url, {"area": area.pk}).context["page"].object_list) == [korean]
    assert list(client.get(url, {"q": "minji"}).context["page"].object_list) == [korean]
    assert list(client.get(url, {"status": "applicant"}).context["page"].object_list) == []
    assert client.get(url, {"status": "bogus"}).status_code == 200
