"""Triage: the dispatcher's answers to the screening protocol and the decision taken on them.

The answers are kept as they are given (a hand-over keeps them) with the recommendation the
protocol computes (`dispatch.protocol`); the decision may override it with a reason, and an
escalation to 911/EMS or a referral must say to whom. "Send responders" opens the incident in
the same transaction (`incidents._incident_open`). Called by the intake views (the live
recommendation and the decision form) and the demo data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import CallType, Decision, HandoffService, Referral, Triage
from dispatch.protocol import ProtocolSpec, Recommendation, check_decision, clean_answers, recommend
from dispatch.selectors import protocol_spec
from hotline import services as hotline_services
from hotline.models import Intake
from volunteers.models import Area

from ._common import DispatchError, ReferralChoice
from .claims import ClaimTaken
from .follow_ups import _decline, _follow_ups_schedule
from .incidents import CallOut, _incident_open


class DecisionRejected(DispatchError):
    """The decision breaks a protocol rule; `errors` maps fields to protocol error codes."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(_("The decision cannot be recorded: %(fields)s") % {"fields": ", ".join(errors)})
        self.errors = dict(errors)


def derived_fields(spec: ProtocolSpec, answers: Mapping[str, str]) -> dict:
    """Triage columns mirrored from answers to the taxonomy questions."""
    fields: dict = {}
    for question in spec.questions:
        value = answers.get(question.key, "")
        if question.kind == "call_type":
            fields["call_type"] = CallType.objects.filter(slug=value).first() if value else None
        elif question.kind == "area":
            fields["area"] = Area.objects.filter(pk=value).first() if value.isdigit() else None
        elif question.kind == "language":
            fields["language"] = value
        elif question.kind == "location":
            fields["location"] = value[:255]
    return fields


def _holder_triage_for_update(*, triage: Triage, user) -> Triage:
    locked = Triage.objects.select_for_update().select_related("protocol").get(pk=triage.pk)
    if locked.decision:
        raise DispatchError(_("This intake has already been triaged."))
    if locked.claimed_by_id != user.pk:
        raise (
            ClaimTaken(locked.claimed_by)
            if locked.claimed_by_id
            else DispatchError(_("Claim the intake before triaging it."))
        )
    return locked


def triage_save_answers(
    *, triage: Triage, user, raw_answers: Mapping[str, object], notes: str | None = None
) -> tuple[Triage, Recommendation]:
    """Keep the answers given so far (a hand-over keeps them) and the live recommendation."""
    spec = protocol_spec(triage.protocol)
    answers, _errors = clean_answers(spec, raw_answers)
    result = recommend(spec, answers)
    with transaction.atomic():
        locked = _holder_triage_for_update(triage=triage, user=user)
        locked.answers = answers
        for name, value in derived_fields(spec, answers).items():
            setattr(locked, name, value)
        locked.recommendation = result.decision or ""
        locked.danger_flagged = result.danger
        if notes is not None:
            locked.notes = notes
        locked.save()
    return locked, result


def triage_decide(
    *,
    triage: Triage,
    user,
    raw_answers: Mapping[str, object],
    decision: str,
    override_reason: str = "",
    notes: str = "",
    handoff_to: str = "",
    handoff_at: datetime | None = None,
    referral: ReferralChoice | None = None,
    call_out: CallOut | None = None,
    follow_up_what: str | None = None,
    follow_up_declined: bool = False,
) -> Triage:
    """Record the dispatcher's decision; "send responders" opens the incident and its outbox.

    For phone support, `follow_up_what` (what to do when calling back) schedules follow-ups at
    the call type's hours; `follow_up_declined` records that the person wants none."""
    if decision not in Decision.values:
        raise DecisionRejected({"decision": "invalid"})
    spec = protocol_spec(triage.protocol)
    answers, answer_errors = clean_answers(spec, raw_answers)
    if answer_errors:
        raise DecisionRejected(answer_errors)
    result = recommend(spec, answers)
    errors = check_decision(result, decision=decision, override_reason=override_reason)
    if decision == Decision.ESCALATE and (handoff_to not in HandoffService.values or handoff_at is None):
        errors["handoff_at"] = "handoff_required"
    if decision == Decision.REFER and (referral is None or referral.partner is None):
        errors["referral_partner"] = "partner_required"
    if errors:
        raise DecisionRejected(errors)
    now = timezone.now()
    with transaction.atomic():
        locked = _holder_triage_for_update(triage=triage, user=user)
        locked.answers = answers
        for name, value in derived_fields(spec, answers).items():
            setattr(locked, name, value)
        locked.recommendation = result.decision or ""
        locked.danger_flagged = result.danger
        locked.decision = decision
        locked.override_reason = override_reason.strip() if decision != result.decision else ""
        locked.notes = notes
        if decision == Decision.ESCALATE:
            locked.handoff_to = handoff_to
            locked.handoff_at = handoff_at
        locked.decided_by = user
        locked.decided_at = now
        locked.save()
        Intake.objects.filter(pk=locked.intake_id).update(status=Intake.Status.CLOSED)
        hotline_services.handoff_record_progress(
            intake_id=locked.intake_id,
            decision=decision,
            decided_at=now,
            closed_at=None if decision == Decision.SEND_RESPONDERS else now,
        )
        if decision == Decision.REFER:
            Referral.objects.create(
                triage=locked,
                partner=referral.partner,
                service_type=referral.service_type,
                notes=referral.notes[:300],
                created_by=user,
            )
        if decision == Decision.SEND_RESPONDERS:
            _incident_open(triage=locked, by=user, call_out=call_out or CallOut(), now=now)
        if decision not in (Decision.SEND_RESPONDERS, Decision.ESCALATE):
            # The conversation is over: the optional diversion questions, by text if it was one.
            hotline_services.evidence_sms_schedule(intake_id=locked.intake_id)
        if follow_up_declined:
            _decline(triage=locked, now=now)
        elif decision == Decision.PHONE_SUPPORT and follow_up_what is not None:
            _follow_ups_schedule(triage=locked, incident=None, what_to_do=follow_up_what, by=user, now=now)
    return locked
