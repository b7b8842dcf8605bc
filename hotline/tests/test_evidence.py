"""The optional diversion questions on the phone (after the volunteer hangs up) and by text
(after a text conversation closes), in English, Korean and Spanish; consented demographics;
linking contacts to one person."""

import pytest
from django.utils import translation

from hotline import messaging, services
from hotline.models import AlternativeService, ContactEvidence, Demographics, HeardFrom, Intake, Person
from hotline.tests.factories import IntakeFactory

from .conftest import payload, says, twiml
from .test_sms import SENDER, reply_of, text
from .test_voice import call_in, choose, dial_ended, screen

QUESTION_1 = {
    "en": ("en-US", "If this line did not exist, who would you have called?"),
    "ko": ("ko-KR", "이 전화가 없었다면 누구에게 전화하셨을까요?"),
    "es": ("es-US", "Si esta línea no existiera, ¿a quién habría llamado?"),
}
MENU_DIGIT = {"en": "1", "ko": "2", "es": "3"}


def _answered_and_hung_up(twilio, on_shift_dispatcher, language):
    on_shift_dispatcher(languages=[language])
    call_in(twilio)
    dial = choose(twilio, MENU_DIGIT[language]).find("Dial")
    screen(twilio, dial.find("Number"), digits="1")
    return dial_ended(twilio, dial, DialCallStatus="completed", DialCallDuration="300", DialBridged="true")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ko", "es"])
def test_after_the_volunteer_hangs_up_the_caller_hears_the_optional_question_in_their_language(
    twilio, on_shift_dispatcher, language
):
    root = _answered_and_hung_up(twilio, on_shift_dispatcher, language)

    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert "/hotline/voice/evidence/?q=1" in gather.get("action")
    locale, start = QUESTION_1[language]
    spoken = says(gather)
    assert all(said_locale == locale for said_locale, _text in spoken)
    assert any(start in said for _locale, said in spoken)
    assert root.find("Hangup") is not None  # silence skips: the call ends, nothing waits


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ko", "es"])
def test_key_presses_record_both_answers_and_thank_the_caller(twilio, on_shift_dispatcher, language):
    root = _answered_and_hung_up(twilio, on_shift_dispatcher, language)
    params = payload("voice_gather", Digits="2")

    second = twiml(twilio.post(root.find("Gather").get("action"), params))

    evidence = ContactEvidence.objects.get()
    assert evidence.would_have_called == AlternativeService.POLICE_NON_EMERGENCY
    assert evidence.answered_via == ContactEvidence.AskedBy.PHONE
    assert "q=2" in second.find("Gather").get("action")
    assert says(second.find("Gather"))[0][0] == QUESTION_1[language][0]

    last = twiml(twilio.post(second.find("Gather").get("action"), payload("voice_gather", Digits="4")))

    evidence.refresh_from_db()
    assert evidence.heard_from == HeardFrom.FRIEND_FAMILY
    assert last.find("Gather") is None and last.find("Hangup") is not None


@pytest.mark.django_db
def test_a_key_that_is_no_answer_records_nothing(twilio, on_shift_dispatcher):
    root = _answered_and_hung_up(twilio, on_shift_dispatcher, "en")
    twilio.post(root.find("Gather").get("action"), payload("voice_gather", Digits="9"))
    assert not ContactEvidence.objects.filter(would_have_called__gt="").exists()


@pytest.mark.django_db
def test_a_caller_who_already_answered_is_not_asked_again(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)
    dial = choose(twilio, "1").find("Dial")
    screen(twilio, dial.find("Number"), digits="1")
    services.evidence_record(intake=Intake.objects.get(), would_have_called=AlternativeService.CALL_911)

    root = dial_ended(twilio, dial, DialCallStatus="completed", DialBridged="true")

    assert root.find("Gather") is None and root.find("Hangup") is not None


@pytest.mark.django_db
def test_the_caller_hanging_up_hears_nothing_more(twilio, on_shift_dispatcher):
    on_shift_dispatcher()
    call_in(twilio)
    dial = choose(twilio, "1").find("Dial")
    screen(twilio, dial.find("Number"), digits="1")
    root = dial_ended(twilio, dial, CallStatus="completed", DialCallStatus="completed", DialBridged="true")
    assert root.find("Gather") is None


@pytest.mark.django_db
def test_the_evidence_webhook_is_signed(twilio):
    response = twilio.post("/hotline/voice/evidence/?q=1", payload("voice_gather", Digits="1"), signed=False)
    assert response.status_code == 403


# --- by text ------------------------------------------------------------------------------


def _closed_text_conversation(twilio, body):
    text(twilio, body)
    intake = Intake.objects.get()
    Intake.objects.filter(pk=intake.pk).update(status=Intake.Status.CLOSED)
    messaging.outbox.clear()
    return Intake.objects.get(pk=intake.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Hi, my neighbor is outside yelling and seems really confused.", "en"),
        ("안녕하세요, 동생이 너무 불안해해요. 도와주세요.", "ko"),
        ("Hola, necesito ayuda con mi hermano, está muy confundido.", "es"),
    ],
)
def test_after_a_text_conversation_closes_the_questions_come_by_text_in_its_language(twilio, body, language):
    intake = _closed_text_conversation(twilio, body)

    assert services.evidence_sms_ask(intake_id=intake.pk) is True
    assert services.evidence_sms_ask(intake_id=intake.pk) is False  # at most once

    with translation.override(language):
        expected = translation.gettext(services.SMS_ALTERNATIVE_QUESTION)
    assert [entry.body for entry in messaging.outbox] == [expected]
    assert language == "en" or expected != services.SMS_ALTERNATIVE_QUESTION

    second = reply_of(text(twilio, "1"))
    with translation.override(language):
        assert second == translation.gettext(services.SMS_HEARD_FROM_QUESTION)
    thanks = reply_of(text(twilio, "5"))
    with translation.override(language):
        assert thanks == translation.gettext(services.SMS_THANKS)

    evidence = ContactEvidence.objects.get(intake=intake)
    assert (evidence.would_have_called, evidence.heard_from) == (AlternativeService.CALL_911, HeardFrom.MEDIA)
    assert evidence.answered_via == ContactEvidence.AskedBy.SMS
    assert evidence.sms_step == ContactEvidence.SmsStep.DONE
    assert Intake.objects.count() == 1  # the answers joined the closed conversation


@pytest.mark.django_db
def test_a_text_that_is_not_an_answer_starts_a_new_conversation(twilio):
    intake = _closed_text_conversation(twilio, "Hi, I need help")
    services.evidence_sms_ask(intake_id=intake.pk)

    root = text(twilio, "My brother is not OK again")

    assert Intake.objects.count() == 2
    assert reply_of(root).startswith("Thank you for texting")
    evidence = ContactEvidence.objects.get(intake=intake)
    assert evidence.sms_step == ContactEvidence.SmsStep.DONE and not evidence.answered


@pytest.mark.django_db
def test_the_questions_are_not_texted_to_an_open_conversation_or_after_the_dispatcher_asked(twilio):
    text(twilio, "Hi, I need help")
    intake = Intake.objects.get()
    messaging.outbox.clear()
    assert services.evidence_sms_ask(intake_id=intake.pk) is False  # still open
    Intake.objects.filter(pk=intake.pk).update(status=Intake.Status.CLOSED)
    services.evidence_record(intake=intake, heard_from=HeardFrom.PARTNER)
    assert services.evidence_sms_ask(intake_id=intake.pk) is False
    assert messaging.outbox == []


@pytest.mark.django_db
def test_an_opted_out_number_gets_no_questions(twilio):
    intake = _closed_text_conversation(twilio, "Hi, I need help")
    services.sms_opt_out(phone=SENDER)
    assert services.evidence_sms_ask(intake_id=intake.pk) is False
    assert messaging.outbox == []


# --- services -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_evidence_record_rejects_unknown_answers_and_keeps_skips():
    intake = IntakeFactory()
    with pytest.raises(services.EvidenceError):
        services.evidence_record(intake=intake, would_have_called="fire brigade")
    evidence = services.evidence_record(intake=intake, would_have_called="", heard_from=HeardFrom.MEDIA)
    assert (evidence.would_have_called, evidence.heard_from) == ("", HeardFrom.MEDIA)
    assert evidence.answered_via == ContactEvidence.AskedBy.DISPATCHER


@pytest.mark.django_db
def test_demographics_only_with_consent_and_withdrawing_it_deletes_them(dispatcher):
    intake = IntakeFactory()
    assert (
        services.demographics_record(intake=intake, consented=False, by=dispatcher, age_band="25_34") is None
    )
    assert not Demographics.objects.exists()

    stored = services.demographics_record(
        intake=intake, consented=True, by=dispatcher, age_band="25_34", race_ethnicity=["asian", "white"]
    )
    assert stored.race_ethnicity == ["asian", "white"] and stored.recorded_by == dispatcher

    with pytest.raises(services.EvidenceError):
        services.demographics_record(
            intake=intake, consented=True, by=dispatcher, race_ethnicity=["prefer_not", "asian"]
        )
    with pytest.raises(services.EvidenceError):
        services.demographics_record(intake=intake, consented=True, by=dispatcher, gender="unknown")

    services.demographics_record(intake=intake, consented=False, by=dispatcher)
    assert not Demographics.objects.exists()


@pytest.mark.django_db
def test_linking_contacts_merges_people_and_unlinking_cleans_up(dispatcher):
    a, b, c, d = (IntakeFactory() for _ in range(4))
    first = services.person_link(intake=a, other=b, by=dispatcher)
    second = services.person_link(intake=c, other=d, by=dispatcher)
    assert first != second

    merged = services.person_link(intake=b, other=c, by=dispatcher)

    assert set(Intake.objects.filter(person=merged).values_list("pk", flat=True)) == {a.pk, b.pk, c.pk, d.pk}
    assert Person.objects.count() == 1
    with pytest.raises(services.LinkError):
        services.person_link(intake=a, other=a, by=dispatcher)

    for intake in (a, b, c):
        services.person_unlink(intake=Intake.objects.get(pk=intake.pk))
    assert Person.objects.count() == 0
    assert not Intake.objects.filter(person__isnull=False).exists()
