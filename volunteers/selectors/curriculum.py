"""The curriculum: what completing a module needs (quiz, attendance, sign-off), and quiz attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from volunteers.models import (
    CompetencySignOff,
    Quiz,
    QuizAttempt,
    TrainingAttendance,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)


@dataclass
class Requirement:
    key: str  # "quiz", "attendance", "sign_off"
    label: str
    met: bool


def active_quiz(module: TrainingModule) -> Quiz | None:
    """The module's quiz when it is active and has questions (otherwise it asks nothing)."""
    quiz = Quiz.objects.filter(module=module, is_active=True).first()
    return quiz if quiz is not None and quiz.questions.exists() else None


def _evidence_since(module: TrainingModule, today: date) -> datetime | None:
    """Quizzes, attendance and sign-offs older than the module's validity do not count again."""
    if module.validity_days is None:
        return None
    start = today - timedelta(days=module.validity_days)
    return datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def module_requirements(
    *, volunteer: Volunteer, module: TrainingModule, today: date | None = None
) -> list[Requirement]:
    """Each thing a completion of `module` needs, and whether the volunteer has it."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    since = _evidence_since(module, today)
    requirements = []
    quiz = active_quiz(module)
    if quiz is not None:
        passed = QuizAttempt.objects.filter(quiz=quiz, volunteer=volunteer, passed=True)
        if since is not None:
            passed = passed.filter(submitted_at__gte=since)
        requirements.append(Requirement("quiz", _("Pass the quiz"), passed.exists()))
    if module.requires_attendance:
        attended = TrainingAttendance.objects.filter(
            volunteer=volunteer, session__module=module, status=TrainingAttendance.Status.ATTENDED
        )
        if since is not None:
            attended = attended.filter(session__starts_at__gte=since)
        requirements.append(Requirement("attendance", _("Attend a session"), attended.exists()))
    if module.requires_sign_off:
        signed = CompetencySignOff.objects.filter(volunteer=volunteer, module=module)
        if since is not None:
            signed = signed.filter(signed_at__gte=since)
        requirements.append(Requirement("sign_off", _("Trainer's competency sign-off"), signed.exists()))
    return requirements


def has_valid_completion(*, volunteer: Volunteer, module: TrainingModule, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        TrainingCompletion.objects.filter(volunteer=volunteer, module=module, completed_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
        .exists()
    )


def quiz_attempts_used(*, quiz: Quiz, volunteer: Volunteer) -> int:
    return QuizAttempt.objects.filter(quiz=quiz, volunteer=volunteer).count()


def quiz_attempts_left(*, quiz: Quiz, volunteer: Volunteer) -> int | None:
    """None when the quiz has no limit."""
    if quiz.max_attempts is None:
        return None
    return max(quiz.max_attempts - quiz_attempts_used(quiz=quiz, volunteer=volunteer), 0)
