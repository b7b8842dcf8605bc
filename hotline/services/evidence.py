"""The two optional diversion questions ("who would you have called?", "how did you hear
about us?") and a contact's optional demographics: recorded from the phone menu after the
call, from the texts after a text conversation closed, or by the dispatcher at close.

Never blocking: every answer may be skipped, nothing waits on them, a failure to text the
questions loses nothing but the answers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from hotline import messaging
from hotline.models import (
    AgeBand,
    AlternativeService,
    Call,
    ContactEvidence,
    Demographics,
    Gender,
    HeardFrom,
    Housing,
    Intake,
    PreferredLanguage,
    RaceEthnicity,
)
from hotline.services._common import in_language

logger = logging.getLogger(__name__)

# Digits of the phone menu and of the text replies, in the order the questions list them.
ALTERNATIVE_DIGITS = {
    "1": AlternativeService.CALL_911,
    "2": AlternativeService.POLICE_NON_EMERGENCY,
    "3": AlternativeService.NOBODY,
    "4": AlternativeService.OTHER,
}
HEARD_FROM_DIGITS = {
    "1": HeardFrom.OUTREACH_EVENT,
    "2": HeardFrom.PARTNER,
    "3": HeardFrom.TRANSFER_911,
    "4": HeardFrom.FRIEND_FAMILY,
    "5": HeardFrom.MEDIA,
    "6": HeardFrom.OTHER,
}
# A reply to the texted questions counts only this long after they were sent.
SMS_ANSWER_WINDOW = timedelta(hours=24)

SMS_ALTERNATIVE_QUESTION = gettext_noop(
    "Thank you for contacting the community hotline. Two optional questions help us keep this "
    "line open. If this line did not exist, who would you have called? Reply 1 for 911, 2 for "
    "the police non-emergency line, 3 for nobody, 4 for someone else. Or just ignore this text."
)
SMS_HEARD_FROM_QUESTION = gettext_noop(
    "How did you hear about us? Reply 1 outreach event, 2 partner organisation, 3 a 911 "
    "transfer, 4 friend or family, 5 media, 6 other. Or just ignore this text."
)
SMS_THANKS = gettext_noop("Thank you. If you are in immediate danger, call 911.")


class EvidenceError(ValueError):
    """An answer that is not one of the choices."""


def _evidence_for(intake_id: int) -> ContactEvidence:
    evidence, _created = ContactEvidence.objects.get_or_create(intake_id=intake_id)
    return evidence


def evidence_record(
    *,
    intake: Intake,
    would_have_called: str | None = None,
    heard_from: str | None = None,
    via: str = ContactEvidence.AskedBy.DISPATCHER,
) -> ContactEvidence:
    """Record one or both answers (None leaves an answer as it is, "" clears it: skipped)."""
    if would_have_called not in (None, "", *AlternativeService.values):
        raise EvidenceError(f"unknown answer {would_have_called!r}")
    if heard_from not in (None, "", *HeardFrom.values):
        raise EvidenceError(f"unknown answer {heard_from!r}")
    if via not in ContactEvidence.AskedBy.values:
        raise EvidenceError(f"unknown channel {via!r}")
    with transaction.atomic():
        _evidence_for(intake.pk)
        evidence = ContactEvidence.objects.select_for_update().get(intake_id=intake.pk)
        fields = ["updated_at"]
        if would_have_called is not None:
            evidence.would_have_called = would_have_called
            fields.append("would_have_called")
        if heard_from is not None:
            evidence.heard_from = heard_from
            fields.append("heard_from")
        if evidence.answered and len(fields) > 1:
            evidence.answered_via = via
            fields.append("answered_via")
        evidence.save(update_fields=fields)
    return evidence


def evidence_record_digit(*, call_sid: str, question: int, digit: str) -> ContactEvidence | None:
    """A key pressed in the phone menu after the call (question 1 or 2); anything else: skipped."""
    intake = Intake.objects.filter(call__call_sid=call_sid).first()
    if intake is None:
        return None
    choices = ALTERNATIVE_DIGITS if question == 1 else HEARD_FROM_DIGITS
    answer = choices.get((digit or "").strip())
    if answer is None:
        return None
    key = "would_have_called" if question == 1 else "heard_from"
    return evidence_record(intake=intake, via=ContactEvidence.AskedBy.PHONE, **{key: answer})


def evidence_asked_on_phone(*, call: Call) -> bool:
    """Whether the caller of `call` should hear the questions: a contact, not answered yet."""
    intake = Intake.objects.filter(call=call).select_related("evidence").first()
    if intake is None:
        return False
    evidence = getattr(intake, "evidence", None)
    return evidence is None or not evidence.would_have_called


def evidence_sms_ask(*, intake_id: int) -> bool:
    """Text the first question to the person of a closed text conversation, at most once.

    Claimed by a conditional update before the text goes out: a retried or duplicated task
    texts nobody twice. Returns whether a text was sent. Never call inside a transaction.
    """
    intake = Intake.objects.filter(pk=intake_id, channel=Intake.Channel.SMS).first()
    if intake is None or not intake.caller or intake.status != Intake.Status.CLOSED:
        return False
    evidence = _evidence_for(intake.pk)
    if evidence.answered:
        return False  # the dispatcher already asked
    claimed = ContactEvidence.objects.filter(
        pk=evidence.pk, sms_step=ContactEvidence.SmsStep.NONE, would_have_called="", heard_from=""
    ).update(sms_step=ContactEvidence.SmsStep.ALTERNATIVE, sms_asked_at=timezone.now())
    if claimed != 1:
        return False
    try:
        messaging.send_sms(
            to=str(intake.caller), body=in_language(intake.language, SMS_ALTERNATIVE_QUESTION), intake=intake
        )
    except messaging.SmsError as exc:
        logger.info("Diversion questions not texted to intake %s: %s", intake.pk, exc.code or exc)
        ContactEvidence.objects.filter(pk=evidence.pk).update(sms_step=ContactEvidence.SmsStep.DONE)
        return False
    return True


def evidence_sms_pending(*, caller: str) -> ContactEvidence | None:
    """The texted questions waiting for this number's answer (the latest, within the window)."""
    if not caller:
        return None
    return (
        ContactEvidence.objects.select_for_update(of=("self",))
        .filter(
            intake__caller=caller,
            intake__channel=Intake.Channel.SMS,
            sms_step__in=[ContactEvidence.SmsStep.ALTERNATIVE, ContactEvidence.SmsStep.HEARD_FROM],
            sms_asked_at__gte=timezone.now() - SMS_ANSWER_WINDOW,
        )
        .select_related("intake")
        .order_by("-sms_asked_at")
        .first()
    )


def evidence_sms_answer(*, evidence: ContactEvidence, body: str) -> str | None:
    """A text that may answer the pending question (inside the caller's transaction).

    Returns the reply to text back (the next question, or thanks), or None when the text is
    not an answer: the questions are then dropped and the text starts a new conversation.
    """
    digit = (body or "").strip().strip(".!?¡¿ ")
    language = evidence.intake.language
    if evidence.sms_step == ContactEvidence.SmsStep.ALTERNATIVE:
        answer = ALTERNATIVE_DIGITS.get(digit)
        if answer is None:
            ContactEvidence.objects.filter(pk=evidence.pk).update(sms_step=ContactEvidence.SmsStep.DONE)
            return None
        evidence.would_have_called = answer
        evidence.answered_via = ContactEvidence.AskedBy.SMS
        evidence.sms_step = ContactEvidence.SmsStep.HEARD_FROM
        evidence.sms_asked_at = timezone.now()
        evidence.save(
            update_fields=["would_have_called", "answered_via", "sms_step", "sms_asked_at", "updated_at"]
        )
        return in_language(language, SMS_HEARD_FROM_QUESTION)
    answer = HEARD_FROM_DIGITS.get(digit)
    evidence.sms_step = ContactEvidence.SmsStep.DONE
    if answer is None:
        evidence.save(update_fields=["sms_step", "updated_at"])
        return None
    evidence.heard_from = answer
    evidence.answered_via = ContactEvidence.AskedBy.SMS
    evidence.save(update_fields=["heard_from", "answered_via", "sms_step", "updated_at"])
    return in_language(language, SMS_THANKS)


DEMOGRAPHIC_CHOICES = {
    "age_band": AgeBand.values,
    "language": PreferredLanguage.values,
    "gender": Gender.values,
    "housing": Housing.values,
}


def demographics_record(
    *,
    intake: Intake,
    consented: bool,
    by,
    age_band: str = "",
    race_ethnicity: list[str] | tuple[str, ...] = (),
    language: str = "",
    gender: str = "",
    housing: str = "",
) -> Demographics | None:
    """Store the person's answers, only with their consent. Without it, whatever was stored
    for this contact is deleted (consent withdrawn) and None is returned."""
    values = {"age_band": age_band, "language": language, "gender": gender, "housing": housing}
    for name, value in values.items():
        if value and value not in DEMOGRAPHIC_CHOICES[name]:
            raise EvidenceError(f"unknown {name} {value!r}")
    races = list(dict.fromkeys(race_ethnicity))
    if any(race not in RaceEthnicity.values for race in races):
        raise EvidenceError("unknown race or ethnicity")
    if RaceEthnicity.PREFER_NOT in races and len(races) > 1:
        raise EvidenceError("'prefer not to say' cannot be chosen with a group")
    with transaction.atomic():
        if not consented:
            Demographics.objects.filter(intake=intake).delete()
            return None
        demographics, _created = Demographics.objects.update_or_create(
            intake=intake,
            defaults={
                **values,
                "consented": True,
                "race_ethnicity": races,
                "recorded_by": by,
                "recorded_at": timezone.now(),
            },
        )
    return demographics


def evidence_sms_schedule(*, intake_id: int) -> None:
    """After the current transaction commits, text the questions if the contact was a text
    conversation (dispatch calls this when it closes one)."""
    if not Intake.objects.filter(pk=intake_id, channel=Intake.Channel.SMS).exclude(caller="").exists():
        return
    from hotline.tasks import evidence_sms_ask as task

    transaction.on_commit(lambda: task.delay(intake_id))
