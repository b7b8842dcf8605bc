"""Demo data and the missed-call texts."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline import demo, messaging
from hotline.models import Call, Intake, Message
from hotline.services import missed_call_notify
from hotline.tasks import missed_call_sweep, notify_missed_call

from .factories import CallFactory, IntakeFactory


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    demo.seed(stdout=io.StringIO())
    counts = (Call.objects.count(), Intake.objects.count(), Message.objects.count())

    demo.seed(stdout=io.StringIO())

    assert (Call.objects.count(), Intake.objects.count(), Message.objects.count()) == counts
    assert set(Intake.objects.values_list("channel", "language", "source")) == {
        ("voice", "ko", "hotline_call"),
        ("voice", "en", "hotline_call"),
        ("sms", "es", "text"),
        ("sms", "ko", "text"),
        ("voice", "en", "police_311_request"),
    }


@pytest.mark.django_db
def test_missed_call_text_goes_to_each_on_shift_dispatcher_once_in_their_language(on_shift_dispatcher):
    spanish = on_shift_dispatcher(preferred_language="es")
    english = on_shift_dispatcher(preferred_language="en")
    call = CallFactory(language="ko")
    intake = IntakeFactory(call=call, status=Intake.Status.NEEDS_CALLBACK)

    assert notify_missed_call.delay(call.pk).get() == 2
    assert missed_call_notify(call_id=call.pk) == 0

    bodies = {entry.to: entry.body for entry in messaging.outbox}
    assert bodies[str(english.phone)].startswith("Hotline: missed call at")
    assert bodies[str(spanish.phone)].startswith("Línea de ayuda: llamada perdida")
    assert all(intake.get_absolute_url() in body for body in bodies.values())


@pytest.mark.django_db
def test_sweep_sends_only_missed_calls_never_texted(on_shift_dispatcher):
    on_shift_dispatcher()
    forgotten = CallFactory()
    IntakeFactory(call=forgotten, status=Intake.Status.NEEDS_CALLBACK)
    texted = CallFactory(missed_notified_at=timezone.now())
    IntakeFactory(call=texted, status=Intake.Status.NEEDS_CALLBACK)
    answered = CallFactory()
    IntakeFactory(call=answered, status=Intake.Status.NEW)
    Call.objects.update(updated_at=timezone.now() - timedelta(minutes=5))

    assert missed_call_sweep() == 1
    assert missed_call_sweep() == 0
    assert Call.objects.get(pk=forgotten.pk).missed_notified_at is not None
