from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from volunteers.models import ShiftAssignment, Volunteer
from volunteers.services import shift_reminders_send
from volunteers.tasks import send_shift_reminders
from volunteers.tests.factories import ShiftAssignmentFactory, ShiftFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def booked(starts_in: timedelta, **volunteer_fields) -> ShiftAssignment:
    shift = ShiftFactory(starts_at=NOW + starts_in, ends_at=NOW + starts_in + timedelta(hours=4))
    return ShiftAssignmentFactory(shift=shift, volunteer=VolunteerFactory(**volunteer_fields))


def test_24h_and_1h_reminders_each_sent_once_even_if_run_twice(sent_sms):
    tomorrow = booked(timedelta(hours=23), phone="+12135550170")
    in_an_hour = booked(timedelta(minutes=50), phone="+12135550171")
    booked(timedelta(hours=48))  # too early for any reminder
    assert shift_reminders_send(now=NOW) == 2
    assert shift_reminders_send(now=NOW) == 0, "a second run sends nothing"
    assert sorted(sms["to"] for sms in sent_sms) == ["+12135550170", "+12135550171"]
    # 22 hours later the first shift is 1 hour away: its 1-hour reminder goes, once.
    later = NOW + timedelta(hours=22, minutes=5)
    assert shift_reminders_send(now=later) == 1
    assert shift_reminders_send(now=later) == 0
    assert [sms["to"] for sms in sent_sms].count("+12135550170") == 2
    tomorrow.refresh_from_db()
    in_an_hour.refresh_from_db()
    assert tomorrow.reminder_24h_sent_at and tomorrow.reminder_1h_sent_at
    assert in_an_hour.reminder_1h_sent_at and in_an_hour.reminder_24h_sent_at is None
    assert "starts at 11:00 today" in sent_sms[-1]["body"]


def test_concurrent_runs_claim_each_reminder_once(sent_sms, monkeypatch):
    """A second run starting while the first is between its query and its claim sends nothing."""
    booked(timedelta(hours=5))
    from volunteers.services import shifts

    original = shifts._notify

    def notify_and_race(volunteer, **kwargs):
        # The other worker runs right now, while this one holds the claim.
        assert shift_reminders_send(now=NOW) == 0
        original(volunteer, **kwargs)

    monkeypatch.setattr(shifts, "_notify", notify_and_race)
    assert shift_reminders_send(now=NOW) == 1
    assert len(sent_sms) == 1


def test_reminder_text_in_the_volunteers_language(sent_sms):
    booked(timedelta(hours=20), preferred_language="es")
    shift_reminders_send(now=NOW)
    assert "turno" in sent_sms[0]["body"]


def test_cancelled_inactive_and_no_consent(sent_sms):
    cancelled = booked(timedelta(hours=3))
    cancelled.status = ShiftAssignment.Status.CANCELLED
    cancelled.save(update_fields=["status"])
    booked(timedelta(hours=3), status=Volunteer.Status.INACTIVE)
    email_only = booked(timedelta(hours=3), sms_consent=False)
    assert shift_reminders_send(now=NOW) == 1
    assert sent_sms == []
    assert mail.outbox[0].to == [email_only.volunteer.email]


def test_failed_send_is_released_and_retried(settings, sent_sms):
    assignment = booked(timedelta(hours=3))
    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.test_review.failing_sender"
    assert shift_reminders_send(now=NOW) == 0
    assignment.refresh_from_db()
    assert assignment.reminder_24h_sent_at is None
    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.conftest.record_sms"
    assert shift_reminders_send(now=NOW) == 1


def test_beat_task_runs_the_service(sent_sms):
    from django.utils import timezone

    shift = ShiftFactory(starts_at=timezone.now() + timedelta(hours=2))
    ShiftAssignmentFactory(shift=shift)
    send_shift_reminders.delay()
    send_shift_reminders.delay()
    assert len(sent_sms) == 1


class Refused(Exception):
    permanent = True


def refusing_sender(*, to, body):
    raise Refused(f"{to} has opted out of texts")


def test_a_refused_text_falls_back_to_email_once(settings):
    assignment = booked(timedelta(hours=3))
    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.test_reminders.refusing_sender"
    assert shift_reminders_send(now=NOW) == 1
    assert shift_reminders_send(now=NOW) == 0
    assert [message.to for message in mail.outbox] == [[assignment.volunteer.email]]
