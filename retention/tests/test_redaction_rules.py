"""Retention never breaks a database rule, and one failing step does not stop the others."""

from __future__ import annotations

import itertools
from datetime import timedelta
from unittest import mock

import pytest
from django.db import models
from django.utils import timezone

from dispatch.models import Decision, Incident, IncidentEvent, Notification, Referral, Triage
from hotline.models import Handoff, HandoffPartner, Intake
from hotline.tests.factories import CallFactory, IntakeFactory, MessageFactory
from retention import services
from retention.services import REDACTED, constrained_fields, contacts_redact

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=400)
REFS = itertools.count(1)
CLOSED_STATES = [(Incident.Status.CLOSED, outcome) for outcome in Incident.Outcome] + [
    (Incident.Status.CANCELLED, "")
]


def _lookups_on(model, name):
    """Every (lookup, value) of the model's check constraints that looks at field `name`."""
    found = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            found += [
                (lookup, value)
                for lookup, value in services._constraint_lookups(constraint.condition)
                if lookup.split("__")[0] == name
            ]
    return found


def _every_redaction():
    steps = [(step.model, step.blank) for step in services._steps(OLD)]
    return steps + [(Triage, services.TRIAGE_TEXTS)]


@pytest.mark.parametrize(
    ("model", "name", "blank"),
    [(model, name, blank) for model, blank in _every_redaction() for name, blank in blank.items()],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_every_redacted_field_keeps_every_constraint(model, name, blank):
    """The rule, over every field the job touches: a constraint may only ask whether a redacted
    text is empty (which the marker preserves), and no redacted field is unique unless nulled."""
    field = model._meta.get_field(name)
    for lookup, value in _lookups_on(model, name):
        assert (lookup, value) == (name, ""), f"{model.__name__}.{name}: constraint uses {lookup}={value!r}"
    if name in constrained_fields(model):
        assert blank == ""
        assert field.max_length is None or field.max_length >= len(REDACTED)
    unique = field.unique or any(
        isinstance(constraint, models.UniqueConstraint)
        and name in constraint.fields
        and not constraint.condition
        for constraint in model._meta.constraints
    )
    assert not unique or blank is None, f"{model.__name__}.{name} is unique: redact it to NULL"
    partly_unique = any(
        isinstance(constraint, models.UniqueConstraint) and name in constraint.fields and constraint.condition
        for constraint in model._meta.constraints
    )
    assert not partly_unique or (model, name) in PARTLY_UNIQUE_TESTED


# Fields unique only under a condition; the test below shows redaction never touches such rows.
PARTLY_UNIQUE_TESTED = {(Intake, "caller")}


def test_redaction_never_touches_an_intake_that_must_keep_a_unique_number():
    """One open SMS intake per caller: redaction only selects closed intakes."""
    step = next(step for step in services._steps(timezone.now()) if step.model is Intake)
    (constraint,) = [
        c for c in Intake._meta.constraints if isinstance(c, models.UniqueConstraint) and c.condition
    ]
    for channel, status in itertools.product(Intake.Channel, Intake.Status):
        IntakeFactory(channel=channel, status=status, caller=f"+1202555{next(REFS):04d}", created_at=OLD)
    assert step.queryset.count() == len(Intake.Channel)
    assert not step.queryset.filter(constraint.condition).exists()


def _aged_incident(dispatcher, *, status, outcome, overridden=False):
    from dispatch.tests.factories import responder_on_shift, send_responders

    triage = send_responders(user=dispatcher, responders=[responder_on_shift()])
    incident = triage.incident
    Incident.objects.filter(pk=incident.pk).update(
        status=status,
        outcome=outcome,
        opened_at=OLD,
        location="14th and Pine",
        details="Man in blue coat",
        transported_by="Riverside ambulance" if outcome == Incident.Outcome.TRANSPORTED else "",
        outcome_notes="Went home",
        follow_up_notes="Call back Tuesday",
        cancel_reason="Caller hung up" if status == Incident.Status.CANCELLED else "",
    )
    Intake.objects.filter(pk=triage.intake_id).update(status=Intake.Status.CLOSED, created_at=OLD)
    if overridden:  # the dispatcher did not follow the recommendation: a reason is required
        Triage.objects.filter(pk=triage.pk).update(
            recommendation=Decision.PHONE_SUPPORT, override_reason="Caller asked for someone"
        )
    Triage.objects.filter(pk=triage.pk).update(created_at=OLD, notes="called twice")
    IncidentEvent.objects.filter(incident=incident).update(created_at=OLD, note="Told the caller to wait")
    Notification.objects.filter(incident=incident).update(created_at=OLD, status=Notification.Status.SENT)
    return incident


def _aged_everything(dispatcher):
    from outreach.tests.factories import PartnerFactory

    incidents = [
        _aged_incident(dispatcher, status=status, outcome=outcome, overridden=index % 2 == 0)
        for index, (status, outcome) in enumerate(CLOSED_STATES)
    ]
    partner = PartnerFactory()
    for incident in incidents:
        Referral.objects.create(incident=incident, partner=partner, notes="Ask for Dana", created_at=OLD)
    intake = IntakeFactory(caller="+12025550123", created_at=OLD, status=Intake.Status.CLOSED, summary="s")
    Handoff.objects.create(
        partner=HandoffPartner.objects.create(name=f"911 centre {next(REFS)}", source="911_transfer"),
        reference=f"R{next(REFS)}",
        intake=intake,
        call_type="welfare",
        callback_number="+12025550124",
        notes="Caller on the bridge",
        created_at=OLD,
    )
    CallFactory(started_at=OLD, from_number="+12025550123", recording_sid=f"RE{next(REFS)}")
    MessageFactory(created_at=OLD, intake=intake, from_number="+12025550123", body="help please")
    return incidents


def test_every_outcome_and_every_model_aged_past_the_period_is_redacted(dispatcher):
    from dispatch.tests.factories import ensure_seeded

    ensure_seeded()
    incidents = _aged_everything(dispatcher)

    report = contacts_redact(older_than_days=365)

    assert report.failed == {}
    assert report.ok
    assert report.counts["incidents"] == len(CLOSED_STATES)
    for label in (
        "calls",
        "messages",
        "intakes",
        "handoffs",
        "incident events",
        "referrals",
        "notifications",
    ):
        assert report.counts[label] >= 1, label
    assert report.counts["triages"] == len(CLOSED_STATES)
    for incident in incidents:
        incident.refresh_from_db()
        assert (incident.location, incident.details, incident.outcome_notes, incident.follow_up_notes) == (
            "",
            "",
            "",
            "",
        )
        transported = incident.outcome == Incident.Outcome.TRANSPORTED
        assert incident.transported_by == (REDACTED if transported else "")
        cancelled = incident.status == Incident.Status.CANCELLED
        assert incident.cancel_reason == (REDACTED if cancelled else "")
        assert not incident.events.exclude(note="").exists()
        assert not incident.referrals.exclude(notes="").exists()
        assert not Notification.objects.filter(incident=incident).exclude(body="").exists()
    overridden = Triage.objects.exclude(override_reason="")
    assert overridden.count() == (len(CLOSED_STATES) + 1) // 2
    assert set(overridden.values_list("override_reason", flat=True)) == {REDACTED}
    assert not Handoff.objects.exclude(notes="").exists()
    # Nothing is left to do: the markers are not selected again.
    assert contacts_redact(older_than_days=365).total == 0


def test_a_failing_step_does_not_stop_the_others_and_shows_in_health(dispatcher, client, caplog):
    from dispatch.tests.factories import ensure_seeded

    ensure_seeded()
    _aged_everything(dispatcher)
    real_step_redact = services._step_redact

    def incidents_broken(step, batch_size):
        if step.label == "incidents":
            raise RuntimeError("disk full")
        return real_step_redact(step, batch_size)

    with mock.patch.object(services, "_step_redact", side_effect=incidents_broken):
        report = contacts_redact(older_than_days=365)

    assert report.failed == {"incidents": "RuntimeError: disk full"}
    assert report.counts["incidents"] == 0
    for label in ("incident events", "referrals", "notifications", "triages"):  # the steps after it
        assert report.counts[label] >= 1, label
    assert not IncidentEvent.objects.exclude(note="").exists()
    assert any(
        "incidents" in record.getMessage() and record.levelname == "ERROR" for record in caplog.records
    )

    health = client.get("/healthz/")
    assert health.status_code == 200  # the site still serves; an operator is warned
    assert "incidents: RuntimeError: disk full" in health.json()["warnings"]["retention"]

    retried = contacts_redact(older_than_days=365)  # the next night
    assert retried.ok
    assert retried.counts["incidents"] == len(CLOSED_STATES)
    assert "retention" not in client.get("/healthz/").json()["warnings"]


def test_the_command_fails_loudly_when_a_step_failed(dispatcher):
    from django.core.management import CommandError, call_command

    with (
        mock.patch.object(services, "_triage_answers_redact", side_effect=RuntimeError("lock timeout")),
        pytest.raises(CommandError, match="triages: RuntimeError: lock timeout"),
    ):
        call_command("redact_contacts", "--older-than", "365")
