"""The admin pages of issue 22's models render for a coordinator (staff), with real rows,
including private files (which have no URL: the admin must never ask for one)."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("Coordinator", username="admin-coord", is_staff=True, is_superuser=True))
    return client


def test_admin_pages_of_the_new_models_render(staff_client, coordinator):
    from assessment.models import LessonsReview, SteeringMeeting
    from dispatch.models import WellbeingCheckIn
    from outreach.services import partner_agreement_add
    from outreach.tests.factories import PartnerFactory
    from volunteers.models import Lesson, LessonMaterial, OnboardingStep
    from volunteers.tests.factories import TrainingModuleFactory, make_quiz

    agreement = partner_agreement_add(
        partner=PartnerFactory(),
        kind="mou",
        signed_on=timezone.localdate(),
        starts_on=timezone.localdate(),
        document=SimpleUploadedFile("mou.pdf", b"%PDF-1.4 x"),
        by=coordinator,
    )
    module = TrainingModuleFactory()
    lesson = Lesson.objects.create(module=module, title="Lesson")
    material = LessonMaterial(lesson=lesson, name="Handout")
    material.file.save("h.pdf", ContentFile(b"%PDF"), save=True)
    quiz = make_quiz(module)
    step = OnboardingStep.objects.create(role="dispatcher", kind="orientation")
    review = LessonsReview.objects.create(
        title="Q1", first_day=datetime.date(2026, 1, 1), last_day=datetime.date(2026, 3, 31)
    )
    meeting = SteeringMeeting.objects.create(held_on=datetime.date(2026, 2, 1), title="Launch")

    pages = [
        reverse("admin:outreach_partneragreement_change", args=[agreement.pk]),
        reverse("admin:outreach_partnerstagechange_changelist"),
        reverse("admin:outreach_partnercontact_add"),
        reverse("admin:volunteers_trainingmodule_change", args=[module.pk]),
        reverse("admin:volunteers_lesson_change", args=[lesson.pk]),
        reverse("admin:volunteers_quiz_change", args=[quiz.pk]),
        reverse("admin:volunteers_quizquestion_change", args=[quiz.questions.first().pk]),
        reverse("admin:volunteers_quizattempt_changelist"),
        reverse("admin:volunteers_competencysignoff_changelist"),
        reverse("admin:volunteers_onboardingstep_change", args=[step.pk]),
        reverse("admin:volunteers_onboardingrecord_changelist"),
        reverse("admin:volunteers_communityagreementversion_changelist"),
        reverse("admin:volunteers_communityagreementacceptance_changelist"),
        reverse("admin:dispatch_debrief_changelist"),
        reverse("admin:dispatch_wellbeingcheckin_changelist"),
        reverse("admin:assessment_lessonsreview_change", args=[review.pk]),
        reverse("admin:assessment_steeringmember_add"),
        reverse("admin:assessment_steeringmeeting_change", args=[meeting.pk]),
    ]
    for url in pages:
        assert staff_client.get(url).status_code == 200, url
    page = staff_client.get(
        reverse("admin:outreach_partneragreement_change", args=[agreement.pk])
    ).content.decode()
    assert reverse("outreach:agreement_document", args=[agreement.pk]) in page
    assert WellbeingCheckIn.objects.count() == 0
