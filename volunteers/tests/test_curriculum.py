"""Training curriculum: seeded modules, lessons rendered safely, private materials, quizzes in
three languages with a pass mark and an attempts limit, and completion that waits for every
requirement (quiz, attendance, trainer's sign-off)."""

import importlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from volunteers.lesson_text import render_lesson_text
from volunteers.models import (
    CompetencySignOff,
    Lesson,
    LessonMaterial,
    QuizAttempt,
    TrainingCompletion,
    TrainingModule,
)
from volunteers.selectors import has_valid_completion, module_requirements
from volunteers.services import VolunteerError, quiz_attempt_submit, training_attendance_record
from volunteers.tests.factories import (
    TrainingModuleFactory,
    TrainingSessionFactory,
    VolunteerFactory,
    make_quiz,
    quiz_answers,
)

pytestmark = pytest.mark.django_db

SEEDED = [
    "de-escalation",
    "trauma-informed-care",
    "suicide-risk-screening",
    "harm-reduction-naloxone",
    "homelessness",
    "screening-protocol-console",
    "privacy-mandated-reporting",
    "self-care",
]


def test_the_curriculum_is_seeded_in_order_with_outlines_and_gates_no_role():
    # Run the data migration's function again: idempotent, and independent of whether an
    # earlier transactional test (or a reused test database) emptied the seeded rows.
    from django.apps import apps

    seed = importlib.import_module("volunteers.migrations.0006_seed_training_curriculum").seed
    seed(apps, None)
    seed(apps, None)
    modules = list(TrainingModule.objects.filter(slug__in=SEEDED))
    assert [m.slug for m in modules] == SEEDED
    for module in modules:
        assert module.roles == []
        assert module.description.startswith("Outline: ")
        lessons = list(module.lessons.all())
        assert len(lessons) == 4
        assert all(lesson.body == "" for lesson in lessons), "titles and outlines only"


def test_lesson_text_is_escaped_and_only_http_links_are_made():
    html = render_lesson_text(
        "Read **this**\n\n- [guide](https://example.org/a?b=1&c=2)\n- [bad](javascript:alert(1))\n\n"
        "<script>alert(1)</script>"
    )
    assert "<strong>this</strong>" in html
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">guide</a>'
        in html
    )
    assert "javascript:" in html and 'href="javascript' not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<li>") == 2


def test_module_page_shows_lessons_video_link_and_materials_to_volunteers(client, volunteer_user, settings):
    volunteer = VolunteerFactory(user=volunteer_user)
    module = TrainingModuleFactory(taught_by_kind="partner", taught_by_name="Harbor Clinic")
    lesson = Lesson.objects.create(
        module=module,
        position=1,
        title="Why it matters",
        body="<b>x</b>",
        video_url="https://video.example/v1",
    )
    material = LessonMaterial(lesson=lesson, name="Handout")
    material.file.save("handout.pdf", ContentFile(b"%PDF-1.4 handout"), save=True)
    assert material.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))

    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:module_detail", args=[module.pk])).content.decode()
    assert "Why it matters" in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert 'href="https://video.example/v1"' in page
    assert "Harbor Clinic" in page
    url = reverse("volunteers:lesson_material", args=[material.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 handout"
    client.logout()
    assert client.get(url).status_code == 302


def test_volunteer_fails_then_passes_the_quiz_in_korean_and_completion_waits_for_sign_off(
    client, volunteer_user, coordinator
):
    volunteer = VolunteerFactory(user=volunteer_user)
    module = TrainingModuleFactory(requires_sign_off=True)
    quiz = make_quiz(module, pass_mark=100, max_attempts=3)
    client.force_login(volunteer.user)
    url = reverse("volunteers:quiz_take", args=[module.pk])

    page = client.get(url, {"lang": "ko"}).content.decode()
    assert "질문 1?" in page and "맞음" in page and "Question 1?" not in page

    response = client.post(url, {"lang": "ko", **quiz_answers(quiz, right=1)})
    assert response.status_code == 302
    failed = QuizAttempt.objects.get()
    assert (failed.score, failed.passed, failed.language) == (50, False, "ko")

    client.post(url, {"lang": "ko", **quiz_answers(quiz, right=2)})
    assert QuizAttempt.objects.filter(passed=True, score=100).count() == 1
    requirements = {r.key: r.met for r in module_requirements(volunteer=volunteer, module=module)}
    assert requirements == {"quiz": True, "sign_off": False}
    assert not has_valid_completion(volunteer=volunteer, module=module)

    client.force_login(coordinator)
    response = client.post(
        reverse("volunteers:competency_sign_off", args=[volunteer.pk]),
        {"module": module.pk, "observed": "Role-play: calmed an agitated caller, offered options."},
    )
    assert response.status_code == 302
    assert CompetencySignOff.objects.get().signed_by == coordinator
    completion = TrainingCompletion.objects.get(volunteer=volunteer, module=module)
    assert completion.completed_on == timezone.localdate()
    assert completion.expires_on == timezone.localdate() + timedelta(days=365)


def test_attempts_limit_holds_and_a_coordinator_can_clear_failed_attempts(client, coordinator):
    volunteer = VolunteerFactory()
    module = TrainingModuleFactory()
    quiz = make_quiz(module, max_attempts=2)
    wrong = {q.pk: q.choices.get(is_correct=False).pk for q in quiz.questions.all()}
    for _attempt in range(2):
        quiz_attempt_submit(quiz=quiz, volunteer=volunteer, answers=wrong, language="es")
    with pytest.raises(VolunteerError, match="No attempts"):
        quiz_attempt_submit(quiz=quiz, volunteer=volunteer, answers=wrong, language="es")
    assert QuizAttempt.objects.count() == 2

    client.force_login(coordinator)
    client.post(reverse("volunteers:quiz_attempts_reset", args=[volunteer.pk]), {"module": module.pk})
    assert not QuizAttempt.objects.exists()
    right = {q.pk: q.choices.get(is_correct=True).pk for q in quiz.questions.all()}
    assert quiz_attempt_submit(quiz=quiz, volunteer=volunteer, answers=right, language="es").passed
    # A quiz is the module's only requirement here: passing it completes the module.
    assert has_valid_completion(volunteer=volunteer, module=module)


def test_every_question_must_be_answered_with_one_of_its_own_answers():
    volunteer = VolunteerFactory()
    quiz = make_quiz(TrainingModuleFactory())
    first, second = quiz.questions.order_by("position")
    with pytest.raises(VolunteerError, match="Answer every question"):
        quiz_attempt_submit(
            quiz=quiz, volunteer=volunteer, answers={first.pk: first.choices.first().pk}, language="en"
        )
    with pytest.raises(VolunteerError, match="Answer every question"):
        quiz_attempt_submit(
            quiz=quiz,
            volunteer=volunteer,
            answers={first.pk: second.choices.first().pk, second.pk: second.choices.first().pk},
            language="en",
        )
    assert not QuizAttempt.objects.exists()


def test_attendance_alone_does_not_complete_a_module_that_also_has_a_quiz(coordinator):
    volunteer = VolunteerFactory()
    module = TrainingModuleFactory(requires_attendance=True)
    quiz = make_quiz(module)
    session = TrainingSessionFactory(module=module, starts_at=timezone.now() - timedelta(hours=2))
    training_attendance_record(session=session, attended=[volunteer], by=coordinator)
    assert not has_valid_completion(volunteer=volunteer, module=module)
    right = {q.pk: q.choices.get(is_correct=True).pk for q in quiz.questions.all()}
    quiz_attempt_submit(quiz=quiz, volunteer=volunteer, answers=right, language="en")
    assert has_valid_completion(volunteer=volunteer, module=module)


def test_sign_off_needs_an_observation_and_a_module_that_asks_for_it(coordinator):
    from volunteers.services import competency_sign_off

    volunteer = VolunteerFactory()
    with pytest.raises(VolunteerError):
        competency_sign_off(
            volunteer=volunteer,
            module=TrainingModuleFactory(requires_sign_off=True),
            observed=" ",
            by=coordinator,
        )
    with pytest.raises(VolunteerError):
        competency_sign_off(
            volunteer=volunteer, module=TrainingModuleFactory(), observed="Fine", by=coordinator
        )
    assert not CompetencySignOff.objects.exists()
