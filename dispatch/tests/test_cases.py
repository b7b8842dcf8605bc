"""The case view of a repeat caller, "link to person", and the optional questions at close."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from dispatch.models import Decision
from dispatch.services import triage_claim, triage_decide
from dispatch.tests.factories import SEND_ANSWERS
from hotline import messaging
from hotline.models import ContactEvidence, Demographics, Intake
from hotline.tests.factories import IntakeFactory

pytestmark = pytest.mark.django_db

NUMBER = "+12025550143"


def _case_url(intake):
    return reverse("dispatch:case", args=[intake.pk])


def test_the_case_view_shows_every_contact_of_the_number_and_the_linked_ones_and_is_audited(
    client, dispatcher
):
    first = IntakeFactory(caller=NUMBER, status=Intake.Status.CLOSED)
    second = IntakeFactory(caller=NUMBER)
    other_phone = IntakeFactory(caller="+12025550199", status=Intake.Status.CLOSED)
    stranger = IntakeFactory(caller="+12025550111", status=Intake.Status.CLOSED)
    triage = triage_claim(intake=second, user=dispatcher)
    triage_decide(
        triage=triage,
        user=dispatcher,
        raw_answers=SEND_ANSWERS,
        decision=Decision.PHONE_SUPPORT,
        override_reason="caller asked to talk",
        follow_up_what="check in",
    )
    client.force_login(dispatcher)

    response = client.post(reverse("dispatch:intake_link_person", args=[first.pk]), {"other": other_phone.pk})
    assert response.status_code == 302

    page = client.get(_case_url(first))
    assert page.status_code == 200
    shown = {row.pk for row in page.context["intakes"]}
    assert shown == {first.pk, second.pk, other_phone.pk}
    assert stranger.pk not in shown
    kinds = {entry.kind for entry in page.context["timeline"]}
    assert {"intake", "decision", "follow_up"} <= kinds
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED, actor=dispatcher).latest("at")
    assert set(entry.targets.values_list("object_id", flat=True)) == {first.pk, second.pk, other_phone.pk}
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    # Reachable from the intake page.
    assert _case_url(first) in client.get(reverse("dispatch:intake", args=[first.pk])).content.decode()


@pytest.mark.parametrize("roles", [(), ("Volunteer",), ("Responder",)])
def test_only_dispatchers_and_coordinators_see_a_case(client, make_user, roles):
    intake = IntakeFactory(caller=NUMBER)
    client.force_login(make_user(*roles, username="nobody"))
    assert client.get(_case_url(intake)).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED).exists()


def test_a_coordinator_sees_a_case(client, coordinator):
    client.force_login(coordinator)
    assert client.get(_case_url(IntakeFactory(caller=NUMBER))).status_code == 200


def test_linking_an_intake_to_itself_is_refused(client, dispatcher):
    intake = IntakeFactory()
    client.force_login(dispatcher)
    client.post(reverse("dispatch:intake_link_person", args=[intake.pk]), {"other": intake.pk})
    assert Intake.objects.get(pk=intake.pk).person is None


def test_the_case_view_needs_the_second_factor(client, dispatcher, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    TOTPDevice.objects.create(user=dispatcher, name="authenticator", confirmed=True)
    client.force_login(dispatcher)
    response = client.get(_case_url(IntakeFactory()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("volunteers:two_factor_verify"))


def _decided(dispatcher, **intake_fields):
    intake = IntakeFactory(**intake_fields)
    triage = triage_claim(intake=intake, user=dispatcher)
    triage_decide(
        triage=triage,
        user=dispatcher,
        raw_answers=SEND_ANSWERS,
        decision=Decision.PHONE_SUPPORT,
        override_reason="phone support was enough",
    )
    return intake


def test_the_dispatcher_records_the_answers_and_demographics_at_close(client, dispatcher):
    intake = _decided(dispatcher)
    client.force_login(dispatcher)
    page = client.get(reverse("dispatch:intake", args=[intake.pk]))
    assert 'id="optional-questions"' in page.content.decode()

    response = client.post(
        reverse("dispatch:intake_evidence", args=[intake.pk]),
        {
            "ev-would_have_called": "police_non_emergency",
            "ev-heard_from": "",
            "dm-consented": "on",
            "dm-age_band": "25_34",
            "dm-race_ethnicity": ["black", "hispanic"],
            "dm-housing": "prefer_not",
        },
    )

    assert response.status_code == 302
    evidence = ContactEvidence.objects.get(intake=intake)
    assert (evidence.would_have_called, evidence.heard_from) == ("police_non_emergency", "")
    demographics = Demographics.objects.get(intake=intake)
    assert demographics.race_ethnicity == ["black", "hispanic"]
    assert (demographics.age_band, demographics.housing, demographics.gender) == ("25_34", "prefer_not", "")
    assert AuditEntry.objects.filter(what="optional questions recorded").exists()


def test_without_consent_no_demographics_are_kept(client, dispatcher):
    intake = _decided(dispatcher)
    client.force_login(dispatcher)
    client.post(reverse("dispatch:intake_evidence", args=[intake.pk]), {"dm-age_band": "25_34"})
    assert not Demographics.objects.exists()


def test_prefer_not_to_say_with_a_group_is_a_form_error(client, dispatcher):
    intake = _decided(dispatcher)
    client.force_login(dispatcher)
    response = client.post(
        reverse("dispatch:intake_evidence", args=[intake.pk]),
        {"dm-consented": "on", "dm-race_ethnicity": ["prefer_not", "white"]},
    )
    assert response.status_code == 302
    assert not Demographics.objects.exists()


def test_closing_a_text_conversation_texts_the_questions_after_commit(
    dispatcher, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "memory"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    messaging.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        intake = _decided(dispatcher, channel=Intake.Channel.SMS, caller=NUMBER, language="es")
    bodies = [entry.body for entry in messaging.outbox if entry.to == NUMBER]
    assert len(bodies) == 1 and bodies[0].startswith("Gracias por contactar")
    assert ContactEvidence.objects.get(intake=intake).sms_step == ContactEvidence.SmsStep.ALTERNATIVE
    messaging.outbox.clear()
