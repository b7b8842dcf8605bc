"""Factories and helpers of the dispatch tests."""

from __future__ import annotations

import importlib
from datetime import timedelta

import factory
from django.test import TestCase
from django.utils import timezone

from dispatch import services
from dispatch.models import CallType, Decision, Triage
from hotline.tests.factories import IntakeFactory
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory, put_on_shift

# Answers to the seeded protocol (v1) that recommend sending responders.
SEND_ANSWERS = {
    "weapon": "no",
    "violence": "no",
    "medical_emergency": "no",
    "suicide_imminent": "no",
    "consent": "yes",
    "location": "14th St and Pine, by the bus shelter",
    "call_type": "welfare-check",
    "language": "",
}
DANGER_KEYS = ("weapon", "violence", "medical_emergency", "suicide_imminent")


def ensure_seeded() -> None:
    """Put back the call types and protocol v1 the migration seeds: a transactional test's
    flush deletes them (serialized rollback would clash with the role groups post_migrate
    recreates)."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_call_types_and_protocol").seed(apps, None)


def committing():
    """Run on-commit callbacks (sending texts) when the block ends, as a real commit would:
    a test's transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def responder_on_shift(*, languages=("en",), area=None, preferred_language="en", **fields) -> Volunteer:
    volunteer = VolunteerFactory(
        user__roles=("Volunteer", "Responder"),
        languages=list(languages),
        preferred_language=preferred_language,
        **fields,
    )
    put_on_shift(volunteer, "responder", area=area)
    return volunteer


def claimed(intake=None, *, user) -> Triage:
    """An intake claimed by `user` (a new one when none is given)."""
    return services.triage_claim(intake=intake or IntakeFactory(), user=user)


def send_responders(*, user, intake=None, answers=None, responders=None, team_size=None, **kwargs) -> Triage:
    """Triage an intake to "send responders" (the seeded protocol's recommendation)."""
    triage = claimed(intake, user=user)
    with committing():
        return services.triage_decide(
            triage=triage,
            user=user,
            raw_answers=answers or SEND_ANSWERS,
            decision=Decision.SEND_RESPONDERS,
            call_out=services.CallOut(responders=responders, team_size=team_size),
            **kwargs,
        )


def call_type(slug: str) -> CallType:
    return CallType.objects.get(slug=slug)


class OldIntakeFactory(IntakeFactory):
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
