"""Follow-ups: calling or texting a person back some hours after their contact.

A phone-support decision (`triage.triage_decide`) or an incident's outcome
(`incidents.incident_record_outcome`) schedules one follow-up per hour mark of the call type
(`CallType.follow_up_hours`, 24 h and 72 h by default) in its own transaction, unless the person
declined follow-up: that refusal is kept on the triage and respected for every later contact
from the same number. A dispatcher claims a follow-up with a conditional update (two never
call one person back at once), calls through the hotline number or texts, and records the
result, which may schedule the next try. Called by the follow-up views and the demo data.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import CallType, FollowUp, Incident, Triage, parse_follow_up_hours
from hotline import messaging
from hotline import services as hotline_services
from volunteers.roles import Role, has_role

from ._common import DispatchError

DEFAULT_FOLLOW_UP_HOURS = CallType._meta.get_field("follow_up_hours").default


class FollowUpTaken(DispatchError):
    def __init__(self, holder) -> None:
        name = (holder.get_full_name() or holder.get_username()) if holder else _("another dispatcher")
        super().__init__(_("%(name)s already has this follow-up.") % {"name": name})
        self.holder = holder


def caller_declined_follow_up(*, triage: Triage) -> bool:
    """True when the person of this triage, or anyone calling from the same number, declined."""
    if triage.follow_up_declined:
        return True
    caller = triage.intake.caller
    if not caller:
        return False
    return Triage.objects.filter(intake__caller=caller, follow_up_declined=True).exists()


def _follow_ups_schedule(
    *, triage: Triage, incident: Incident | None, what_to_do: str, by, now: datetime
) -> list[FollowUp]:
    """Inside the caller's transaction: the follow-ups of a contact, at the call type's hours.

    Nothing is scheduled for a person who declined, who left no number to call back, or who
    already has follow-ups waiting.
    """
    if not triage.intake.caller or caller_declined_follow_up(triage=triage):
        return []
    if triage.follow_ups.filter(status=FollowUp.Status.SCHEDULED).exists():
        return []
    call_type = (incident.call_type if incident else None) or triage.call_type
    hours = parse_follow_up_hours(call_type.follow_up_hours if call_type else DEFAULT_FOLLOW_UP_HOURS)
    return FollowUp.objects.bulk_create(
        FollowUp(
            triage=triage,
            incident=incident,
            due_at=now + timedelta(hours=h),
            what_to_do=what_to_do.strip(),
            created_by=by,
            created_at=now,
        )
        for h in hours
    )


def _decline(*, triage: Triage, now: datetime) -> int:
    """Inside the caller's transaction: record the refusal and cancel what is waiting."""
    Triage.objects.filter(pk=triage.pk).update(follow_up_declined=True)
    triage.follow_up_declined = True
    waiting = Q(triage=triage)
    if triage.intake.caller:
        waiting |= Q(triage__intake__caller=triage.intake.caller)
    return FollowUp.objects.filter(waiting, status=FollowUp.Status.SCHEDULED).update(
        status=FollowUp.Status.CANCELLED, claimed_by=None, claimed_at=None
    )


def follow_up_decline(*, triage: Triage, by) -> int:
    """The person does not want to be called back: record it and cancel their follow-ups."""
    if not has_role(by, Role.DISPATCHER):
        raise DispatchError(_("Only dispatchers can record this."))
    with transaction.atomic():
        return _decline(triage=triage, now=timezone.now())


def follow_up_claim(*, follow_up: FollowUp, user) -> FollowUp:
    """Take the follow-up. Exactly one dispatcher wins a race (conditional update)."""
    if not has_role(user, Role.DISPATCHER):
        raise DispatchError(_("Only dispatchers can take follow-ups."))
    claimed = FollowUp.objects.filter(
        pk=follow_up.pk, status=FollowUp.Status.SCHEDULED, claimed_by__isnull=True
    ).update(claimed_by=user, claimed_at=timezone.now())
    follow_up.refresh_from_db()
    if claimed or (follow_up.claimed_by_id == user.pk and follow_up.status == FollowUp.Status.SCHEDULED):
        return follow_up
    if follow_up.status != FollowUp.Status.SCHEDULED:
        raise DispatchError(_("This follow-up is no longer waiting."))
    raise FollowUpTaken(follow_up.claimed_by)


def follow_up_release(*, follow_up: FollowUp, user) -> FollowUp:
    """Give the follow-up back to the list. Coordinators may release anybody's."""
    condition = Q(pk=follow_up.pk, status=FollowUp.Status.SCHEDULED, claimed_by__isnull=False)
    if not has_role(user, Role.COORDINATOR):
        condition &= Q(claimed_by=user)
    if not FollowUp.objects.filter(condition).update(claimed_by=None, claimed_at=None):
        raise DispatchError(_("You do not hold this follow-up."))
    follow_up.refresh_from_db()
    return follow_up


def _held(follow_up: FollowUp, user) -> FollowUp:
    held = FollowUp.objects.select_related("triage__intake").get(pk=follow_up.pk)
    if held.status != FollowUp.Status.SCHEDULED:
        raise DispatchError(_("This follow-up is no longer waiting."))
    if held.claimed_by_id != user.pk:
        raise DispatchError(_("Take the follow-up first."))
    return held


def follow_up_call(*, follow_up: FollowUp, user, dispatcher_phone: str) -> messaging.CallbackStarted:
    """Ring the dispatcher, then the person, through the hotline number (neither sees the
    other's number). The attempt is recorded; the result is recorded once the call is over."""
    held = _held(follow_up, user)
    try:
        started = hotline_services.callback_start(
            intake=held.triage.intake, dispatcher_phone=dispatcher_phone, by=user
        )
    except messaging.SmsError as exc:
        raise DispatchError(_("The call could not be started: %(error)s") % {"error": exc}) from exc
    FollowUp.objects.filter(pk=held.pk).update(attempted_at=timezone.now(), method=FollowUp.Method.CALL)
    follow_up.refresh_from_db()
    return started


def follow_up_text(*, follow_up: FollowUp, user, body: str) -> messaging.SentMessage:
    """Text the person from the hotline number; the text joins their conversation."""
    held = _held(follow_up, user)
    if not body.strip():
        raise DispatchError(_("Write the text first."))
    try:
        sent = hotline_services.intake_reply(intake=held.triage.intake, body=body)
    except messaging.SmsError as exc:
        raise DispatchError(_("The text could not be sent: %(error)s") % {"error": exc}) from exc
    FollowUp.objects.filter(pk=held.pk).update(attempted_at=timezone.now(), method=FollowUp.Method.TEXT)
    follow_up.refresh_from_db()
    return sent


def follow_up_record_result(
    *,
    follow_up: FollowUp,
    user,
    result: str,
    notes: str = "",
    method: str = "",
    reschedule_at: datetime | None = None,
) -> FollowUp:
    """Record how the follow-up went. "Declined" cancels every follow-up of the person and
    keeps the refusal; otherwise `reschedule_at` schedules the next try."""
    if result not in FollowUp.Result.values:
        raise DispatchError(_("Choose a result."))
    if method and method not in FollowUp.Method.values:
        raise DispatchError(_("Choose how you tried to reach the person."))
    now = timezone.now()
    if reschedule_at is not None:
        if result == FollowUp.Result.DECLINED:
            raise DispatchError(_("The person declined: no further follow-up can be scheduled."))
        if reschedule_at <= now:
            raise DispatchError(_("The next follow-up must be in the future."))
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.status != FollowUp.Status.SCHEDULED:
            raise DispatchError(_("This follow-up is no longer waiting."))
        if locked.claimed_by_id != user.pk:
            raise DispatchError(_("Take the follow-up first."))
        locked.status = FollowUp.Status.DONE
        locked.result = result
        locked.result_notes = notes.strip()
        locked.method = method or locked.method
        locked.attempted_at = locked.attempted_at or now
        locked.done_by = user
        locked.done_at = now
        locked.save(
            update_fields=["status", "result", "result_notes", "method", "attempted_at", "done_by", "done_at"]
        )
        if result == FollowUp.Result.DECLINED:
            _decline(triage=Triage.objects.select_related("intake").get(pk=locked.triage_id), now=now)
        elif reschedule_at is not None:
            FollowUp.objects.create(
                triage_id=locked.triage_id,
                incident_id=locked.incident_id,
                due_at=reschedule_at,
                what_to_do=locked.what_to_do,
                rescheduled_from=locked,
                created_by=user,
                created_at=now,
            )
    follow_up.refresh_from_db()
    return follow_up
