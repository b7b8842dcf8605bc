"""Text messages: inbound texts (STOP/START/HELP, a volunteer's reply, a person's conversation
with the hotline), Twilio's delivery status callbacks, and the texts dispatchers send an intake.

The SMS webhooks (`hotline.webhooks`) call `sms_receive`, `sms_degraded_reply` and
`message_update_status`; the intake page calls `intake_reply`. A text from a volunteer is handed
to other apps through the `sms_received` signal (dispatch reads acknowledgements from it).

Twilio retries webhooks, so a MessageSid is stored once whatever happens.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from hotline import messaging
from hotline.models import Intake, Message, SmsOptOut
from hotline.services._common import in_language, normalise_caller
from hotline.services.evidence import evidence_sms_answer, evidence_sms_pending
from hotline.services.intakes import intake_open
from hotline.signals import sms_received

logger = logging.getLogger(__name__)


def intake_reply(*, intake: Intake, body: str) -> messaging.SentMessage:
    """A dispatcher texts the person of an intake; the text joins the conversation."""
    body = body.strip()
    if not body:
        raise ValueError("the text is empty")
    if not intake.caller:
        raise messaging.SmsError("this caller's number is withheld", code="invalid-number", permanent=True)
    return messaging.send_sms(to=str(intake.caller), body=body, intake=intake)


STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "ALTO",
        "PARAR",
        "중지",
        "수신거부",
    }
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA", "도움말"})
KEYWORD_LANGUAGE = {
    "ALTO": "es",
    "PARAR": "es",
    "AYUDA": "es",
    "중지": "ko",
    "수신거부": "ko",
    "도움말": "ko",
}

AUTO_REPLY = gettext_noop(
    "Thank you for texting the community hotline. A volunteer will text you back soon. "
    "If you are in immediate danger, call 911. Reply STOP to stop texts."
)
HELP_REPLY = gettext_noop(
    "Community hotline: text us what is happening and a volunteer will reply, or call this number "
    "to talk with someone. If you are in immediate danger, call 911. Reply STOP to stop texts."
)
START_REPLY = gettext_noop("You will get texts from the community hotline again. Reply STOP to stop.")
DEGRADED_REPLY = gettext_noop(
    "Sorry, we could not receive your text just now. If you are in immediate danger, call 911. "
    "Please call this number to reach a volunteer."
)

_SPANISH_WORDS = frozenset(
    "hola ayuda ayúdame ayudame necesito favor estoy está esta gracias tengo quiero puede pueden alguien "
    "miedo policía policia ahora aquí aqui dónde donde calle casa mi mis el la los las una es y con de en "
    "que por para hermano hermana madre padre hijo hija señor señora mamá no sé".split()
)
_ENGLISH_WORDS = frozenset(
    "hi hello help need please i i'm im am is are the a my me and to with someone there here "
    "he she they it this of in at on can you scared now".split()
)
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect_language(text: str) -> str:
    """A best guess among the hotline's languages for a text: ko, es or en."""
    if _HANGUL.search(text or ""):
        return "ko"
    words = [w.lower() for w in _WORD.findall(text or "")]
    spanish = sum(w in _SPANISH_WORDS for w in words) + sum(ch in "ñ¿¡áéíóú" for ch in (text or "").lower())
    english = sum(w in _ENGLISH_WORDS for w in words)
    return "es" if spanish > english else "en"


def sms_keyword(body: str) -> str:
    word = (body or "").strip().strip(".!?¡¿ ").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    if word in ("YES", "SI", "SÍ", "네", "예"):
        return "yes"
    return ""


@dataclass(frozen=True)
class SmsReceipt:
    """What became of an inbound text, and the reply to put in the TwiML answer (if any)."""

    message: Message | None
    duplicate: bool = False
    intake: Intake | None = None
    volunteer: object | None = None
    reply: Message | None = None


def sms_opt_out(*, phone: str, keyword: str = "STOP") -> SmsOptOut:
    opt_out, _created = SmsOptOut.objects.get_or_create(phone=phone, defaults={"keyword": keyword[:32]})
    return opt_out


def sms_opt_in(*, phone: str) -> bool:
    deleted, _ = SmsOptOut.objects.filter(phone=phone).delete()
    return bool(deleted)


def _open_sms_intake(*, caller: str, language: str) -> tuple[Intake, bool]:
    intake = (
        Intake.objects.select_for_update()
        .filter(channel=Intake.Channel.SMS, caller=caller)
        .exclude(status=Intake.Status.CLOSED)
        .first()
    )
    if intake is not None:
        return intake, False
    return intake_open(channel=Intake.Channel.SMS, caller=caller, language=language), True


def _reply(*, to: str, body: str, intake: Intake | None) -> Message:
    """An automatic reply, sent as TwiML in the webhook's answer; Twilio's status callback
    (with this row's id in its URL) fills in the MessageSid."""
    return Message.objects.create(
        direction=Message.Direction.OUTBOUND,
        from_number=settings.HOTLINE_NUMBER,
        to_number=to,
        body=body,
        status=Message.Status.QUEUED,
        intake=intake,
    )


def _volunteer_by_phone(phone: str):
    from volunteers.selectors import volunteer_by_phone

    return volunteer_by_phone(phone) if phone else None


def sms_receive(
    *,
    message_sid: str,
    from_number: str,
    to_number: str,
    body: str,
    media_urls: Sequence[str] = (),
    reply: bool = True,
) -> SmsReceipt:
    """An inbound text: honour STOP/START/HELP, hand volunteers' texts to other apps, and
    open or continue the sender's intake conversation (one automatic reply per intake).

    The same MessageSid twice (a retry, or two concurrent deliveries) is stored once. With
    `reply=False` (a text replayed from the spool: the sender already had the degraded
    answer, and there is no webhook to carry a reply) no automatic reply is made.
    """
    if Message.objects.filter(message_sid=message_sid).exists():
        return SmsReceipt(message=None, duplicate=True)
    sender = normalise_caller(from_number) or from_number.strip()[:32]
    keyword = sms_keyword(body)
    volunteer = _volunteer_by_phone(sender) if normalise_caller(from_number) else None
    for attempt in range(3):
        try:
            receipt = _sms_store(
                message_sid=message_sid,
                sender=sender,
                to_number=to_number,
                body=body,
                media_urls=list(media_urls),
                keyword=keyword,
                volunteer=volunteer,
                reply=reply,
            )
            break
        except IntegrityError:
            # Either the same MessageSid was stored concurrently, or another text from this
            # number opened the conversation a moment ago; look again.
            if Message.objects.filter(message_sid=message_sid).exists():
                return SmsReceipt(message=None, duplicate=True)
            if attempt == 2:
                raise
    if receipt.volunteer is not None:
        for receiver, result in sms_received.send_robust(
            sender=Message, message=receipt.message, volunteer=receipt.volunteer
        ):
            if isinstance(result, Exception):
                logger.error("sms_received receiver %r failed", receiver, exc_info=result)
    return receipt


def _sms_store(
    *,
    message_sid: str,
    sender: str,
    to_number: str,
    body: str,
    media_urls: list[str],
    keyword: str,
    volunteer,
    reply: bool = True,
) -> SmsReceipt:
    with transaction.atomic():
        opted_out = SmsOptOut.objects.filter(phone=sender).exists()
        word = body.strip().strip(".!?¡¿ ").upper()
        intake: Intake | None = None
        reply_text = ""
        language = KEYWORD_LANGUAGE.get(word) or detect_language(body)
        if keyword == "stop":
            # Twilio sends the carrier-mandated opt-out confirmation itself; we text nothing.
            sms_opt_out(phone=sender, keyword=word)
            intake = _existing_sms_intake(sender)
        elif keyword == "start" or (keyword == "yes" and opted_out):
            sms_opt_in(phone=sender)
            intake = _existing_sms_intake(sender)
            language = intake.language if intake and intake.language else language
            reply_text = in_language(language, START_REPLY)
        elif volunteer is not None:
            intake = None
        elif (answered := _evidence_answer(sender, body)) is not None:
            # A digit answering the optional questions texted after the conversation closed.
            intake, reply_text = answered
        else:
            intake, created = _open_sms_intake(caller=sender, language=language)
            if not opted_out and (created or keyword == "help"):
                reply_text = in_language(intake.language, HELP_REPLY if keyword == "help" else AUTO_REPLY)
        message = Message.objects.create(
            direction=Message.Direction.INBOUND,
            message_sid=message_sid,
            from_number=sender,
            to_number=to_number[:32],
            body=body,
            media_urls=media_urls,
            status=Message.Status.RECEIVED,
            intake=intake,
        )
        if intake is not None:
            intake.save(update_fields=["updated_at"])
        answer = _reply(to=sender, body=reply_text, intake=intake) if reply_text and reply else None
    handed_over = volunteer if (intake is None and keyword != "stop" and not reply_text) else None
    return SmsReceipt(message=message, intake=intake, volunteer=handed_over, reply=answer)


def _evidence_answer(sender: str, body: str) -> tuple[Intake, str] | None:
    """(the closed intake, the reply) when this text answers its pending questions."""
    if _existing_sms_intake(sender) is not None:
        return None  # a conversation is open: the text is part of it
    evidence = evidence_sms_pending(caller=sender)
    if evidence is None:
        return None
    reply_text = evidence_sms_answer(evidence=evidence, body=body)
    return None if reply_text is None else (evidence.intake, reply_text)


def _existing_sms_intake(caller: str) -> Intake | None:
    return (
        Intake.objects.filter(channel=Intake.Channel.SMS, caller=caller)
        .exclude(status=Intake.Status.CLOSED)
        .first()
    )


def sms_degraded_reply(*, body: str) -> str:
    """The text answered when the database is failing (nothing could be stored)."""
    return in_language(detect_language(body), DEGRADED_REPLY)


# Later statuses never give way to earlier ones arriving late.
_STATUS_RANK = {
    Message.Status.ACCEPTED: 0,
    Message.Status.SCHEDULED: 0,
    Message.Status.QUEUED: 1,
    Message.Status.SENDING: 2,
    Message.Status.SENT: 3,
    Message.Status.DELIVERED: 4,
    Message.Status.UNDELIVERED: 4,
    Message.Status.FAILED: 4,
    Message.Status.CANCELED: 4,
    Message.Status.READ: 5,
}


def message_update_status(
    *, message_sid: str, status: str, error_code: str = "", message_id: int | None = None
) -> int:
    """Twilio's message status callback. Returns the number of rows updated."""
    if status not in _STATUS_RANK:
        logger.warning("Ignored unknown message status %r for %s", status, message_sid)
        return 0
    with transaction.atomic():
        if message_id is not None and message_sid:
            clash = Message.objects.filter(message_sid=message_sid).exclude(pk=message_id).exists()
            if not clash:
                Message.objects.filter(pk=message_id, message_sid__isnull=True).update(
                    message_sid=message_sid
                )
        earlier = [s for s, rank in _STATUS_RANK.items() if rank < _STATUS_RANK[status]]
        changes: dict[str, str] = {"status": status, "updated_at": timezone.now()}
        if error_code:
            changes["error_code"] = error_code[:16]
        return Message.objects.filter(
            message_sid=message_sid, direction=Message.Direction.OUTBOUND, status__in=earlier
        ).update(**changes)
