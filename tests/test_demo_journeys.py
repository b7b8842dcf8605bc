"""The README's journeys, walked from a fresh `seed_demo`: what a newcomer does first with each
demo login must work on the seeded data (not only on a test's hand-made fixtures)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo-journeys-1"
    settings.HOTLINE_NUMBER = ""
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    call_command("seed_demo", stdout=StringIO())
    return {user.username: user for user in get_user_model().objects.all()}


def test_every_demo_journey_starts_from_the_seed(client, seeded, settings):
    from assessment.models import HotlineTestCall, RoadmapPhase
    from dispatch.models import CallType, Incident
    from dispatch.selectors import responder_candidates
    from volunteers.models import ShiftAssignment, Volunteer

    # Volunteer: lands on their shifts, finds open shifts and signs up for one.
    client.force_login(seeded["volunteer"])
    assert client.get(reverse("home")).url == reverse("volunteers:my_shifts")
    shifts = client.get(reverse("volunteers:open_shifts")).context["shifts"]
    later = [shift for shift in shifts if shift.starts_at > timezone.now() + timedelta(days=1)]
    assert later, "the demo volunteer has no shift to sign up for"
    response = client.post(reverse("volunteers:shift_sign_up", args=[later[0].pk]))
    assert response.status_code == 302 and response.url == reverse("volunteers:my_shifts")
    assert ShiftAssignment.objects.filter(
        shift=later[0], volunteer__user=seeded["volunteer"], status=ShiftAssignment.Status.BOOKED
    ).exists()

    # Dispatcher: the console opens and "send responders" finds at least two free responders,
    # for the demo's own call types and for a caller in each language.
    client.force_login(seeded["dispatcher"])
    assert client.get(reverse("dispatch:console")).status_code == 200
    for slug in ("welfare-check", "mental-health", "neighbor-dispute"):
        call_type = CallType.objects.get(slug=slug)
        for language in ("en", "ko", "es"):
            found = responder_candidates(call_type=call_type, language=language)
            assert len(found) >= 2, (slug, language, found)

    # Responder: on the demo incident's team, which their incidents page lists.
    client.force_login(seeded["responder"])
    incident = Incident.objects.get(responders__volunteer__user=seeded["responder"])
    assert client.get(reverse("volunteers:my_shifts")).status_code == 200
    assert incident.code in client.get(reverse("dispatch:my_incidents")).content.decode()

    # Coordinator: applicants to review, a dated and owned roadmap, a test call that answers.
    client.force_login(seeded["coordinator"])
    assert client.get(reverse("home")).url == reverse("assessment:dashboard")
    assert Volunteer.objects.filter(status=Volunteer.Status.APPLICANT).exists()
    assert client.get(reverse("volunteers:review_queue")).status_code == 200
    phases = list(RoadmapPhase.objects.all())
    assert len(phases) == 6
    assert all(phase.starts_on and phase.ends_on and phase.owner for phase in phases)
    roadmap = client.get(reverse("assessment:roadmap")).content.decode()
    assert "?" not in "".join(line for line in roadmap.splitlines() if "Owner" in line)
    assert "Owner: —" not in roadmap
    client.post(reverse("assessment:readiness_test_call"))
    assert HotlineTestCall.objects.get().succeeded


def test_the_demo_shows_the_programme_features(client, seeded):
    """Issue 22 seen with `make run`: partners at several stages with an agreement and contact
    history, a steering committee and a meeting, the curriculum with a quiz in three languages,
    onboarding checklists and community agreements, a closed incident with a debrief, a draft
    lessons-learned review."""
    from assessment.models import LessonsReview, SteeringMeeting, SteeringMember
    from assessment.readiness.checks import partner_agreements_check
    from dispatch.models import Debrief, Incident, WellbeingCheckIn
    from outreach.models import Partner, PartnerAgreement, PartnerContact, PartnerStage
    from volunteers.models import CommunityAgreementVersion, OnboardingStep, Quiz, ShiftRole, TrainingModule
    from volunteers.selectors import role_ready

    stages = set(Partner.objects.values_list("stage", flat=True))
    assert {PartnerStage.CONTACTED, PartnerStage.MEETING_HELD, PartnerStage.MOU_SIGNED} <= stages
    agreement = PartnerAgreement.objects.get(partner__name="Eastside Mental Health Clinic")
    assert agreement.document.read().startswith(b"%PDF")
    assert PartnerContact.objects.filter(partner=agreement.partner).count() >= 2
    assert partner_agreements_check().ok

    meeting = SteeringMeeting.objects.get()
    assert SteeringMember.objects.count() >= 3 and meeting.attendees.count() >= 3
    assert meeting.agenda and meeting.minutes
    assert any("partner_agreements" in d.readiness_checks for d in meeting.decisions.all())
    assert meeting.action_items.count() >= 2

    curriculum = {"de-escalation", "suicide-risk-screening", "privacy-mandated-reporting", "self-care"}
    assert curriculum <= set(TrainingModule.objects.values_list("slug", flat=True))
    quiz = Quiz.objects.get(module__slug="screening-protocol-console")
    for question in quiz.questions.all():
        assert question.text_en and question.text_ko and question.text_es
        assert question.choices.filter(is_correct=True).count() == 1

    assert OnboardingStep.objects.filter(role=ShiftRole.DISPATCHER).count() >= 4
    assert OnboardingStep.objects.filter(role=ShiftRole.RESPONDER).count() >= 4
    assert CommunityAgreementVersion.objects.filter(text_ko__gt="", text_es__gt="").exists()
    for username in ("dispatcher", "jiwoo.han"):
        assert role_ready(seeded[username].volunteer, ShiftRole.DISPATCHER), username
    assert role_ready(seeded["responder"].volunteer, ShiftRole.RESPONDER)

    from dispatch.demo import CLOSED

    closed = Incident.objects.get(triage__intake__call__call_sid=CLOSED[0])
    assert closed.status == Incident.Status.CLOSED
    assert Debrief.objects.filter(incident=closed).exists()
    assert WellbeingCheckIn.objects.filter(incident=closed, done_at__isnull=True).exists()
    review = LessonsReview.objects.get()
    assert review.decision == "" and review.findings.count() >= 2

    # The coordinator sees them on the pages.
    client.force_login(seeded["coordinator"])
    for name, text in (
        ("outreach:partnership_map", "Eastside Mental Health Clinic"),
        ("dispatch:wellbeing", closed.code),
        ("volunteers:onboarding_review", "Dana"),
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200 and text in response.content.decode(), name
    relationship = client.get(reverse("outreach:partner_relationship", args=[agreement.partner_id]))
    assert "eastside-mou-signed.pdf" in relationship.content.decode()
    assert client.get(meeting.get_absolute_url()).status_code == 200
    assert client.get(review.get_absolute_url()).status_code == 200
    # The demo volunteer is part-way through her checklist: her first solo shift is to do.
    client.force_login(seeded["volunteer"])
    page = client.get(reverse("volunteers:my_onboarding")).content.decode()
    assert 'data-checklist="responder"' in page and "data-ready" in page
