from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from volunteers.models import ShiftRole, TrainingAttendance, TrainingCompletion, TrainingModule, Volunteer
from volunteers.selectors import completions_expiring, is_qualified, training_status
from volunteers.services import (
    VolunteerError,
    training_attendance_record,
    training_expiry_reminders_send,
    training_session_register,
)
from volunteers.tests.factories import (
    TrainingCompletionFactory,
    TrainingModuleFactory,
    TrainingSessionFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db


def test_coordinator_creates_module_with_roles_call_types_and_validity(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("volunteers:module_create"),
        {
            "title": "De-escalation refresher",
            "slug": "de-escalation-refresher",
            "roles": ["responder"],
            "qualifies_for_call_types": "Mental health, welfare-check, ",
            "validity_days": "365",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    module = TrainingModule.objects.get(
        slug="de-escalation-refresher"
    )  # the seeded curriculum has de-escalation
    assert module.roles == ["responder"]
    assert module.qualifies_for_call_types == ["mental-health", "welfare-check"]
    assert module.validity_days == 365
    bad = client.post(reverse("volunteers:module_create"), {"title": "X", "slug": "x", "validity_days": "0"})
    assert bad.status_code == 400


def test_attendance_records_completions_with_expiry_and_marks_absent(coordinator):
    module = TrainingModuleFactory(validity_days=365, roles=[ShiftRole.DISPATCHER])
    session = TrainingSessionFactory(module=module, starts_at=timezone.now() - timedelta(hours=3))
    came, missed, walk_in = (
        VolunteerFactory(),
        VolunteerFactory(),
        VolunteerFactory(status=Volunteer.Status.APPLICANT),
    )
    TrainingAttendance.objects.create(session=session, volunteer=came)
    TrainingAttendance.objects.create(session=session, volunteer=missed)
    assert training_attendance_record(session=session, attended=[came, walk_in], by=coordinator) == 2
    day = timezone.localdate(session.starts_at)
    completion = came.completions.get()
    assert (completion.completed_on, completion.expires_on) == (day, day + timedelta(days=365))
    assert completion.session == session and completion.recorded_by == coordinator
    assert walk_in.completions.exists() and not missed.completions.exists()
    assert TrainingAttendance.objects.get(volunteer=missed).status == TrainingAttendance.Status.ABSENT
    # Saving again (a correction) is idempotent and can remove a mistaken completion.
    training_attendance_record(session=session, attended=[came], by=coordinator)
    assert came.completions.count() == 1 and not walk_in.completions.exists()


def test_attendance_view(client, coordinator):
    session = TrainingSessionFactory(starts_at=timezone.now() - timedelta(hours=1))
    volunteer = VolunteerFactory()
    TrainingAttendance.objects.create(session=session, volunteer=volunteer)
    client.force_login(coordinator)
    response = client.post(session.get_absolute_url(), {"attended": [volunteer.pk]})
    assert response.status_code == 302
    assert volunteer.completions.filter(module=session.module).exists()


def test_attendance_cannot_be_recorded_before_the_session(coordinator):
    session = TrainingSessionFactory()
    with pytest.raises(VolunteerError):
        training_attendance_record(session=session, attended=[VolunteerFactory()], by=coordinator)


def test_qualification_needs_every_required_module_unexpired():
    core = TrainingModuleFactory(roles=[ShiftRole.RESPONDER, ShiftRole.DISPATCHER], validity_days=None)
    safety = TrainingModuleFactory(roles=[ShiftRole.RESPONDER], validity_days=30)
    TrainingModuleFactory(roles=[ShiftRole.RESPONDER], is_active=False)  # retired: not required
    volunteer = VolunteerFactory()
    today = timezone.localdate()
    TrainingCompletion.objects.create(
        volunteer=volunteer, module=core, completed_on=today - timedelta(days=900)
    )
    assert is_qualified(volunteer, ShiftRole.DISPATCHER), "a module without validity never expires"
    assert not is_qualified(volunteer, ShiftRole.RESPONDER)
    TrainingCompletionFactory(volunteer=volunteer, module=safety, completed_on=today - timedelta(days=31))
    assert not is_qualified(volunteer, ShiftRole.RESPONDER), "expired yesterday"
    TrainingCompletionFactory(volunteer=volunteer, module=safety, completed_on=today - timedelta(days=29))
    assert is_qualified(volunteer, ShiftRole.RESPONDER), "a renewal qualifies again"
    future = timezone.now() + timedelta(days=2)
    assert not is_qualified(volunteer, ShiftRole.RESPONDER, at=future), "expires before then"
    rows = {row["module"]: row for row in training_status(volunteer)}
    assert rows[safety]["valid"] and rows[safety]["expiring_soon"]
    assert rows[core]["valid"] and not rows[core]["expiring_soon"]


def test_volunteer_sees_own_training_status_and_registers_for_a_session(client):
    module = TrainingModuleFactory(title="Core hotline training")
    session = TrainingSessionFactory(module=module, capacity=1)
    volunteer = VolunteerFactory()
    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:my_training"))
    assert page.status_code == 200
    assert "Core hotline training" in page.content.decode() and "Not yet taken" in page.content.decode()
    client.post(reverse("volunteers:training_session_register", args=[session.pk]))
    assert TrainingAttendance.objects.filter(session=session, volunteer=volunteer).exists()
    with pytest.raises(VolunteerError, match="full"):
        training_session_register(session=session, volunteer=VolunteerFactory())


def test_coordinator_overview_shows_what_expires_in_30_days(client, coordinator):
    module = TrainingModuleFactory(validity_days=365, title="Naloxone")
    today = timezone.localdate()
    soon = TrainingCompletionFactory(module=module, completed_on=today - timedelta(days=350))
    TrainingCompletionFactory(module=module, completed_on=today - timedelta(days=100))  # not soon
    renewed = TrainingCompletionFactory(module=module, completed_on=today - timedelta(days=340))
    TrainingCompletionFactory(
        volunteer=renewed.volunteer, module=module, completed_on=today - timedelta(days=2)
    )
    assert list(completions_expiring()) == [soon]
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:training_overview"))
    assert list(response.context["expiring"]) == [soon]


def test_training_expiry_reminder_is_sent_once(sent_sms):
    module = TrainingModuleFactory(validity_days=365, title="Naloxone")
    today = date(2026, 5, 1)
    volunteer = VolunteerFactory(preferred_language="es")
    TrainingCompletionFactory(
        volunteer=volunteer, module=module, completed_on=date(2025, 5, 20)
    )  # expires May 20
    TrainingCompletionFactory(module=module, completed_on=date(2025, 7, 1))  # expires in 61 days: not yet
    no_texts = VolunteerFactory(sms_consent=False)
    TrainingCompletionFactory(volunteer=no_texts, module=module, completed_on=date(2025, 5, 10))
    assert training_expiry_reminders_send(today=today) == 2
    assert training_expiry_reminders_send(today=today) == 0
    assert training_expiry_reminders_send(today=today + timedelta(days=1)) == 0
    assert [sms["to"] for sms in sent_sms] == [volunteer.phone.as_e164]
    assert "Naloxone" in sent_sms[0]["body"] and "capacitación" in sent_sms[0]["body"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [no_texts.email]
