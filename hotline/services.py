"""State changes of the hotline app. Each service owns its transaction.

Twilio retries webhooks and its callbacks arrive in any order, so every service here is
idempotent: it gets-or-creates by Twilio's sid and only moves records forward.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import time_format
from django.utils.translation import gettext, gettext_noop

from hotline import messaging
from hotline.models import (
    CALL_PARTY_MAX_LENGTH,
    PARTNER_SOURCES,
    Call,
    Handoff,
    HandoffApiKey,
    HandoffPartner,
    Intake,
    Message,
    SmsOptOut,
)
from hotline.signals import sms_received
from hotline.signatures import public_url

logger = logging.getLogger(__name__)

HOTLINE_LANGUAGES = ("en", "ko", "es")


def normalise_caller(raw: str) -> str:
    """A caller's number in E.164, or "" when it is withheld or not a phone number."""
    raw = (raw or "").strip()
    if not raw or raw.lower() in messaging.WITHHELD_NUMBERS:
        return ""
    try:
        parsed = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def in_language(language: str, message: str, **params: object) -> str:
    with translation.override(language if language in HOTLINE_LANGUAGES else settings.LANGUAGE_CODE):
        return gettext(message) % params if params else gettext(message)


# --- calls -------------------------------------------------------------------------------


# The hot path's one statement. A test checks that it writes exactly the row the ORM would
# (hotline/tests/test_services.py), so a new column cannot silently drift from it.
_ARRIVAL_SQL = """
SET LOCAL synchronous_commit TO OFF;
INSERT INTO hotline_call (
    call_sid, direction, from_number, to_number, language, status, outcome, started_at,
    answered_number, screened_volunteer_ids, recording_url, created_at, updated_at
) VALUES (
    %(call_sid)s, %(direction)s, %(from_number)s, %(to_number)s, '', %(status)s, %(outcome)s, %(now)s,
    '', '[]', '', %(now)s, %(now)s
) ON CONFLICT (call_sid) DO NOTHING
"""


def _party(value: str) -> str:
    """A Twilio From or To as stored on a Call (a number, a SIP address, a client identity)."""
    return value[:CALL_PARTY_MAX_LENGTH]


def call_record_arrival(*, call_sid: str, from_number: str, to_number: str) -> None:
    """Record a new inbound call; a retried webhook changes nothing.

    The incoming-call webhook is the hot path, so on Postgres this is one round trip: an
    INSERT ... ON CONFLICT DO NOTHING sent with `SET LOCAL synchronous_commit TO OFF` as one
    implicit transaction, so the caller's answer does not wait for the disk flush. That is safe
    here: a database crash could lose at most the last fraction of a second of arrival rows, and
    every later webhook and callback of the call re-creates its row by CallSid
    (`call_get_or_create`). Everything else keeps full durability. Inside an open transaction,
    or on SQLite, it is the ORM's bulk_create with ignore_conflicts.
    """
    values = {
        "call_sid": call_sid,
        "direction": Call.Direction.INBOUND.value,
        "from_number": _party(from_number),
        "to_number": _party(to_number),
        "status": Call.Status.RINGING.value,
        "outcome": Call.Outcome.PENDING.value,
        "now": timezone.now(),
    }
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _execute_as_health_check(_ARRIVAL_SQL, values)
        return
    call = Call(
        call_sid=call_sid,
        from_number=values["from_number"],
        to_number=values["to_number"],
        started_at=values["now"],
    )
    Call.objects.bulk_create([call], ignore_conflicts=True)


def _execute_as_health_check(sql: str, params: dict) -> None:
    """Run an idempotent statement as the request's first query, in place of Django's health
    check (CONN_HEALTH_CHECKS sends a `SELECT 1` before a reused connection's first query,
    doubling the hot path's round trips).

    If the reused connection turns out dead (the server restarted, a proxy dropped it), the
    statement is retried once on a new connection: what the health check would have done.
    Only for statements that are safe to run twice, and outside any transaction.
    """
    for attempt in (1, 2):
        reused = connection.connection is not None
        # Django's own flag, set by connect() and by the check itself: the check is done.
        connection.health_check_done = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            return
        except (OperationalError, InterfaceError):
            if not reused or attempt == 2:
                raise
            logger.warning("A reused database connection failed; retrying on a new one")
            connection.close()


def call_get_or_create(
    *,
    call_sid: str,
    from_number: str = "",
    to_number: str = "",
    direction: str = Call.Direction.INBOUND,
) -> tuple[Call, bool]:
    """The call with this CallSid, created when missing; safe against concurrent duplicates.

    Two requests racing to create it: the loser's INSERT hits the unique constraint, and it
    reads the winner's row instead.
    """
    defaults = {"from_number": _party(from_number), "to_number": _party(to_number), "direction": direction}
    for attempt in range(3):
        try:
            with transaction.atomic():
                return Call.objects.get_or_create(call_sid=call_sid, defaults=defaults)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _locked_call(*, call_sid: str, from_number: str = "", to_number: str = "") -> Call:
    """Inside a transaction: the call row, created if missing, locked for update."""
    call_get_or_create(call_sid=call_sid, from_number=from_number, to_number=to_number)
    return Call.objects.select_for_update().get(call_sid=call_sid)


def _intake_for_call(call: Call, *, language: str = "", source: str = Intake.Source.HOTLINE_CALL) -> Intake:
    intake = Intake.objects.filter(call=call).first()
    if intake is None:
        intake = intake_open(
            channel=Intake.Channel.VOICE,
            caller=normalise_caller(call.from_number),
            language=language or call.language,
            call=call,
            source=source,
        )
    return intake


def intake_open(
    *,
    channel: str,
    caller: str,
    language: str = "",
    call: Call | None = None,
    area=None,
    location: str = "",
    summary: str = "",
    status: str = Intake.Status.NEW,
    source: str = "",
) -> Intake:
    """Open an intake for dispatchers to triage. The source defaults to the channel's own
    (a hotline call, or a text)."""
    if channel not in Intake.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if not source:
        source = Intake.Source.TEXT if channel == Intake.Channel.SMS else Intake.Source.HOTLINE_CALL
    if source not in Intake.Source.values:
        raise ValueError(f"unknown source {source!r}")
    if status not in Intake.Status.values:
        raise ValueError(f"unknown status {status!r}")
    with transaction.atomic():
        return Intake.objects.create(
            channel=channel,
            caller=caller,
            language=language,
            call=call,
            area=area,
            location=location,
            summary=summary,
            status=status,
            source=source,
        )


def intake_set_status(*, intake: Intake, status: str) -> Intake:
    if status not in Intake.Status.values:
        raise ValueError(f"unknown status {status!r}")
    intake.status = status
    intake.save(update_fields=["status", "updated_at"])
    return intake


def intakes_close(*, intakes: QuerySet[Intake]) -> int:
    """Close every intake of `intakes` not closed yet (a coordinator tidying stale contacts);
    returns how many changed."""
    with transaction.atomic():
        return intakes.exclude(status=Intake.Status.CLOSED).update(
            status=Intake.Status.CLOSED, updated_at=timezone.now()
        )


def intake_open_for_call(
    *,
    call_sid: str,
    from_number: str,
    to_number: str,
    language: str,
    source: str = Intake.Source.HOTLINE_CALL,
) -> tuple[Call, Intake]:
    """The caller chose a language (or their partner line named it): remember it and open
    the call's intake (once), tagged with where the call came from."""
    with transaction.atomic():
        call = _locked_call(call_sid=call_sid, from_number=from_number, to_number=to_number)
        if call.language != language:
            call.language = language
            call.save(update_fields=["language", "updated_at"])
        intake = _intake_for_call(call, language=language, source=source)
        if intake.language != language:
            intake.language = language
            intake.save(update_fields=["language", "updated_at"])
    return call, intake


def call_mark_screened(*, parent_call_sid: str, volunteer_id: int | None) -> None:
    """A volunteer's phone answered and hears the screening prompt."""
    if volunteer_id is None:
        return
    with transaction.atomic():
        call = _locked_call(call_sid=parent_call_sid)
        if volunteer_id not in call.screened_volunteer_ids:
            call.screened_volunteer_ids = [*call.screened_volunteer_ids, volunteer_id]
            call.save(update_fields=["screened_volunteer_ids", "updated_at"])


def call_accept(*, parent_call_sid: str, user_id: int | None, number: str) -> bool:
    """A volunteer pressed 1: they answer this call. False if someone else already did."""
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        call = _locked_call(call_sid=parent_call_sid)
        if call.answered_at is not None:
            return call.answered_number == number[:32]
        if user_id is not None and not get_user_model().objects.filter(pk=user_id).exists():
            user_id = None
        call.answered_at = timezone.now()
        call.answered_by_id = user_id
        call.answered_number = number[:32]
        call.outcome = Call.Outcome.ANSWERED
        call.save(update_fields=["answered_at", "answered_by", "answered_number", "outcome", "updated_at"])
    return True


def call_mark_fallback_answered(*, call_sid: str) -> None:
    with transaction.atomic():
        call = _locked_call(call_sid=call_sid)
        if call.answered_at is None:
            call.answered_at = timezone.now()
            call.answered_number = settings.FALLBACK_NUMBER[:32]
            call.outcome = Call.Outcome.FALLBACK
            call.save(update_fields=["answered_at", "answered_number", "outcome", "updated_at"])


def _needs_callback(call: Call) -> None:
    """Inside a transaction: the caller reached nobody; dispatchers must call back."""
    intake = _intake_for_call(call)
    if intake.status == Intake.Status.NEW:
        intake_set_status(intake=intake, status=Intake.Status.NEEDS_CALLBACK)
    if call.missed_notified_at is None:
        call_id = call.pk
        transaction.on_commit(lambda: enqueue_missed_call_notification(call_id=call_id))


def call_offer_voicemail(*, call_sid: str) -> Call:
    """Nobody answered (or the hotline is closed): the caller is offered voicemail."""
    with transaction.atomic():
        call = _locked_call(call_sid=call_sid)
        if call.voicemail_offered_at is None:
            call.voicemail_offered_at = timezone.now()
            call.save(update_fields=["voicemail_offered_at", "updated_at"])
        _needs_callback(call)
    return call


def twilio_recording_url(url: str) -> str:
    """The URL if it is an https Twilio media URL, else "" (we never fetch anything else)."""
    parts = urlsplit(url or "")
    host = parts.hostname or ""
    if parts.scheme == "https" and (host == "twilio.com" or host.endswith(".twilio.com")):
        return url[:500]
    return ""


def call_store_voicemail(
    *, call_sid: str, recording_sid: str, recording_url: str, recording_duration: int | None
) -> Call:
    """Store the caller's voicemail; the Record action and the recording callback both call this."""
    with transaction.atomic():
        call = _locked_call(call_sid=call_sid)
        fields = ["updated_at"]
        if recording_sid and not call.recording_sid:
            call.recording_sid = recording_sid[:64]
            fields.append("recording_sid")
        url = twilio_recording_url(recording_url)
        if url and call.recording_url != url:
            call.recording_url = url
            fields.append("recording_url")
        if recording_duration is not None and call.recording_duration != recording_duration:
            call.recording_duration = recording_duration
            fields.append("recording_duration")
        if call.voicemail_offered_at is None:
            call.voicemail_offered_at = timezone.now()
            fields.append("voicemail_offered_at")
        if call.outcome in (Call.Outcome.PENDING, Call.Outcome.MISSED, Call.Outcome.ABANDONED):
            call.outcome = Call.Outcome.VOICEMAIL
            fields.append("outcome")
        call.save(update_fields=fields)
        _needs_callback(call)
    return call


def call_update_status(
    *,
    call_sid: str,
    status: str,
    duration: int | None = None,
    from_number: str = "",
    to_number: str = "",
) -> Call | None:
    """Twilio's call status callback. Ended calls never move back to an earlier status."""
    if status not in Call.Status.values:
        logger.warning("Ignored unknown call status %r for %s", status, call_sid)
        return None
    with transaction.atomic():
        call = _locked_call(call_sid=call_sid, from_number=from_number, to_number=to_number)
        fields = ["updated_at"]
        already_ended = call.status in Call.ENDED_STATUSES
        if not already_ended and call.status != status:
            call.status = status
            fields.append("status")
        if call.direction == Call.Direction.OUTBOUND and status == Call.Status.IN_PROGRESS:
            if call.answered_at is None:
                call.answered_at = timezone.now()
                fields.append("answered_at")
        if status in Call.ENDED_STATUSES:
            if call.ended_at is None:
                call.ended_at = timezone.now()
                fields.append("ended_at")
            if duration is not None and call.duration != duration:
                call.duration = duration
                fields.append("duration")
        missed = (
            status in Call.ENDED_STATUSES
            and call.direction == Call.Direction.INBOUND
            and call.outcome == Call.Outcome.PENDING
        )
        if missed:
            call.outcome = Call.Outcome.MISSED if call.voicemail_offered_at else Call.Outcome.ABANDONED
            fields.append("outcome")
        call.save(update_fields=fields)
        # A caller who hung up while phones rang still needs a call back; one who hung up in
        # the language menu never opened an intake and stays in the call log only.
        if missed and Intake.objects.filter(call=call).exists():
            _needs_callback(call)
    return call


def enqueue_missed_call_notification(*, call_id: int) -> None:
    """Queue the dispatchers' text; a broker outage is logged and left to the sweep."""
    from hotline.tasks import notify_missed_call

    try:
        notify_missed_call.delay(call_id)
    except Exception:
        logger.exception("Could not queue the missed-call text for call %s; the sweep will send it", call_id)


MISSED_CALL_TEXT = gettext_noop(
    "Hotline: missed call at %(time)s (%(language)s), %(voicemail)s. Please call back: %(url)s"
)


def missed_call_notify(*, call_id: int) -> int:
    """Text the on-shift dispatchers about a missed call, once. Returns texts sent."""
    from hotline.selectors import dispatchers_on_shift

    claimed = Call.objects.filter(pk=call_id, missed_notified_at__isnull=True).update(
        missed_notified_at=timezone.now()
    )
    if claimed != 1:
        return 0
    call = Call.objects.get(pk=call_id)
    intake = Intake.objects.filter(call=call).first()
    url = public_url(intake.get_absolute_url() if intake else reverse("hotline:call_list"))
    sent = 0
    for volunteer in dispatchers_on_shift(language=call.language or None):
        with translation.override(volunteer.preferred_language or settings.LANGUAGE_CODE):
            body = gettext(MISSED_CALL_TEXT) % {
                "time": time_format(timezone.localtime(call.started_at), "H:i"),
                "language": call.language_label if call.language else gettext("language not chosen"),
                "voicemail": gettext("voicemail left") if call.recording_url else gettext("no voicemail yet"),
                "url": url,
            }
        try:
            messaging.send_sms(to=str(volunteer.phone), body=body)
        except messaging.SmsError:
            logger.exception("Missed-call text to dispatcher %s failed", volunteer.pk)
        else:
            sent += 1
    return sent


def missed_calls_unnotified(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    """Calls needing a call back whose dispatcher text was never sent (a broker outage)."""
    now = timezone.now()
    return list(
        Call.objects.filter(
            direction=Call.Direction.INBOUND,
            missed_notified_at__isnull=True,
            intake__status=Intake.Status.NEEDS_CALLBACK,
            updated_at__lt=now - older_than,
            started_at__gt=now - timedelta(hours=12),
        ).values_list("pk", flat=True)
    )


def callback_start(*, intake: Intake, dispatcher_phone: str, by) -> messaging.CallbackStarted:
    """A dispatcher calls the caller back through the hotline number."""
    if not intake.caller:
        raise messaging.SmsError("this caller's number is withheld", code="invalid-number", permanent=True)
    return messaging.start_callback(
        dispatcher_phone=dispatcher_phone, caller_phone=str(intake.caller), intake=intake, by=by
    )


def intake_reply(*, intake: Intake, body: str) -> messaging.SentMessage:
    """A dispatcher texts the person of an intake; the text joins the conversation."""
    body = body.strip()
    if not body:
        raise ValueError("the text is empty")
    if not intake.caller:
        raise messaging.SmsError("this caller's number is withheld", code="invalid-number", permanent=True)
    return messaging.send_sms(to=str(intake.caller), body=body, intake=intake)


# --- text messages ------------------------------------------------------------------------

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
    *, message_sid: str, from_number: str, to_number: str, body: str, media_urls: Sequence[str] = ()
) -> SmsReceipt:
    """An inbound text: honour STOP/START/HELP, hand volunteers' texts to other apps, and
    open or continue the sender's intake conversation (one automatic reply per intake).

    The same MessageSid twice (a retry, or two concurrent deliveries) is stored once.
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
        reply = _reply(to=sender, body=reply_text, intake=intake) if reply_text else None
    handed_over = volunteer if (intake is None and keyword != "stop" and not reply_text) else None
    return SmsReceipt(message=message, intake=intake, volunteer=handed_over, reply=reply)


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


# --- hand-offs from 911, 311 and partners ---------------------------------------------------

API_KEY_PREFIX = "hv_"


def _key_hash(secret: str) -> str:
    # Keys are 256 random bits, so a plain SHA-256 is as good as a slow password hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


def handoff_partner_create(*, name: str, source: str) -> HandoffPartner:
    if source not in [s.value for s in PARTNER_SOURCES]:
        raise ValueError(f"unknown partner source {source!r}")
    with transaction.atomic():
        return HandoffPartner.objects.create(name=name, source=source)


def handoff_key_issue(*, partner: HandoffPartner, by) -> tuple[HandoffApiKey, str]:
    """A new API key for the partner, revoking the one in force. Returns the key and its
    full text, which is shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        HandoffPartner.objects.select_for_update().get(pk=partner.pk)
        HandoffApiKey.objects.filter(partner=partner, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        key = HandoffApiKey.objects.create(
            partner=partner, prefix=prefix, key_hash=_key_hash(secret), created_by=by
        )
    return key, f"{API_KEY_PREFIX}{prefix}_{secret}"


def handoff_key_revoke(*, key: HandoffApiKey) -> HandoffApiKey:
    if key.revoked_at is None:
        HandoffApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        key.refresh_from_db(fields=["revoked_at"])
    return key


def handoff_key_authenticate(*, raw_key: str) -> HandoffApiKey | None:
    """The key in force that `raw_key` is, or None (unknown, malformed or revoked)."""
    prefix, _sep, secret = raw_key.removeprefix(API_KEY_PREFIX).partition("_")
    key = (
        HandoffApiKey.objects.select_related("partner").filter(prefix=prefix, revoked_at__isnull=True).first()
        if raw_key.startswith(API_KEY_PREFIX) and prefix and secret
        else None
    )
    expected = key.key_hash if key is not None else _key_hash("no such key")
    if not hmac.compare_digest(expected, _key_hash(secret)) or key is None:
        return None
    HandoffApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


HANDOFF_SUMMARY = gettext_noop("Hand-off from %(partner)s (their reference %(reference)s): %(call_type)s")


def handoff_receive(
    *,
    partner: HandoffPartner,
    reference: str,
    call_type: str,
    location: str = "",
    area=None,
    language: str = "",
    callback_number: str = "",
    notes: str = "",
) -> tuple[Handoff, bool]:
    """Open an intake for a partner's hand-off, once per partner reference.

    Returns (hand-off, created). A retry, even concurrent with the first request, gets the
    hand-off already stored: the unique (partner, reference) constraint decides the winner.
    """
    existing = Handoff.objects.select_related("intake").filter(partner=partner, reference=reference).first()
    if existing is not None:
        return existing, False
    with translation.override(settings.LANGUAGE_CODE):
        summary = gettext(HANDOFF_SUMMARY) % {
            "partner": partner.name,
            "reference": reference,
            "call_type": call_type,
        }
    if notes:
        summary = f"{summary}\n\n{notes}"
    try:
        with transaction.atomic():
            intake = intake_open(
                channel=Intake.Channel.VOICE,
                caller=callback_number,
                language=language,
                area=area,
                location=location,
                summary=summary,
                source=partner.source,
            )
            handoff = Handoff.objects.create(
                partner=partner,
                reference=reference,
                intake=intake,
                call_type=call_type,
                callback_number=callback_number,
                notes=notes,
            )
    except IntegrityError:
        existing = (
            Handoff.objects.select_related("intake").filter(partner=partner, reference=reference).first()
        )
        if existing is None:
            raise
        return existing, False
    return handoff, True
