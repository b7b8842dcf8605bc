"""Factories of the volunteers app, and `put_on_shift` for other apps' tests."""

from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from volunteers.models import (
    Area,
    Language,
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingCompletion,
    TrainingModule,
    TrainingSession,
    Volunteer,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class VolunteerFactory(factory.django.DjangoModelFactory):
    """An active volunteer with a user account in the Volunteer group.

    `VolunteerFactory(user__roles=["Volunteer", "Responder"])` for other groups;
    `VolunteerFactory(status="applicant", user=None)` for an applicant.
    """

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=("Volunteer",))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"volunteer{n}@example.org")
    status = Volunteer.Status.ACTIVE
    sms_consent = True
    roles_of_interest = factory.LazyFunction(lambda: [ShiftRole.DISPATCHER])
    agreements_accepted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        """`languages=["ko", "en"]` (codes of Language rows, created if missing)."""
        if create and extracted:
            self.languages.add(*(_language(code) for code in extracted))

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.add(*extracted)


def _language(code: str) -> Language:
    return Language.objects.get_or_create(code=code, defaults={"name": code})[0]


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingModule
        django_get_or_create = ("slug",)

    title = factory.Sequence(lambda n: f"Module {n}")
    slug = factory.Sequence(lambda n: f"module-{n}")
    description = "What every volunteer needs to know."
    roles = factory.LazyFunction(list)
    qualifies_for_call_types = factory.LazyFunction(list)
    validity_days = 365


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    module = factory.SubFactory(TrainingModuleFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    location = "Community center, room 2"
    trainer = "Jordan Reyes"


class TrainingCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingCompletion

    volunteer = factory.SubFactory(VolunteerFactory)
    module = factory.SubFactory(TrainingModuleFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    expires_on = factory.LazyAttribute(lambda c: c.module.expires_on_for(c.completed_on))


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    role = ShiftRole.DISPATCHER
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=4))
    capacity = 2
    minimum_staffing = 1


class ShiftAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftAssignment

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    status = ShiftAssignment.Status.BOOKED


_ROLE_GROUPS = {ShiftRole.DISPATCHER: "Dispatcher", ShiftRole.RESPONDER: "Responder"}


def put_on_shift(
    volunteer: Volunteer,
    role: str,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    area: Area | None = None,
) -> ShiftAssignment:
    """Make `volunteer` on shift and qualified for `role` (default: from an hour ago for 4 hours).

    Creates the shift, a booked assignment, the role's group, and a completion of every module
    the role requires that is valid for the whole shift.
    """
    now = timezone.now()
    starts_at = starts_at or now - timedelta(hours=1)
    ends_at = ends_at or starts_at + timedelta(hours=4)
    shift = ShiftFactory(role=role, starts_at=starts_at, ends_at=ends_at, area=area)
    completed_on = min(timezone.localdate(starts_at), timezone.localdate(now)) - timedelta(days=1)
    for module in TrainingModule.objects.filter(is_active=True):
        if role not in module.roles:
            continue
        valid = volunteer.completions.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gt=timezone.localdate(ends_at)),
            module=module,
            completed_on__lte=completed_on,
        )
        if not valid.exists():
            TrainingCompletion.objects.create(
                volunteer=volunteer,
                module=module,
                completed_on=completed_on,
                expires_on=None,
            )
    if volunteer.user is not None:
        volunteer.user.groups.add(*Group.objects.filter(name__in=["Volunteer", _ROLE_GROUPS[role]]))
        volunteer.user._hotline_roles = None
    return ShiftAssignment.objects.create(
        shift=shift, volunteer=volunteer, status=ShiftAssignment.Status.BOOKED
    )


def make_quiz(module, *, pass_mark: int = 100, max_attempts: int | None = None, questions: int = 2):
    """A quiz on `module` with `questions` questions in en/ko/es, each with a right answer
    ("Right", "맞음", "Correcto") and a wrong one."""
    from volunteers.models import Quiz, QuizChoice, QuizQuestion

    quiz = Quiz.objects.create(module=module, pass_mark=pass_mark, max_attempts=max_attempts)
    for number in range(1, questions + 1):
        question = QuizQuestion.objects.create(
            quiz=quiz,
            position=number,
            text_en=f"Question {number}?",
            text_ko=f"질문 {number}?",
            text_es=f"¿Pregunta {number}?",
        )
        QuizChoice.objects.create(
            question=question,
            position=1,
            text_en="Right",
            text_ko="맞음",
            text_es="Correcto",
            is_correct=True,
        )
        QuizChoice.objects.create(
            question=question, position=2, text_en="Wrong", text_ko="틀림", text_es="Incorrecto"
        )
    return quiz


def quiz_answers(quiz, *, right: int) -> dict[str, int]:
    """POST data answering the first `right` questions right and the rest wrong."""
    data = {}
    for index, question in enumerate(quiz.questions.order_by("position")):
        choice = question.choices.get(is_correct=index < right)
        data[f"q{question.pk}"] = choice.pk
    return data
