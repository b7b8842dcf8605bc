"""The curriculum's requirements: quizzes, trainers' sign-offs, and completion once every one is met."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers.models import (
    CompetencySignOff,
    Quiz,
    QuizAttempt,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)
from volunteers.selectors import has_valid_completion, module_requirements, quiz_attempts_used

from ._common import VolunteerError
from .training import training_completion_record


def training_completion_try(
    *, volunteer: Volunteer, module: TrainingModule, by=None
) -> TrainingCompletion | None:
    """Record today's completion when the module asks for nothing more (quiz passed, session
    attended, trainer's sign-off, as the module requires) and no valid completion exists."""
    if has_valid_completion(volunteer=volunteer, module=module):
        return None
    requirements = module_requirements(volunteer=volunteer, module=module)
    # A module asking for nothing is completed by a coordinator or by attending a session.
    if not requirements or not all(r.met for r in requirements):
        return None
    return training_completion_record(
        volunteer=volunteer, module=module, completed_on=timezone.localdate(), by=by
    )


def quiz_attempt_submit(
    *, quiz: Quiz, volunteer: Volunteer, answers: dict[int, int], language: str
) -> QuizAttempt:
    """Score a quiz attempt (every question answered, one answer each) and keep it.

    The volunteer's row is locked so two submissions at once cannot overrun the attempts
    limit. A pass completes the module when nothing else is missing.
    """
    questions = list(quiz.questions.prefetch_related("choices"))
    if not quiz.is_active or not questions:
        raise VolunteerError(_("This quiz is not open."))
    chosen = {}
    for question in questions:
        choice_id = answers.get(question.pk)
        choices = {choice.pk: choice for choice in question.choices.all()}
        if choice_id not in choices:
            raise VolunteerError(_("Answer every question."))
        chosen[question.pk] = choices[choice_id]
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        if QuizAttempt.objects.filter(
            quiz=quiz, volunteer=volunteer, passed=True
        ).exists() and has_valid_completion(volunteer=volunteer, module=quiz.module):
            raise VolunteerError(_("You have already passed this quiz."))
        if (
            quiz.max_attempts is not None
            and quiz_attempts_used(quiz=quiz, volunteer=volunteer) >= quiz.max_attempts
        ):
            raise VolunteerError(_("No attempts are left: ask your coordinator."))
        correct = sum(1 for choice in chosen.values() if choice.is_correct)
        score = correct * 100 // len(questions)
        attempt = QuizAttempt.objects.create(
            quiz=quiz,
            volunteer=volunteer,
            language=language if language in dict(settings.LANGUAGES) else "en",
            answers={str(pk): choice.pk for pk, choice in chosen.items()},
            score=score,
            passed=score >= quiz.pass_mark,
        )
        if attempt.passed:
            training_completion_try(volunteer=volunteer, module=quiz.module)
    return attempt


def quiz_attempts_reset(*, quiz: Quiz, volunteer: Volunteer) -> int:
    """A coordinator gives a volunteer who used every attempt a fresh start (failed attempts go)."""
    with transaction.atomic():
        deleted, _detail = QuizAttempt.objects.filter(quiz=quiz, volunteer=volunteer, passed=False).delete()
    return deleted


def competency_sign_off(
    *, volunteer: Volunteer, module: TrainingModule, observed: str, by
) -> CompetencySignOff:
    """A trainer signs off a volunteer's competency after observing a role-play."""
    if not observed.strip():
        raise VolunteerError(_("Say what you observed in the role-play."))
    if not module.requires_sign_off:
        raise VolunteerError(_("This module does not ask for a sign-off."))
    with transaction.atomic():
        sign_off = CompetencySignOff.objects.create(
            volunteer=volunteer, module=module, observed=observed.strip(), signed_by=by
        )
        training_completion_try(volunteer=volunteer, module=module, by=by)
    return sign_off
