"""Factories of the outreach app."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from outreach.models import (
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Option,
    Partner,
    PartnerService,
    Question,
    ServiceType,
    Survey,
)


def service_type(slug: str) -> ServiceType:
    """A seeded service type (or a new one for slugs the seed does not have)."""
    return ServiceType.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})[0]


class PartnerFactory(factory.django.DjangoModelFactory):
    """`PartnerFactory(services=["shelter"], languages=[lang], areas=[area], hours=[(0, "09:00", "17:00")])`."""

    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")
    phone = "+12025550100"
    last_verified_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create:
            for slug in extracted or ["food"]:
                PartnerService.objects.create(partner=self, service_type=service_type(slug))

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create and extracted:
            self.languages.add(*extracted)

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.add(*extracted)

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        if create and extracted:
            for weekday, opens, closes in extracted:
                OpeningHours.objects.create(
                    partner=self,
                    weekday=weekday,
                    opens_at=datetime.time.fromisoformat(opens),
                    closes_at=datetime.time.fromisoformat(closes),
                )


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    title_en = factory.Sequence(lambda n: f"Survey {n}")
    title_ko = factory.Sequence(lambda n: f"설문 {n}")
    title_es = factory.Sequence(lambda n: f"Encuesta {n}")
    status = Survey.Status.OPEN
    anonymous = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(int)
    kind = Question.Kind.SINGLE
    required = True
    text_en = factory.Sequence(lambda n: f"Question {n}?")
    text_ko = factory.Sequence(lambda n: f"질문 {n}?")
    text_es = factory.Sequence(lambda n: f"¿Pregunta {n}?")


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)
    text_en = factory.Sequence(lambda n: f"Option {n}")
    text_ko = factory.Sequence(lambda n: f"선택 {n}")
    text_es = factory.Sequence(lambda n: f"Opción {n}")


def choice_question(survey: Survey, options: list[tuple[str, str, str]], **fields) -> Question:
    """A choice question with options given as (en, ko, es)."""
    question = QuestionFactory(survey=survey, **fields)
    for position, (en, ko, es) in enumerate(options):
        OptionFactory(question=question, position=position, text_en=en, text_ko=ko, text_es=es)
    return question


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    kind = Event.Kind.TABLING
    title = factory.Sequence(lambda n: f"Event {n}")
    held_on = factory.LazyFunction(timezone.localdate)
    people_reached = 10


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    event = factory.SubFactory(EventFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"lead{n}@example.org")


class FocusGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusGroup

    title = factory.Sequence(lambda n: f"Session {n}")
    held_on = factory.LazyFunction(timezone.localdate)
    audience = "residents"
    facilitator = "Cora Kim"
    participants = 8
