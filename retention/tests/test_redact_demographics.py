"""Redaction keeps the people's optional answers only as the coded groups the dashboard counts:
old contacts lose their link to a person and who recorded the demographics, and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.models import ContactEvidence, Demographics, Intake, Person
from hotline.services import person_link
from hotline.tests.factories import IntakeFactory
from retention.services import contacts_redact

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=400)
RECENT = timezone.now() - timedelta(days=10)


def test_old_contacts_are_unlinked_and_their_demographics_anonymous_but_still_counted(dispatcher):
    old_a = IntakeFactory(created_at=OLD, status=Intake.Status.CLOSED)
    old_b = IntakeFactory(created_at=OLD, status=Intake.Status.CLOSED)
    recent_a = IntakeFactory(created_at=RECENT, status=Intake.Status.CLOSED)
    recent_b = IntakeFactory(created_at=RECENT, status=Intake.Status.CLOSED)
    person_link(intake=old_a, other=old_b, by=dispatcher)
    kept = person_link(intake=recent_a, other=recent_b, by=dispatcher)
    for intake in (old_a, recent_a):
        Demographics.objects.create(
            intake=intake,
            consented=True,
            age_band="25_34",
            race_ethnicity=["asian"],
            housing="unsheltered",
            recorded_by=dispatcher,
            recorded_at=intake.created_at,
        )
    ContactEvidence.objects.create(intake=old_a, would_have_called="911")

    report = contacts_redact(older_than_days=365)

    assert report.ok, report.failed
    assert report.counts["person links"] == 2
    assert report.counts["people"] == 1
    assert not Intake.objects.filter(pk__in=[old_a.pk, old_b.pk], person__isnull=False).exists()
    assert list(Person.objects.all()) == [kept]
    old = Demographics.objects.get(intake=old_a)
    assert (old.recorded_by, old.recorded_at) == (None, None)
    # What the aggregates count stays.
    assert (old.age_band, old.race_ethnicity, old.housing) == ("25_34", ["asian"], "unsheltered")
    assert ContactEvidence.objects.get(intake=old_a).would_have_called == "911"
    recent = Demographics.objects.get(intake=recent_a)
    assert recent.recorded_by == dispatcher

    again = contacts_redact(older_than_days=365)
    assert again.counts["person links"] == again.counts["demographics"] == again.counts["people"] == 0
