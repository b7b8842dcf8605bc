"""Calls: the voice side of the phone edge, one `Call` row per Twilio CallSid.

The voice webhooks (`hotline.webhooks`) call these as a call moves through the IVR: it arrives,
the caller picks a language (which opens the intake), volunteers' phones ring and one accepts,
or nobody does and the caller leaves a voicemail; status callbacks close the call. A caller who
reached nobody gets an intake marked "call back", and the on-shift dispatchers a text
(`missed_call_notify`, run by the Celery task in `hotline.tasks`). The console starts call-backs
with `callback_start`.

Twilio retries webhooks and its callbacks arrive in any order, so every service here is
idempotent: it gets-or-creates by Twilio's sid and only moves records forward.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import time_format
from django.utils.translation import gettext, gettext_noop

from hotline import messaging
from hotline.models import CALL_PARTY_MAX_LENGTH, Call, Intake
from hotline.services.intakes import _intake_for_call, intake_set_status
from hotline.signatures import public_url

logger = logging.getLogger(__name__)

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
    *,
    call_sid: str,
    recording_sid: str,
    recording_url: str,
    recording_duration: int | None,
    from_number: str = "",
    to_number: str = "",
) -> Call:
    """Store the caller's voicemail; the Record action and the recording callback both call
    this, and so do the spool's replay and the reconciliation with Twilio (with the numbers,
    for a call the database never saw)."""
    with transaction.atomic():
        call = _locked_call(call_sid=call_sid, from_number=from_number, to_number=to_number)
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
