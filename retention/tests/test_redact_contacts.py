"""Retention: contact details and free text go after the period; what statistics need stays."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hotline.models import Call, Intake, Message
from hotline.tests.factories import CallFactory, IntakeFactory, MessageFactory
from retention.services import contacts_redact

pytestmark = pytest.mark.django_db

SIDS = itertools.count(1)

OLD = timezone.now() - timedelta(days=400)
RECENT = timezone.now() - timedelta(days=10)


def old_contact(**intake_fields):
    sid = f"RE{next(SIDS)}"
    call = CallFactory(
        started_at=OLD,
        from_number="+12025550123",
        answered_number="+12025550999",
        recording_url=f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{sid}",
        recording_sid=sid,
        recording_duration=42,
        status=Call.Status.COMPLETED,
        duration=300,
    )
    intake = IntakeFactory(
        call=call,
        caller="+12025550123",
        created_at=OLD,
        status=Intake.Status.CLOSED,
        location="14th and Pine",
        summary="Neighbour confused, outside",
        **intake_fields,
    )
    message = MessageFactory(created_at=OLD, intake=intake, from_number="+12025550123", body="help please")
    return call, intake, message


def test_old_contact_details_go_and_statistics_fields_stay():
    call, intake, message = old_contact()
    fresh = IntakeFactory(
        caller="+12025550456", status=Intake.Status.CLOSED, summary="recent", created_at=RECENT
    )
    report = contacts_redact(older_than_days=365)

    assert {label: report.counts[label] for label in ("calls", "messages", "intakes", "handoffs")} == {
        "calls": 1,
        "messages": 1,
        "intakes": 1,
        "handoffs": 0,
    }
    call.refresh_from_db()
    intake.refresh_from_db()
    message.refresh_from_db()
    assert (
        call.from_number,
        call.to_number,
        call.answered_number,
        call.recording_url,
        call.recording_sid,
    ) == (
        "",
        "",
        "",
        "",
        None,
    )
    assert (call.status, call.duration, call.recording_duration, call.started_at) == (
        Call.Status.COMPLETED,
        300,
        42,
        OLD,
    )
    assert (str(intake.caller), intake.location, intake.summary) == ("", "", "")
    assert (intake.channel, intake.status, intake.created_at) == (
        Intake.Channel.VOICE,
        Intake.Status.CLOSED,
        OLD,
    )
    assert (message.body, message.from_number, message.to_number) == ("", "", "")
    assert (message.direction, message.status, message.intake_id) == (
        Message.Direction.INBOUND,
        Message.Status.RECEIVED,
        intake.pk,
    )
    fresh.refresh_from_db()
    assert str(fresh.caller) == "+12025550456"
    assert fresh.summary == "recent"


def test_open_intakes_are_left_alone():
    _call, intake, _message = old_contact()
    Intake.objects.filter(pk=intake.pk).update(status=Intake.Status.NEW)
    contacts_redact(older_than_days=365)
    intake.refresh_from_db()
    assert str(intake.caller) == "+12025550123"


def test_counts_per_channel_and_status_are_unchanged():
    for _ in range(3):
        old_contact()

    def tally():
        return (
            sorted(Intake.objects.values_list("channel", "status", "created_at")),
            sorted(Call.objects.values_list("status", "outcome", "started_at", "duration")),
            sorted(Message.objects.values_list("direction", "status", "created_at")),
        )

    before = tally()
    contacts_redact(older_than_days=365, batch_size=2)
    assert tally() == before
    assert not Message.objects.exclude(body="").exists()


def test_idempotent_and_batched(capsys):
    for _ in range(5):
        old_contact()
    call_command("redact_contacts", "--older-than", "365", "--batch-size", "2")
    first = capsys.readouterr().out
    assert "intakes: 5 redacted" in first
    call_command("redact_contacts", "--older-than", "365")
    second = capsys.readouterr().out
    assert "intakes: 0 redacted" in second
    assert "calls: 0 redacted" in second


def test_the_period_is_respected():
    old_contact()
    assert contacts_redact(older_than_days=500).total == 0
    assert contacts_redact(older_than_days=399).total > 0


@pytest.mark.parametrize("args", [["--older-than", "0"], ["--older-than", "-3"], ["--batch-size", "0"]])
def test_bad_input_is_refused(args):
    with pytest.raises(CommandError):
        call_command("redact_contacts", *args)


def test_nightly_task_uses_the_setting(settings):
    from retention.tasks import redact_contacts

    old_contact()
    settings.RETENTION_DAYS = 1000
    redact_contacts.delay()
    assert Message.objects.exclude(body="").exists()
    settings.RETENTION_DAYS = 30
    redact_contacts.delay()
    assert not Message.objects.exclude(body="").exists()
    assert "retention-redact-contacts" in settings.CELERY_BEAT_SCHEDULE


def test_dispatch_free_text_goes_and_decisions_stay(dispatcher):
    from dispatch.models import Incident, Notification, Triage
    from dispatch.tests.factories import SEND_ANSWERS, ensure_seeded, responder_on_shift, send_responders

    ensure_seeded()
    responder = responder_on_shift()
    triage = send_responders(user=dispatcher, responders=[responder])
    incident = triage.incident
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.CLOSED,
        outcome=Incident.Outcome.RESOLVED,
        opened_at=OLD,
        details="Man in blue coat",
        outcome_notes="Went home",
    )
    Intake.objects.filter(pk=triage.intake_id).update(status=Intake.Status.CLOSED, created_at=OLD)
    Triage.objects.filter(pk=triage.pk).update(created_at=OLD, notes="called twice")
    Notification.objects.filter(incident=incident).update(created_at=OLD, status=Notification.Status.SENT)
    triage.refresh_from_db()
    assert triage.answers.get("location") == SEND_ANSWERS["location"]
    before = (triage.decision, triage.call_type_id, Incident.Outcome.RESOLVED)

    report = contacts_redact(older_than_days=365)

    assert report.counts["incidents"] == 1
    assert report.counts["triages"] == 1
    triage.refresh_from_db()
    incident.refresh_from_db()
    assert "location" not in triage.answers
    assert triage.answers["weapon"] == "no"
    assert (triage.notes, triage.location) == ("", "")
    assert (triage.decision, triage.call_type_id, incident.outcome) == before
    assert (incident.details, incident.outcome_notes, incident.location) == ("", "", "")
    assert incident.status == Incident.Status.CLOSED
    assert not Notification.objects.filter(incident=incident).exclude(body="").exists()
    assert contacts_redact(older_than_days=365).total == 0
