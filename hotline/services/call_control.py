"""Call control on a live call: warm transfer to 911, 988 or a partner line, hold, leaving the
call, and a coordinator listening in or coaching.

Everything happens in a Twilio Conference named after the call. The dispatcher's leg is the
child of the caller's <Dial> (the ringing in `twiml.ring_dispatchers`), so it is the one moved
by REST: redirecting the *child* ends the <Dial> and Twilio asks the <Dial>'s action
(`webhooks.voice_dial_status`), which answers the caller's conference TwiML
(`caller_twiml`). Redirecting the caller's (parent) leg instead would hang up the dispatcher.

- The caller joins with endConferenceOnExit (when they hang up, nobody is left talking to no
  one) and startConferenceOnEnter false: alone, they hear our hold message, not silence.
- The dispatcher and the third party join without endConferenceOnExit: the caller's leg never
  ends because either leaves.
- The third party is added through the Participants API with a status callback
  (`webhooks_call_control.voice_transfer_status`); no answer, busy or failed leaves the caller
  with the dispatcher, or, when the dispatcher has left, sends the caller back to ringing the
  dispatchers (`voice_return`), never a dead line.

All REST calls go through `hotline.messaging`'s Twilio backend (its HTTP client is the seam the
tests fill with a fake transport), never inside a database transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from hotline import messaging, twiml
from hotline.models import Call, CallConference, CallEvent, CallTransfer, Intake, PartnerLine

logger = logging.getLogger(__name__)

TRANSFER_STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
CONFERENCE_STATUS_EVENTS = "start end join leave hold"
# A third party's CallStatus that ends a transfer before anyone answered, and what it means.
UNANSWERED = {
    "no-answer": CallTransfer.Outcome.NO_ANSWER,
    "busy": CallTransfer.Outcome.BUSY,
    "failed": CallTransfer.Outcome.FAILED,
    "canceled": CallTransfer.Outcome.CANCELLED,
}
OUTCOME_EVENT = {
    CallTransfer.Outcome.ANSWERED: CallEvent.Kind.TRANSFER_ANSWERED,
    CallTransfer.Outcome.NO_ANSWER: CallEvent.Kind.TRANSFER_NO_ANSWER,
    CallTransfer.Outcome.BUSY: CallEvent.Kind.TRANSFER_BUSY,
    CallTransfer.Outcome.FAILED: CallEvent.Kind.TRANSFER_FAILED,
    CallTransfer.Outcome.CANCELLED: CallEvent.Kind.TRANSFER_CANCELLED,
}


class CallControlError(Exception):
    """The action cannot be done (no live call, Twilio refused...): a message for the dispatcher."""


@dataclass(frozen=True)
class TransferTarget:
    key: str  # "911", "988", "line:<pk>", or a directory's own ("partner:<pk>")
    kind: str  # CallTransfer.Target
    label: str
    number: str


# Other apps add entries of their partner directory (dispatch registers outreach's partners
# with a phone number): hotline imports none of them.
_directories: list[Callable[[], Iterable[TransferTarget]]] = []


def transfer_directory_register(directory: Callable[[], Iterable[TransferTarget]]) -> None:
    if directory not in _directories:
        _directories.append(directory)


def transfer_targets() -> list[TransferTarget]:
    """911, 988, then the partner lines and directory entries with a number."""
    targets = [
        TransferTarget("911", CallTransfer.Target.EMERGENCY, _("911"), settings.HOTLINE_TRANSFER_911_NUMBER),
        TransferTarget(
            "988",
            CallTransfer.Target.CRISIS_988,
            _("988 Suicide & Crisis Lifeline"),
            settings.HOTLINE_TRANSFER_988_NUMBER,
        ),
    ]
    for line in PartnerLine.objects.filter(is_active=True).order_by("name"):
        targets.append(TransferTarget(f"line:{line.pk}", CallTransfer.Target.PARTNER, line.name, line.number))
    for directory in _directories:
        targets.extend(directory())
    return [target for target in targets if target.number]


def transfer_target_get(key: str) -> TransferTarget | None:
    return next((target for target in transfer_targets() if target.key == key), None)


# --- Twilio -------------------------------------------------------------------------------


def _client() -> Client:
    backend = messaging.get_backend()
    if not isinstance(backend, messaging.TwilioBackend):
        backend = messaging.TwilioBackend()
    try:
        return backend.client
    except messaging.SmsError as exc:
        raise CallControlError(_("Twilio is not configured: %(reason)s") % {"reason": exc}) from exc


def _twilio(action: Callable[[Client], object]):
    try:
        return action(_client())
    except (TwilioException, requests.RequestException) as exc:
        logger.warning("Twilio refused a call-control request: %s", exc)
        raise CallControlError(_("Twilio refused the request: %(reason)s") % {"reason": exc}) from exc


def _dispatcher_leg(client: Client, call: Call) -> str:
    """The answered child leg of the caller's <Dial>: the dispatcher on the call."""
    legs = client.calls.list(parent_call_sid=call.call_sid, status="in-progress", limit=5)
    if not legs:
        raise CallControlError(_("No dispatcher is connected to this call any more."))
    return str(legs[0].sid)


def _status_url() -> str:
    return twiml.webhook_url("voice_conference_status")


def _hold_url() -> str:
    return twiml.webhook_url("voice_hold")


# --- state ------------------------------------------------------------------------------


def call_is_live(call: Call | None) -> bool:
    """An inbound call a dispatcher answered and nobody has hung up yet."""
    return bool(
        call is not None
        and call.direction == Call.Direction.INBOUND
        and call.answered_at is not None
        and call.ended_at is None
        and call.status not in Call.ENDED_STATUSES
    )


def open_conference(call: Call) -> CallConference | None:
    return call.conferences.filter(ended_at__isnull=True).first()


def _event(call: Call, kind: str, *, transfer: CallTransfer | None = None, actor=None) -> CallEvent:
    return CallEvent.objects.create(call=call, kind=kind, transfer=transfer, actor=actor)


def _live_call(intake: Intake) -> Call:
    call = intake.call
    if not call_is_live(call):
        raise CallControlError(_("This intake has no live call."))
    return call


def _conference_for(call: Call, *, by) -> tuple[CallConference, bool]:
    """Inside a transaction: the call's open conference, or a new one (True: the legs must move)."""
    conference = open_conference(call)
    if conference is not None:
        return conference, False
    number = call.conferences.count() + 1
    conference = CallConference.objects.create(
        call=call, name=f"hotline-call-{call.pk}-{number}", dispatcher=by
    )
    return conference, True


def _move_dispatcher(client: Client, conference: CallConference, *, stay_on: bool) -> None:
    """Redirect the dispatcher's leg into the conference (or hang it up when they drop off);
    the caller follows through the <Dial> action."""
    try:
        leg = _dispatcher_leg(client, conference.call)
        # Saved first: the caller's <Dial> action may come before Twilio's answer to us.
        CallConference.objects.filter(pk=conference.pk).update(dispatcher_call_sid=leg)
        conference.dispatcher_call_sid = leg
        if stay_on:
            client.calls(leg).update(
                twiml=str(twiml.conference_join(name=conference.name, role=twiml.DISPATCHER))
            )
        else:
            client.calls(leg).update(status="completed")
    except Exception:
        # Nothing moved: the caller's <Dial> must end as it would have (no conference to join).
        CallConference.objects.filter(pk=conference.pk).update(
            ended_at=timezone.now(), dispatcher_call_sid=""
        )
        raise


def caller_twiml(*, call_sid: str):
    """The caller's TwiML when their <Dial> ended because the dispatcher's leg was moved: join
    the open conference. None when the call has no open conference (the ordinary <Dial> end)."""
    conference = (
        CallConference.objects.select_related("call")
        .filter(call__call_sid=call_sid, ended_at__isnull=True)
        .exclude(dispatcher_call_sid="")
        .first()
    )
    if conference is None:
        return None
    if conference.caller_on_hold:  # held before the conference: outside it, on the hold loop
        return twiml.hold_loop(language=conference.call.language)
    return twiml.conference_join(name=conference.name, role=twiml.CALLER)


# --- transfer ---------------------------------------------------------------------------


def call_transfer_start(*, intake: Intake, target_key: str, stay_on: bool, by) -> CallTransfer:
    """Bridge the intake's caller to a third party; the dispatcher stays on or drops off."""
    target = transfer_target_get(target_key)
    if target is None:
        raise CallControlError(_("Choose where to transfer the call."))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=_live_call(intake).pk)
        if call.transfers.filter(outcome=CallTransfer.Outcome.PENDING).exists():
            raise CallControlError(_("A transfer of this call is already ringing."))
        conference, move = _conference_for(call, by=by)
        if not stay_on and conference.caller_on_hold and conference.caller_joined_at is None:
            # Held outside the conference: with the dispatcher gone nobody could bring them in.
            raise CallControlError(_("Resume the caller before transferring without staying on."))
        try:
            transfer = CallTransfer.objects.create(
                conference=conference,
                call=call,
                target=target.kind,
                target_key=target.key,
                # 911 and 988 are shown by their choice's label, in the reader's language.
                target_label=(target.kind if target.kind != CallTransfer.Target.PARTNER else target.label)[
                    :200
                ],
                number=target.number[:32],
                stay_on=stay_on,
                by=by,
            )
        except IntegrityError as exc:
            raise CallControlError(_("A transfer of this call is already ringing.")) from exc
        _event(call, CallEvent.Kind.TRANSFER_STARTED, transfer=transfer, actor=by)
    try:
        _twilio(lambda client: _transfer_dial(client, transfer, move=move))
    except CallControlError:
        transfer_record_outcome(transfer_id=transfer.pk, status="failed")
        raise
    return transfer


def _transfer_dial(client: Client, transfer: CallTransfer, *, move: bool) -> None:
    conference = transfer.conference
    if move:
        _move_dispatcher(client, conference, stay_on=transfer.stay_on)
        if not transfer.stay_on:  # their leg was hung up instead of moved
            dispatcher_mark_left(conference=conference, by=transfer.by)
    participant = client.conferences(conference.name).participants.create(
        from_=settings.HOTLINE_NUMBER or transfer.call.to_number,
        to=transfer.number,
        label="third-party",
        timeout=settings.HOTLINE_TRANSFER_RING_SECONDS,
        early_media=True,
        beep="false",
        end_conference_on_exit=False,
        status_callback=twiml.webhook_url("voice_transfer_status", transfer=transfer.pk),
        status_callback_method="POST",
        status_callback_event=TRANSFER_STATUS_EVENTS,
        conference_status_callback=_status_url(),
        conference_status_callback_method="POST",
        conference_status_callback_event=CONFERENCE_STATUS_EVENTS.split(),
    )
    CallTransfer.objects.filter(pk=transfer.pk).update(participant_call_sid=participant.call_sid)
    if not transfer.stay_on and not move:
        dispatcher_leave(conference_id=conference.pk, client=client, by=transfer.by)


def transfer_record_outcome(*, transfer_id: int, status: str) -> CallTransfer | None:
    """The third party's call status callback (also a failed REST request). Idempotent; sends
    the caller back to the dispatchers when nobody is left on the call with them."""
    now = timezone.now()
    return_caller = False
    with transaction.atomic():
        transfer = (
            CallTransfer.objects.select_for_update()
            .select_related("conference", "call")
            .filter(pk=transfer_id)
            .first()
        )
        if transfer is None:
            return None
        conference = transfer.conference
        if status in ("in-progress", "answered") and transfer.outcome == CallTransfer.Outcome.PENDING:
            transfer.outcome, transfer.answered_at = CallTransfer.Outcome.ANSWERED, now
            transfer.save(update_fields=["outcome", "answered_at"])
            _event(transfer.call, CallEvent.Kind.TRANSFER_ANSWERED, transfer=transfer)
        elif status in UNANSWERED and transfer.outcome == CallTransfer.Outcome.PENDING:
            transfer.outcome, transfer.ended_at = UNANSWERED[status], now
            if status == "canceled" or transfer.call.ended_at is not None:  # the caller hung up first
                transfer.outcome = CallTransfer.Outcome.CANCELLED
            transfer.save(update_fields=["outcome", "ended_at"])
            _event(transfer.call, OUTCOME_EVENT[transfer.outcome], transfer=transfer)
            return_caller = conference.dispatcher_left_at is not None and conference.ended_at is None
        elif status == "completed":
            if transfer.outcome == CallTransfer.Outcome.PENDING:  # ended before anyone answered
                return transfer_record_outcome_pending_completed(transfer, now)
            if transfer.ended_at is None:
                transfer.ended_at = now
                transfer.save(update_fields=["ended_at"])
                return_caller = conference.dispatcher_left_at is not None and conference.ended_at is None
    if return_caller:
        caller_return_to_dispatchers(conference_id=conference.pk)
    return transfer


def transfer_record_outcome_pending_completed(transfer: CallTransfer, now) -> CallTransfer:
    """Inside the lock: "completed" with no answer seen (a callback lost): count it answered
    only if Twilio said nothing else; it had a call."""
    transfer.outcome, transfer.answered_at, transfer.ended_at = CallTransfer.Outcome.ANSWERED, now, now
    transfer.save(update_fields=["outcome", "answered_at", "ended_at"])
    _event(transfer.call, CallEvent.Kind.TRANSFER_ANSWERED, transfer=transfer)
    return transfer


def caller_return_to_dispatchers(*, conference_id: int) -> bool:
    """Nobody is left with the caller: close the conference and ring the dispatchers again."""
    with transaction.atomic():
        conference = CallConference.objects.select_for_update().select_related("call").get(pk=conference_id)
        if conference.ended_at is not None or conference.call.ended_at is not None:
            return False
        conference.ended_at = conference.returned_at = timezone.now()
        conference.save(update_fields=["ended_at", "returned_at"])
        _event(conference.call, CallEvent.Kind.RETURNED)
    url = twiml.webhook_url("voice_return", conference=conference.pk)
    try:
        _twilio(lambda client: client.calls(conference.call.call_sid).update(url=url, method="POST"))
    except CallControlError:
        logger.exception("Could not send the caller of %s back to the dispatchers", conference.name)
        return False
    return True


def dispatcher_leave(*, conference_id: int, client: Client | None = None, by=None) -> None:
    """Hang up the dispatcher's leg; the caller stays (with the third party when they answered)."""
    conference = CallConference.objects.get(pk=conference_id)
    if not conference.dispatcher_call_sid:
        raise CallControlError(_("This call is not in a conference yet."))

    def hang_up(twilio_client: Client) -> None:
        twilio_client.calls(conference.dispatcher_call_sid).update(status="completed")

    if client is not None:
        hang_up(client)
    else:
        _twilio(hang_up)
    dispatcher_mark_left(conference=conference, by=by)


def dispatcher_mark_left(*, conference: CallConference, by=None) -> bool:
    """The dispatcher's leg left the conference (REST or their own hang-up); once. True when
    the caller is then alone and goes back to the dispatchers."""
    with transaction.atomic():
        locked = CallConference.objects.select_for_update().get(pk=conference.pk)
        if locked.dispatcher_left_at is not None:
            return False
        locked.dispatcher_left_at = timezone.now()
        locked.save(update_fields=["dispatcher_left_at"])
        _event(locked.call, CallEvent.Kind.DISPATCHER_LEFT, actor=by)
        transfers = locked.transfers.all()
        alone = not any(
            t.outcome == CallTransfer.Outcome.PENDING
            or (t.outcome == CallTransfer.Outcome.ANSWERED and t.ended_at is None)
            for t in transfers
        )
    if alone and locked.ended_at is None:
        return caller_return_to_dispatchers(conference_id=locked.pk)
    return False


def call_leave(*, intake: Intake, by) -> CallConference:
    """The dispatcher drops off the call (after a transfer)."""
    call = _live_call(intake)
    conference = open_conference(call)
    if conference is None:
        raise CallControlError(_("Transfer the call before leaving it, or hang up your phone."))
    dispatcher_leave(conference_id=conference.pk, by=by)
    return conference


# --- hold -------------------------------------------------------------------------------


def _conference_sid(client: Client, conference: CallConference) -> str:
    if conference.conference_sid:
        return conference.conference_sid
    found = client.conferences.list(friendly_name=conference.name, status="in-progress", limit=1)
    if not found:
        raise CallControlError(_("The conference is still starting; try again in a moment."))
    sid = str(found[0].sid)
    CallConference.objects.filter(pk=conference.pk).update(conference_sid=sid)
    return sid


def call_hold(*, intake: Intake, hold: bool, by) -> CallConference:
    """Put the caller on hold (a spoken message on a loop) or take them off it.

    In the conference: Twilio's participant hold, with our hold message. A call not yet in a
    conference moves into one, the caller held outside it: their <Dial> action answers the hold
    loop (`caller_twiml`), and resuming redirects them into the conference."""
    call = _live_call(intake)
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        if not hold and open_conference(call) is None:
            raise CallControlError(_("The caller is not on hold."))
        conference, move = _conference_for(call, by=by)
        if move:
            # Before the move: the caller's <Dial> action reads it.
            conference.caller_on_hold = hold
            conference.save(update_fields=["caller_on_hold"])
    if move:
        _twilio(lambda client: _move_dispatcher(client, conference, stay_on=True))
    elif conference.caller_joined_at is None:
        if hold or not conference.caller_on_hold:
            raise CallControlError(_("The call is moving into a conference; try again in a moment."))

        def bring_in(client: Client) -> None:
            join = twiml.conference_join(name=conference.name, role=twiml.CALLER)
            client.calls(call.call_sid).update(twiml=str(join))

        _twilio(bring_in)
    else:

        def update(client: Client) -> None:
            sid = _conference_sid(client, conference)
            params = {"hold": hold}
            if hold:
                params |= {"hold_url": _hold_url(), "hold_method": "POST"}
            client.conferences(sid).participants(call.call_sid).update(**params)

        _twilio(update)
    CallConference.objects.filter(pk=conference.pk).update(caller_on_hold=hold)
    _event(call, CallEvent.Kind.HELD if hold else CallEvent.Kind.RESUMED, actor=by)
    conference.caller_on_hold = hold
    return conference


# --- listen in and coach ------------------------------------------------------------------


def call_listen(*, intake: Intake, coordinator_phone: str, coach: bool, by) -> CallConference:
    """A coordinator's phone joins the call muted (listen) or heard by the dispatcher only (coach)."""
    if not coordinator_phone:
        raise CallControlError(_("Your volunteer profile has no phone number to ring."))
    call = _live_call(intake)
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        conference, move = _conference_for(call, by=by)

    def join(client: Client) -> None:
        if move:
            _move_dispatcher(client, conference, stay_on=True)
        params = {
            "from_": settings.HOTLINE_NUMBER or call.to_number,
            "to": messaging.normalise_phone(coordinator_phone),
            "label": "coordinator",
            "beep": "false",
            "end_conference_on_exit": False,
            "conference_status_callback": _status_url(),
            "conference_status_callback_event": CONFERENCE_STATUS_EVENTS.split(),
        }
        if coach:
            if not conference.dispatcher_call_sid:
                raise CallControlError(_("No dispatcher is connected to this call any more."))
            params |= {"coaching": True, "call_sid_to_coach": conference.dispatcher_call_sid}
        else:
            params["muted"] = True
        client.conferences(conference.name).participants.create(**params)

    _twilio(join)
    _event(call, CallEvent.Kind.COACH if coach else CallEvent.Kind.LISTEN, actor=by)
    return conference


# --- conference status callbacks --------------------------------------------------------


def conference_record_status(*, name: str, conference_sid: str, event: str, call_sid: str) -> None:
    """Twilio's conference status callback: remember its SID, notice who left."""
    conference = CallConference.objects.select_related("call").filter(name=name).first()
    if conference is None:
        logger.info("Status of an unknown conference %s ignored", name)
        return
    if conference_sid and conference.conference_sid != conference_sid:
        CallConference.objects.filter(pk=conference.pk).update(conference_sid=conference_sid[:64])
    if event == "conference-end":
        CallConference.objects.filter(pk=conference.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    elif event == "participant-join" and call_sid == conference.call.call_sid:
        CallConference.objects.filter(pk=conference.pk, caller_joined_at__isnull=True).update(
            caller_joined_at=timezone.now()
        )
    elif event == "participant-leave" and call_sid:
        if call_sid == conference.call.call_sid:
            CallConference.objects.filter(pk=conference.pk, ended_at__isnull=True).update(
                ended_at=timezone.now()
            )
        elif call_sid == conference.dispatcher_call_sid:
            dispatcher_mark_left(conference=conference)


def return_claim(*, conference_id: int) -> bool:
    """A dispatcher pressed 1 for a caller sent back to the dispatchers: the first one has them."""
    return bool(
        CallConference.objects.filter(
            pk=conference_id, returned_at__isnull=False, reanswered_at__isnull=True
        ).update(reanswered_at=timezone.now())
    )
