import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from volunteers.models import (
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingCompletion,
    TrainingModule,
    TrainingSession,
    Volunteer,
)
from volunteers.selectors import is_qualified, on_shift_now
from volunteers.tests.factories import (
    ShiftAssignmentFactory,
    TrainingCompletionFactory,
    TrainingSessionFactory,
)

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_puts_demo_dispatcher_and_responder_on_shift_now_idempotently():
    from io import StringIO

    from volunteers import demo

    call_command("seed_demo", stdout=StringIO())
    counts = [
        model.objects.count()
        for model in (Volunteer, TrainingModule, TrainingCompletion, Shift, ShiftAssignment)
    ]
    demo.seed(stdout=StringIO())
    assert [
        model.objects.count()
        for model in (Volunteer, TrainingModule, TrainingCompletion, Shift, ShiftAssignment)
    ] == counts
    User = get_user_model()
    dispatcher = User.objects.get(username="dispatcher").volunteer
    responder = User.objects.get(username="responder").volunteer
    assert dispatcher in on_shift_now(ShiftRole.DISPATCHER)
    assert responder in on_shift_now(ShiftRole.RESPONDER)
    assert is_qualified(dispatcher, ShiftRole.DISPATCHER) and is_qualified(responder, ShiftRole.RESPONDER)
    korean = on_shift_now(ShiftRole.DISPATCHER, language="ko")
    assert korean[0].speaks_language
    assert Volunteer.objects.filter(languages__code="ko").count() >= 3
    assert Volunteer.objects.filter(languages__code="es").count() >= 3
    assert Volunteer.objects.filter(status=Volunteer.Status.APPLICANT).exists()
    # The demo volunteer: approved and trained as a responder, with no shift yet to sign up for.
    newcomer = User.objects.get(username="volunteer").volunteer
    assert is_qualified(newcomer, ShiftRole.RESPONDER)
    assert newcomer not in on_shift_now(ShiftRole.RESPONDER)


def test_admin_pages_for_every_model(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    client.force_login(admin)
    ShiftAssignmentFactory()
    TrainingCompletionFactory()
    TrainingSessionFactory()
    for model in (
        "volunteer",
        "volunteernote",
        "trainingmodule",
        "trainingsession",
        "trainingattendance",
        "trainingcompletion",
        "shift",
        "shiftassignment",
        "area",
        "language",
    ):
        assert client.get(reverse(f"admin:volunteers_{model}_changelist")).status_code == 200, model
    volunteer = Volunteer.objects.first()
    assert client.get(reverse("admin:volunteers_volunteer_change", args=[volunteer.pk])).status_code == 200
    session = TrainingSession.objects.first()
    assert (
        client.get(reverse("admin:volunteers_trainingsession_change", args=[session.pk])).status_code == 200
    )
