"""Recovery: what reached the phone edge while the database could not store it.

Two ways back, both idempotent per Twilio sid, so they may run in any order and any number of
times without a duplicate call, intake or text:

- `spool_replay` stores what the webhooks wrote to the local spool (`hotline.spool`) while the
  database was down or hung: voicemails, recording callbacks, inbound texts. Run by the Celery
  beat task `hotline.tasks.spool_replay` and by `manage.py spool_replay`, on the web host.
- `calls_reconcile` asks Twilio's REST API (through `messaging.TwilioBackend`'s HTTP client, the
  project's seam for Twilio) for the hotline's calls and recordings of the last hours, and
  creates what the database never saw: the call, its intake marked "needs callback", the
  voicemail. Also what no spool could keep (a webhook that Twilio could not deliver at all).
  Run by the Celery beat task `hotline.tasks.calls_reconcile`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient

from hotline import messaging, spool
from hotline.models import Call
from hotline.services.calls import (
    _needs_callback,
    call_get_or_create,
    call_store_voicemail,
    call_update_status,
)
from hotline.services.sms import sms_receive

logger = logging.getLogger(__name__)

# Twilio lists at most this many calls or recordings per look (a busy day is a few hundred).
RECONCILE_LIMIT = 1000


@dataclass
class SpoolReplay:
    stored: int = 0
    batches: int = 0
    quarantined: int = 0  # set aside in the spool's failed.jsonl (not a database error)
    busy: bool = False  # another replay was running on this host


def spool_replay() -> SpoolReplay:
    """Store every spooled record; a batch is deleted once all of it is stored. A database
    error stops the replay (the batch stays for the next one) and is raised."""
    result = SpoolReplay()
    with spool.replay_lock() as mine:
        if not mine:
            result.busy = True
            return result
        for batch in spool.spool_claim_batches():
            for record in spool.spool_read(batch):
                try:
                    _store(record)
                except DatabaseError:
                    raise  # still away: this batch waits for the next replay
                except Exception as exc:
                    logger.exception("A spooled %s (%s) cannot be stored; set aside", record.kind, record.sid)
                    spool.spool_quarantine(record, f"{type(exc).__name__}: {exc}")
                    result.quarantined += 1
                    continue
                result.stored += 1
            spool.spool_done(batch)
            result.batches += 1
    if result.stored:
        logger.warning("Replayed %s spooled record(s) into the database", result.stored)
    return result


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _store(record: spool.SpoolRecord) -> None:
    params = record.params
    if record.kind in (spool.VOICEMAIL, spool.RECORDING):
        if record.kind == spool.RECORDING and params.get("RecordingStatus", "completed") != "completed":
            return
        call_store_voicemail(
            call_sid=params["CallSid"],
            recording_sid=params.get("RecordingSid", ""),
            recording_url=params.get("RecordingUrl", ""),
            recording_duration=_int(params.get("RecordingDuration")),
            from_number=params.get("From", ""),
            to_number=params.get("To", ""),
        )
    elif record.kind == spool.SMS:
        count = min(_int(params.get("NumMedia")) or 0, 10)
        sms_receive(
            message_sid=record.sid,
            from_number=params.get("From", ""),
            to_number=params.get("To", ""),
            body=params.get("Body", ""),
            media_urls=[params[f"MediaUrl{i}"] for i in range(count) if f"MediaUrl{i}" in params],
            reply=False,
        )


@dataclass
class Reconciled:
    calls_created: int = 0
    calls_updated: int = 0
    voicemails_stored: int = 0
    skipped_in_progress: int = 0
    errors: list[str] = field(default_factory=list)


def calls_reconcile(*, hours: float | None = None, http_client: HttpClient | None = None) -> Reconciled:
    """Create what Twilio has of the last `hours` (HOTLINE_RECONCILE_HOURS) and we do not:
    inbound calls to HOTLINE_NUMBER (with an intake needing a call back), their ended status,
    and their voicemails. Never call inside a transaction (it waits on Twilio)."""
    hours = settings.HOTLINE_RECONCILE_HOURS if hours is None else hours
    since = timezone.now() - timedelta(hours=hours)
    client = messaging.TwilioBackend(http_client=http_client).client
    result = Reconciled()
    try:
        # Twilio filters by day: the exact window is applied here.
        twilio_calls = client.calls.list(
            to=settings.HOTLINE_NUMBER, start_time_after=since, limit=RECONCILE_LIMIT
        )
        recordings = client.recordings.list(date_created_after=since, limit=RECONCILE_LIMIT)
    except TwilioException as exc:
        result.errors.append(f"Twilio could not list the calls: {exc}")
        return result
    inbound = {
        c.sid: c
        for c in twilio_calls
        if c.direction == "inbound" and c.start_time is not None and c.start_time >= since
    }
    for twilio_call in inbound.values():
        if twilio_call.status not in Call.ENDED_STATUSES:
            result.skipped_in_progress += 1  # the next run sees it ended
            continue
        outcome = _reconcile_call(twilio_call)
        if outcome == "created":
            result.calls_created += 1
        elif outcome == "updated":
            result.calls_updated += 1
    known = set(
        Call.objects.filter(call_sid__in=[r.call_sid for r in recordings]).values_list("call_sid", flat=True)
    )
    stored = set(
        Call.objects.filter(recording_sid__in=[r.sid for r in recordings]).values_list(
            "recording_sid", flat=True
        )
    )
    for recording in recordings:
        if recording.sid in stored or recording.status not in (None, "completed"):
            continue
        if recording.call_sid not in inbound and recording.call_sid not in known:
            continue  # not a call to the hotline (the account may have others)
        twilio_call = inbound.get(recording.call_sid)
        call_store_voicemail(
            call_sid=recording.call_sid,
            recording_sid=recording.sid,
            recording_url=_media_url(recording),
            recording_duration=_int(recording.duration),
            from_number=getattr(twilio_call, "_from", "") or "",
            to_number=getattr(twilio_call, "to", "") or "",
        )
        result.voicemails_stored += 1
    if result.calls_created or result.voicemails_stored:
        logger.warning(
            "Reconciled with Twilio: %s call(s) and %s voicemail(s) the database had not stored",
            result.calls_created,
            result.voicemails_stored,
        )
    return result


def _media_url(recording) -> str:
    if recording.media_url:
        return recording.media_url
    uri = (recording.uri or "").removesuffix(".json")
    return f"https://api.twilio.com{uri}" if uri else ""


def _reconcile_call(twilio_call) -> str:
    """'created' (unknown: stored, intake needs a call back), 'updated' (known, its end was
    never recorded) or '' (nothing to do)."""
    duration = _int(twilio_call.duration)
    with transaction.atomic():
        _call, created = call_get_or_create(
            call_sid=twilio_call.sid, from_number=twilio_call._from or "", to_number=twilio_call.to or ""
        )
        call = Call.objects.select_for_update().get(call_sid=twilio_call.sid)
        if created:
            call.started_at = _aware(twilio_call.start_time)
            call.ended_at = _aware(twilio_call.end_time) if twilio_call.end_time else timezone.now()
            call.status = twilio_call.status
            call.duration = duration
            # Nobody here answered it (the database never knew it): the fallback TwiML did.
            call.outcome = Call.Outcome.ABANDONED
            call.save(update_fields=["started_at", "ended_at", "status", "duration", "outcome", "updated_at"])
            _needs_callback(call)
            return "created"
    if call.status in Call.ENDED_STATUSES:
        return ""
    # Known, but its end never reached us (a status callback lost while the database was away).
    call_update_status(call_sid=twilio_call.sid, status=twilio_call.status, duration=duration)
    return "updated"


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
