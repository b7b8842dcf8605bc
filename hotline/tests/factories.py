"""Factories of the hotline app."""

import factory
from django.utils import timezone

from hotline.models import Call, Intake, Message


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        django_get_or_create = ("call_sid",)

    call_sid = factory.Sequence(lambda n: f"CA{n:032x}")
    from_number = factory.Sequence(lambda n: f"+1202555{2000 + n % 7000:04d}")
    to_number = "+12025550100"
    language = "en"
    started_at = factory.LazyFunction(timezone.now)


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    channel = Intake.Channel.VOICE
    caller = factory.Sequence(lambda n: f"+1202555{2000 + n % 7000:04d}")
    language = "en"
    status = Intake.Status.NEW


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    direction = Message.Direction.INBOUND
    message_sid = factory.Sequence(lambda n: f"SM{n:032x}")
    from_number = factory.Sequence(lambda n: f"+1202555{2000 + n % 7000:04d}")
    to_number = "+12025550100"
    body = "I need someone to talk to."
    status = Message.Status.RECEIVED
