"""Outbound texts and calls, in one place, over the backend named by settings.SMS_BACKEND.

    from hotline.messaging import send_sms, SmsError

    try:
        sent = send_sms(to="+12025550143", body="...")   # sent.sid is the provider's id
    except SmsError as exc:
        if not exc.permanent:
            raise  # retry later (network, rate limit, provider outage)
        ...        # record the failure: an invalid or opted-out number will never work

- `send_sms` never texts an opted-out number: it raises `OptedOut` (a permanent `SmsError`)
  before anything reaches the provider. `send_sms_many` sends a list of texts with the same
  rules in a few database round trips (one opt-out query, one insert, one update), returning
  each text's `SentMessage` or `SmsError` instead of raising: a call-out to 100 responders. Every text is stored as an outbound `Message`
  (with its intake when it belongs to a conversation) and Twilio's status callbacks update it.
- Backends: "twilio" (the real SDK client; its `http_client` is the seam tests fill with a fake
  `twilio.http.HttpClient`, so the SDK builds real requests and nothing leaves the machine),
  "console" (prints; the default for `make run`) and "memory" (tests: everything sent is
  appended to the module-level lists `hotline.messaging.outbox` and `hotline.messaging.calls`,
  also reachable as `get_backend().sent` and `get_backend().calls`; clear them between tests).
- `reconcile_sms(to=..., body=..., since=...)` settles a text whose sender stopped between
  handing it over and hearing back (a worker killed mid-send): it asks the backend whether
  the provider has that text (`find_sent`), returns its `SentMessage` (the stored Message
  gets the provider's sid) or None (never handed over: the stored Message is deleted), and
  raises `SmsError` (code "unknown") when the backend cannot tell.
- `override_backend(backend)` swaps the backend in a `with` block (tests only).
- Never call these inside an open database transaction: a provider round trip holds locks.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Protocol

import phonenumbers
import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.models import Call, Intake, Message, SmsOptOut
from hotline.signatures import public_url

logger = logging.getLogger(__name__)

# Per request, for connecting and again for reading (requests' timeout); the SDK does not
# retry, so a live send takes at most about twice this (DISPATCH_OUTBOX_STUCK_AFTER_SECONDS).
TWILIO_TIMEOUT_SECONDS = 10
# `find_sent`: the provider's clock and ours may differ a little, and Twilio's dates are whole
# seconds, so a text created up to this long before `since` still counts.
LOOKUP_CLOCK_SKEW = timedelta(seconds=30)
# `find_sent` reads at most this many of the latest texts to one number (one request).
LOOKUP_LIMIT = 50
# Twilio's own ways of saying "no caller ID": never texted or called back.
WITHHELD_NUMBERS = frozenset(
    {"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253", "anonymous", "restricted"}
)


class SmsError(Exception):
    """A text or call could not be handed to the provider.

    `permanent` is true when retrying cannot help (invalid or opted-out number, a refused
    request); false for network errors, rate limits and provider outages.
    """

    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class OptedOut(SmsError):
    """The number texted STOP; nothing is sent until it texts START."""

    def __init__(self, phone: str) -> None:
        super().__init__(f"{phone} has opted out of texts", code="opted-out", permanent=True)
        self.phone = phone


@dataclass(frozen=True)
class SentMessage:
    sid: str
    to: str
    body: str
    status: str
    message_id: int


@dataclass(frozen=True)
class OutboxEntry:
    """What the memory backend recorded for one text."""

    to: str
    from_: str
    body: str
    sid: str
    status_callback: str | None
    created_at: datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class OutboundCall:
    """What the memory backend recorded for one call."""

    to: str
    from_: str
    url: str
    sid: str
    status_callback: str | None


outbox: list[OutboxEntry] = []
calls: list[OutboundCall] = []


class Backend(Protocol):
    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> tuple[str, str]:
        """Hand a text to the provider; return (sid, status). Raise SmsError on failure."""

    def start_call(self, *, to: str, from_: str, url: str, status_callback: str | None) -> str:
        """Place a call that runs the TwiML at url; return its sid. Raise SmsError on failure."""

    def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> tuple[str, str] | None:
        """The provider's (sid, status) for a text of `body` from `from_` to `to` created at or
        after `since`, or None when it has none. Raise SmsError when it cannot tell."""


def _cannot_tell(reason: str) -> SmsError:
    return SmsError(reason, code="unknown")


def _rest_error(exc: TwilioRestException) -> SmsError:
    status = exc.status or 0
    return SmsError(
        f"Twilio refused the request ({status}, code {exc.code}): {exc.msg}",
        code=str(exc.code or status),
        permanent=400 <= status < 500 and status != 429,
    )


class TwilioBackend:
    """The real Twilio REST client. `http_client` is the SDK's transport seam."""

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        http_client: HttpClient | None = None,
    ) -> None:
        self.account_sid = account_sid if account_sid is not None else settings.TWILIO_ACCOUNT_SID
        self.auth_token = auth_token if auth_token is not None else settings.TWILIO_AUTH_TOKEN
        self.http_client = http_client or TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS)
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if not (self.account_sid and self.auth_token):
            raise SmsError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set", permanent=True)
        if self._client is None:
            self._client = Client(self.account_sid, self.auth_token, http_client=self.http_client)
        return self._client

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> tuple[str, str]:
        try:
            message = self.client.messages.create(
                to=to, from_=from_, body=body, status_callback=status_callback
            )
        except TwilioRestException as exc:
            raise _rest_error(exc) from exc
        except (TwilioException, requests.RequestException) as exc:
            raise SmsError(f"Twilio could not be reached: {exc}") from exc
        return message.sid, str(message.status or Message.Status.QUEUED)

    def start_call(self, *, to: str, from_: str, url: str, status_callback: str | None) -> str:
        try:
            call = self.client.calls.create(
                to=to, from_=from_, url=url, status_callback=status_callback, status_callback_method="POST"
            )
        except TwilioRestException as exc:
            raise _rest_error(exc) from exc
        except (TwilioException, requests.RequestException) as exc:
            raise SmsError(f"Twilio could not be reached: {exc}") from exc
        return call.sid

    def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> tuple[str, str] | None:
        """Read the latest texts from `from_` to `to` (Messages list, newest first, one request).

        No date filter: Twilio filters on DateSent, and a text still queued has none. A text
        counts when its body is ours and it was created at or after `since` (less the clock
        skew). "Not found" is only believed when every text listed is older than that: any
        other text to that number in the window (Twilio may have re-encoded ours, or a full page
        of newer texts hides it) means it cannot tell.
        """
        cutoff = since - LOOKUP_CLOCK_SKEW
        try:
            latest = self.client.messages.list(to=to, from_=from_, limit=LOOKUP_LIMIT, page_size=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            raise _cannot_tell(f"Twilio could not list the texts: {_rest_error(exc)}") from exc
        except (TwilioException, requests.RequestException) as exc:
            raise _cannot_tell(f"Twilio could not be reached to list the texts: {exc}") from exc
        recent = [m for m in latest if m.date_created is None or m.date_created >= cutoff]
        for message in recent:
            if message.body == body:
                return str(message.sid), str(message.status or Message.Status.QUEUED)
        if recent:
            raise _cannot_tell(
                f"Twilio has {len(recent)} other text(s) to {to} since then, none with this text"
            )
        return None


class ConsoleBackend:
    """Prints what would be sent (development with `make run`)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(text + "\n")
        stream.flush()

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> tuple[str, str]:
        sid = "SM" + uuid.uuid4().hex
        self._write(f"[sms] {from_ or '(hotline)'} -> {to}: {body}")
        return sid, Message.Status.SENT

    def start_call(self, *, to: str, from_: str, url: str, status_callback: str | None) -> str:
        sid = "CA" + uuid.uuid4().hex
        self._write(f"[call] {from_ or '(hotline)'} -> {to}, then TwiML from {url}")
        return sid

    def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> tuple[str, str] | None:
        raise _cannot_tell("the console backend keeps no record of what it printed")


class MemoryBackend:
    """Keeps everything in the module-level `outbox` and `calls` lists (tests)."""

    sent = outbox
    calls = calls

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> tuple[str, str]:
        sid = "SM" + uuid.uuid4().hex
        outbox.append(OutboxEntry(to=to, from_=from_, body=body, sid=sid, status_callback=status_callback))
        return sid, Message.Status.QUEUED

    def start_call(self, *, to: str, from_: str, url: str, status_callback: str | None) -> str:
        sid = "CA" + uuid.uuid4().hex
        calls.append(OutboundCall(to=to, from_=from_, url=url, sid=sid, status_callback=status_callback))
        return sid

    def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> tuple[str, str] | None:
        cutoff = since - LOOKUP_CLOCK_SKEW
        for entry in reversed(outbox):
            if (entry.to, entry.from_, entry.body) == (to, from_, body) and entry.created_at >= cutoff:
                return entry.sid, Message.Status.QUEUED
        return None


BACKENDS = {"twilio": TwilioBackend, "console": ConsoleBackend, "memory": MemoryBackend}
_backends: dict[str, Backend] = {}
_override: list[Backend] = []


def get_backend() -> Backend:
    """The backend named by settings.SMS_BACKEND (one instance per name, reused)."""
    if _override:
        return _override[-1]
    name = settings.SMS_BACKEND
    if name not in _backends:
        try:
            _backends[name] = BACKENDS[name]()
        except KeyError:
            raise SmsError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}; got {name!r}") from None
    return _backends[name]


@contextlib.contextmanager
def override_backend(backend: Backend) -> Iterator[Backend]:
    """Use `backend` for every send inside the block (tests)."""
    _override.append(backend)
    try:
        yield backend
    finally:
        _override.remove(backend)


def normalise_phone(phone: object) -> str:
    """E.164 for a number we may text or call; SmsError (permanent) when it is not one."""
    raw = str(phone or "").strip()
    if raw in WITHHELD_NUMBERS:
        raise SmsError("the number is withheld", code="invalid-number", permanent=True)
    try:
        parsed = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise SmsError(f"{raw!r} is not a phone number", code="invalid-number", permanent=True) from None
    if not phonenumbers.is_valid_number(parsed):
        raise SmsError(f"{raw!r} is not a valid phone number", code="invalid-number", permanent=True)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_opted_out(phone: str) -> bool:
    return SmsOptOut.objects.filter(phone=phone).exists()


def sms_status_callback_url(message: Message) -> str:
    return public_url(reverse("hotline:sms_status") + f"?message={message.pk}")


REDACTED_BODY = "[not stored: the text held a private sign-in link]"


def send_sms(
    *,
    to: str,
    body: str,
    status_callback: bool = True,
    intake: Intake | None = None,
    redact_body: bool = False,
) -> SentMessage:
    """Text `body` to `to` from the hotline number; raise SmsError (or OptedOut) on failure.

    The text is stored as an outbound Message before it is handed to the provider, and the
    row is updated with the provider's sid, or with the error. `redact_body` keeps a secret
    (a set-password link) out of the stored copy, which dispatchers can read.
    """
    number = normalise_phone(to)
    if is_opted_out(number):
        raise OptedOut(number)
    message = Message.objects.create(
        direction=Message.Direction.OUTBOUND,
        from_number=settings.HOTLINE_NUMBER,
        to_number=number,
        body=REDACTED_BODY if redact_body else body,
        status=Message.Status.SENDING,
        intake=intake,
    )
    callback = sms_status_callback_url(message) if status_callback else None
    try:
        sid, status = get_backend().send_sms(
            to=number, from_=settings.HOTLINE_NUMBER, body=body, status_callback=callback
        )
    except SmsError as exc:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED, error_code=exc.code[:16], error_message=str(exc)[:500]
        )
        raise
    Message.objects.filter(pk=message.pk).update(message_sid=sid)
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(status=status)
    return SentMessage(sid=sid, to=number, body=body, status=status, message_id=message.pk)


@dataclass(frozen=True)
class Text:
    """One text for `send_sms_many`."""

    to: str
    body: str


def send_sms_many(
    texts: Sequence[Text],
    *,
    status_callback: bool = True,
    claim: Callable[[int], bool] | None = None,
    on_sent: Callable[[int, SentMessage], None] | None = None,
) -> list[SentMessage | SmsError | None]:
    """Text each of `texts` from the hotline number; return, in order, a SentMessage or the SmsError.

    The rules of `send_sms` hold for each text (opted-out and invalid numbers never reach the
    provider; each text is stored as an outbound Message before it is handed over), with one
    opt-out query, one insert and one update for the whole list. Texts are handed to the
    provider one after another. Hooks, given the text's index:

    - `claim(index)` runs just before the text is handed over; False skips it (its result is
      None and its stored Message is deleted): the caller's at-most-once check;
    - `on_sent(index, sent)` runs just after the provider accepted it: the caller's record.

    An unexpected exception from the backend is returned as a permanent SmsError: the provider
    may have accepted the text, so it must not be retried.
    """
    results: list[SentMessage | SmsError | None] = [None] * len(texts)
    numbers: dict[int, str] = {}
    for index, text in enumerate(texts):
        try:
            numbers[index] = normalise_phone(text.to)
        except SmsError as exc:
            results[index] = exc
    opted_out = set(SmsOptOut.objects.filter(phone__in=set(numbers.values())).values_list("phone", flat=True))
    for index, number in list(numbers.items()):
        if number in opted_out:
            results[index] = OptedOut(number)
            del numbers[index]
    if not numbers:
        return results
    messages = Message.objects.bulk_create(
        [
            Message(
                direction=Message.Direction.OUTBOUND,
                from_number=settings.HOTLINE_NUMBER,
                to_number=number,
                body=texts[index].body,
                status=Message.Status.SENDING,
            )
            for index, number in numbers.items()
        ]
    )
    callback_path = reverse("hotline:sms_status")
    backend = get_backend()
    accepted: list[tuple[int, str, str]] = []  # (message pk, sid, status)
    unused: list[int] = []
    for (index, number), message in zip(numbers.items(), messages, strict=True):
        if claim is not None and not claim(index):
            unused.append(message.pk)
            continue
        callback = public_url(f"{callback_path}?message={message.pk}") if status_callback else None
        try:
            sid, status = backend.send_sms(
                to=number, from_=settings.HOTLINE_NUMBER, body=texts[index].body, status_callback=callback
            )
        except SmsError as exc:
            error = exc
        except Exception as exc:  # the provider may have the text: report it, never retry it
            logger.exception("the SMS backend failed unexpectedly texting message %s", message.pk)
            error = SmsError(
                f"the SMS backend failed unexpectedly: {exc!r}", code="unexpected", permanent=True
            )
        else:
            accepted.append((message.pk, sid, status))
            results[index] = sent = SentMessage(
                sid=sid, to=number, body=texts[index].body, status=status, message_id=message.pk
            )
            if on_sent is not None:
                on_sent(index, sent)
            continue
        results[index] = error
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED, error_code=error.code[:16], error_message=str(error)[:500]
        )
    if unused:
        Message.objects.filter(pk__in=unused).delete()
    if accepted:
        # One update: the sids, and the provider's status unless a status callback came first.
        Message.objects.filter(pk__in=[pk for pk, _sid, _status in accepted]).update(
            message_sid=Case(*(When(pk=pk, then=Value(sid)) for pk, sid, _status in accepted)),
            status=Case(
                *(
                    When(Q(pk=pk, status=Message.Status.SENDING), then=Value(status))
                    for pk, _sid, status in accepted
                ),
                default=F("status"),
            ),
        )
    return results


def _find_sent(*, to: str, from_: str, body: str, since: datetime) -> tuple[str, str] | None:
    """The backend's `find_sent`; SmsError (code "unknown") when the backend has none."""
    backend = get_backend()
    find_sent = getattr(backend, "find_sent", None)
    if find_sent is None:
        raise _cannot_tell(f"the {type(backend).__name__} SMS backend cannot look up sent texts")
    return find_sent(to=to, from_=from_, body=body, since=since)


def reconcile_sms(*, to: str, body: str, since: datetime) -> SentMessage | None:
    """Settle a text handed over (or about to be) at `since` by a sender that then stopped.

    Asks the backend whether the provider has it. When it has, the text's stored outbound
    Message (left "sending" without a sid) gets the provider's sid and status, or one is
    stored, and its SentMessage is returned. When it has not, that stored Message is deleted,
    as `send_sms_many` does for a text it did not hand over, and None is returned: sending it
    again texts the person once. Raise SmsError (code "unknown") when the backend cannot tell.

    Only for a send that cannot still be in flight (well past TWILIO_TIMEOUT_SECONDS): a live
    request could reach the provider after this answered None. Never inside a transaction.
    """
    try:
        number = normalise_phone(to)
    except SmsError:
        return None  # refused before any hand-over: it cannot have been sent
    found = _find_sent(to=number, from_=settings.HOTLINE_NUMBER, body=body, since=since)
    # The Message written for this text: the latest one never named by the provider.
    unnamed = (
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            to_number=number,
            body=body,
            message_sid=None,
            status=Message.Status.SENDING,
            created_at__lte=since,
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:1]
    )
    with transaction.atomic():
        stored = next(iter(unnamed), None)
        if found is None:
            if stored is not None:
                Message.objects.filter(pk=stored, message_sid=None).delete()
            return None
        sid, status = found
        message_id = Message.objects.filter(message_sid=sid).values_list("pk", flat=True).first()
        if message_id is None and stored is not None:
            if Message.objects.filter(pk=stored, message_sid=None).update(message_sid=sid, status=status):
                message_id = stored
        if message_id is None:
            message_id = Message.objects.create(
                direction=Message.Direction.OUTBOUND,
                message_sid=sid,
                from_number=settings.HOTLINE_NUMBER,
                to_number=number,
                body=body,
                status=status,
            ).pk
    return SentMessage(sid=sid, to=number, body=body, status=status, message_id=message_id)


@dataclass
class UnsettledTexts:
    sent: int = 0  # found at the provider: its sid and status recorded
    not_sent: int = 0  # marked failed: the provider has no such text (or it is recorded on another row)
    unknown: int = 0  # marked failed: the backend could not tell


def settle_unsent_texts(*, older_than: timedelta | None = None, limit: int = 100) -> UnsettledTexts:
    """Settle outbound texts stored as "sending" that never got a provider sid.

    `send_sms_many` stores a whole batch as "sending" before handing the texts over one by one;
    a sender killed half-way leaves the rest so, although the provider never saw them (their
    notifications are sent again, as new messages). Old enough that no sender can still be
    handing them over (settings.SMS_UNSETTLED_AFTER_SECONDS, well past the outbox's own
    reconciliation), each is looked up at the provider: found and not yet recorded, it gets the
    provider's sid and status; otherwise it is marked failed with the reason, so that nobody
    reads "sending" for ever. Rows are never deleted: they are the record of an attempt.
    Never inside a transaction (it calls the provider).
    """
    older_than = older_than or timedelta(seconds=settings.SMS_UNSETTLED_AFTER_SECONDS)
    result = UnsettledTexts()
    unsettled = list(
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.SENDING,
            message_sid=None,
            created_at__lt=timezone.now() - older_than,
        ).order_by("created_at", "pk")[:limit]
    )
    for message in unsettled:
        still = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING, message_sid=None)
        try:
            found = _find_sent(
                to=message.to_number, from_=message.from_number, body=message.body, since=message.created_at
            )
        except SmsError as exc:
            still.update(
                status=Message.Status.FAILED,
                error_code="unconfirmed",
                error_message=(
                    "The sender stopped before the provider confirmed this text, and the provider "
                    f"could not be asked whether it has it: {exc}"
                )[:500],
            )
            result.unknown += 1
            continue
        if found is not None:
            try:
                with transaction.atomic():
                    if still.update(message_sid=found[0], status=found[1]):
                        result.sent += 1
                        continue
            except IntegrityError:
                pass  # the sid is another row's: the text found is that one (a later send), not this
        if still.update(
            status=Message.Status.FAILED,
            error_code="not_sent",
            error_message="The sender stopped before handing this text to the provider; it was not sent.",
        ):
            result.not_sent += 1
    if unsettled:
        logger.info("settled %d outbound texts left sending: %s", len(unsettled), result)
    return result


@dataclass(frozen=True)
class CallbackStarted:
    sid: str
    call_id: int


def start_callback(*, dispatcher_phone: str, caller_phone: str, intake: Intake, by=None) -> CallbackStarted:
    """Call the dispatcher from the hotline number, then bridge to the caller.

    Twilio rings `dispatcher_phone` first; when they answer, the hotline's callback TwiML dials
    `caller_phone` with the hotline number as caller ID, so neither side sees the other's
    personal number. `by` is the dispatcher's user, stored as who answered the callback.
    """
    dispatcher = normalise_phone(dispatcher_phone)
    caller = normalise_phone(caller_phone)
    url = public_url(reverse("hotline:voice_callback") + f"?intake={intake.pk}&to={caller.lstrip('+')}")
    sid = get_backend().start_call(
        to=dispatcher,
        from_=settings.HOTLINE_NUMBER,
        url=url,
        status_callback=public_url(reverse("hotline:voice_status")),
    )
    fields = {
        "direction": Call.Direction.OUTBOUND,
        "from_number": dispatcher,
        "to_number": caller,
        "language": intake.language,
        "callback_intake": intake,
        "answered_by": by,
    }
    # Twilio's first status callback may already have created the row by its sid.
    call, _created = Call.objects.update_or_create(
        call_sid=sid,
        defaults={**fields, "outcome": Call.Outcome.PENDING},
        create_defaults={**fields, "status": Call.Status.QUEUED},
    )
    return CallbackStarted(sid=sid, call_id=call.pk)
