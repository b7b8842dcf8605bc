"""State changes of the dispatch app. Each service owns its transaction.

Texts are never sent from here: services write `Notification` rows (the outbox) in their
transaction and hand the row ids to Celery once it has committed (`_send_after_commit`).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from dispatch.models import (
    CallType,
    Decision,
    HandoffService,
    Incident,
    IncidentEvent,
    IncidentResponder,
    Notification,
    ProtocolQuestion,
    ProtocolRule,
    ProtocolVersion,
    Referral,
    Triage,
)
from dispatch.protocol import ProtocolSpec, Recommendation, check_decision, clean_answers, recommend
from dispatch.selectors import (
    busy_volunteer_ids,
    current_protocol,
    on_call_coordinator,
    pending_answers_for,
    protocol_spec,
    responder_candidates,
    responder_url,
)
from hotline.models import Intake
from volunteers.models import Area, Volunteer
from volunteers.roles import Role, has_role
from volunteers.selectors import on_shift_now

logger = logging.getLogger(__name__)

# What a down or unreachable broker raises when a task is published.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)


class DispatchError(Exception):
    """A request that cannot be carried out; the message is shown to the user."""


class ClaimTaken(DispatchError):
    def __init__(self, holder) -> None:
        name = (holder.get_full_name() or holder.get_username()) if holder else _("another dispatcher")
        super().__init__(_("%(name)s is already triaging this intake.") % {"name": name})
        self.holder = holder


class DecisionRejected(DispatchError):
    """The decision breaks a protocol rule; `errors` maps fields to protocol error codes."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(_("The decision cannot be recorded: %(fields)s") % {"fields": ", ".join(errors)})
        self.errors = dict(errors)


# --- Claims ------------------------------------------------------------------------------------


def triage_claim(*, intake: Intake, user) -> Triage:
    """Take the intake for triage. Exactly one dispatcher wins a race (conditional update)."""
    if not has_role(user, Role.DISPATCHER):
        raise DispatchError(_("Only dispatchers can triage intakes."))
    if intake.status not in Intake.OPEN_STATUSES:
        raise DispatchError(_("This intake is closed."))
    triage, _created = Triage.objects.get_or_create(
        intake=intake,
        defaults={
            "protocol": current_protocol(),
            "language": intake.language,
            "area_id": intake.area_id,
            "location": intake.location,
        },
    )
    now = timezone.now()
    with transaction.atomic():
        claimed = Triage.objects.filter(pk=triage.pk, claimed_by__isnull=True, decision="").update(
            claimed_by=user, claimed_at=now, status_before_claim=intake.status
        )
        if claimed:
            Intake.objects.filter(
                pk=intake.pk, status__in=(Intake.Status.NEW, Intake.Status.NEEDS_CALLBACK)
            ).update(status=Intake.Status.IN_TRIAGE)
    triage.refresh_from_db()
    if triage.claimed_by_id == user.pk and not triage.decision:
        return triage
    if triage.decision:
        raise DispatchError(_("This intake has already been triaged."))
    raise ClaimTaken(triage.claimed_by)


def _release_filter(*, triage: Triage, user) -> Q:
    """Coordinators may release or hand over anybody's claim; dispatchers only their own."""
    condition = Q(pk=triage.pk, decision="", claimed_by__isnull=False)
    if not has_role(user, Role.COORDINATOR):
        condition &= Q(claimed_by=user)
    return condition


def triage_release(*, triage: Triage, user) -> None:
    """Give the intake back to the queue, answers kept."""
    with transaction.atomic():
        released = Triage.objects.filter(_release_filter(triage=triage, user=user)).update(
            claimed_by=None, claimed_at=None
        )
        if not released:
            raise DispatchError(_("You do not hold this intake."))
        Intake.objects.filter(pk=triage.intake_id, status=Intake.Status.IN_TRIAGE).update(
            status=triage.status_before_claim or Intake.Status.NEW
        )
    triage.refresh_from_db()


def triage_hand_over(*, triage: Triage, user, to) -> None:
    """Pass the claim to another dispatcher, answers kept."""
    if to is None or not to.is_active or not has_role(to, Role.DISPATCHER):
        raise DispatchError(_("Intakes can only be handed to an active dispatcher."))
    updated = Triage.objects.filter(_release_filter(triage=triage, user=user)).update(
        claimed_by=to, claimed_at=timezone.now()
    )
    if not updated:
        raise DispatchError(_("You do not hold this intake."))
    triage.refresh_from_db()


def intake_view_record(*, intake: Intake, user, path: str = "") -> AuditEntry:
    """Record in the audit trail that `user` looked at the intake (the access log of caller data)."""
    return audit_record(
        action=AuditEntry.Action.VIEWED,
        subject=Intake,
        ids=[intake.pk],
        what="intake page",
        actor=user,
        path=path,
    )


# --- Answers and decisions ---------------------------------------------------------------------


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


@dataclass(frozen=True)
class ReferralChoice:
    partner: object  # outreach.Partner
    service_type: object | None = None
    notes: str = ""


@dataclass(frozen=True)
class CallOut:
    """Who to text for "send responders": `responders` None means every candidate."""

    responders: list[Volunteer] | None = None
    team_size: int | None = None
    details: str = ""


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
) -> Triage:
    """Record the dispatcher's decision; "send responders" opens the incident and its outbox."""
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
    return locked


# --- Incidents ---------------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_PATTERN = re.compile(r"^[A-Z2-9]{4}$")


def _new_incident_code() -> str:
    for _attempt in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        if not Incident.objects.filter(code=code).exists():
            return code
    raise DispatchError(_("Could not find a free incident code; try again."))


def _sms_text(template: str, *, language: str, **context) -> str:
    """A text to a person, from a template, in their language, on one paragraph per line."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"dispatch/sms/{template}.txt", context)
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    return "\n".join(line for line in lines if line)


def _call_out_text(*, incident: Incident, volunteer: Volunteer, template: str = "dispatch") -> str:
    with translation.override(volunteer.preferred_language or settings.LANGUAGE_CODE):
        call_type = str(incident.call_type) if incident.call_type else _("Call")
    return _sms_text(
        template,
        language=volunteer.preferred_language,
        code=incident.code,
        call_type=call_type,
        area=incident.area.name if incident.area else "",
        language_name=incident.language,
        link=responder_url(incident=incident, volunteer=volunteer),
    )


def _add_responders(
    *, incident: Incident, volunteers: Iterable[Volunteer], tier: int, kind: str, now: datetime
) -> list[int]:
    """Put volunteers on the incident's call-out and write their texts; return outbox ids."""
    volunteers = [v for v in volunteers if v.phone]
    IncidentResponder.objects.bulk_create(
        [IncidentResponder(incident=incident, volunteer=v, tier=tier, notified_at=now) for v in volunteers]
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                incident=incident,
                volunteer=v,
                kind=kind,
                to=str(v.phone),
                body=_call_out_text(
                    incident=incident,
                    volunteer=v,
                    template="escalation" if kind == Notification.Kind.ESCALATION else "dispatch",
                ),
                dedupe_key=f"{incident.pk}:callout:{v.pk}",
                created_at=now,
                next_attempt_at=now,
            )
            for v in volunteers
        ]
    )
    return [row.pk for row in rows]


def _incident_open(*, triage: Triage, by, call_out: CallOut, now: datetime) -> Incident:
    if call_out.responders is None:
        volunteers = responder_candidates(
            call_type=triage.call_type, language=triage.language, area=triage.area
        )
    else:
        busy = set(busy_volunteer_ids().values_list("volunteer_id", flat=True))
        volunteers = [v for v in call_out.responders if v.pk not in busy]
    team_size = call_out.team_size or settings.DISPATCH_TEAM_SIZE
    if team_size < 1:
        raise DispatchError(_("A team needs at least one responder."))
    incident = Incident.objects.create(
        code=_new_incident_code(),
        triage=triage,
        call_type=triage.call_type,
        area=triage.area,
        language=triage.language,
        location=triage.location,
        details=call_out.details or triage.notes,
        team_size=team_size,
        opened_by=by,
        opened_at=now,
        # Nobody to text: escalate at the next sweep instead of waiting.
        escalate_at=now + timedelta(seconds=settings.DISPATCH_ESCALATION_SECONDS) if volunteers else now,
    )
    ids = _add_responders(
        incident=incident, volunteers=volunteers, tier=0, kind=Notification.Kind.DISPATCH, now=now
    )
    IncidentEvent.objects.create(
        incident=incident,
        kind=IncidentEvent.Kind.DISPATCHED,
        actor=by,
        note=_("%(count)s responders texted: %(names)s")
        % {"count": len(volunteers), "names": ", ".join(str(v) for v in volunteers) or "—"},
        created_at=now,
    )
    _send_after_commit(ids)
    return incident


def incident_notify_more(*, incident: Incident, by, volunteers: Iterable[Volunteer]) -> int:
    """Text more responders the dispatcher picked; return how many were added."""
    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise DispatchError(_("The incident is no longer open."))
        already = set(locked.responders.values_list("volunteer_id", flat=True))
        fresh = [v for v in volunteers if v.pk not in already]
        ids = _add_responders(
            incident=locked,
            volunteers=fresh,
            tier=locked.escalation_level,
            kind=Notification.Kind.DISPATCH,
            now=now,
        )
        if fresh:
            IncidentEvent.objects.create(
                incident=locked,
                kind=IncidentEvent.Kind.DISPATCHED,
                actor=by,
                note=_("Also texted: %(names)s") % {"names": ", ".join(str(v) for v in fresh)},
                created_at=now,
            )
        _send_after_commit(ids)
    return len(ids)


STATUS_ORDER = [
    Incident.Status.DISPATCHED,
    Incident.Status.ACKNOWLEDGED,
    Incident.Status.EN_ROUTE,
    Incident.Status.ON_SCENE,
    Incident.Status.CLEARED,
]
FIELD_STATUSES = (Incident.Status.EN_ROUTE, Incident.Status.ON_SCENE, Incident.Status.CLEARED)


def _locked_open_incident(incident: Incident) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not locked.is_open:
        raise DispatchError(_("The incident is no longer open."))
    return locked


def incident_record_status(
    *, incident: Incident, status: str, by=None, volunteer: Volunteer | None = None, note: str = ""
) -> Incident:
    """En route, on scene, cleared: a timeline line with who; the status only moves forward."""
    if status not in FIELD_STATUSES:
        raise DispatchError(_("Unknown status."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        IncidentEvent.objects.create(
            incident=locked, kind=status, actor=by, volunteer=volunteer, note=note[:1000], created_at=now
        )
        if STATUS_ORDER.index(status) > STATUS_ORDER.index(locked.status):
            locked.status = status
            locked.save(update_fields=["status"])
    return locked


def incident_add_note(
    *, incident: Incident, note: str, by=None, volunteer: Volunteer | None = None
) -> IncidentEvent:
    note = note.strip()
    if not note:
        raise DispatchError(_("Write a note first."))
    return IncidentEvent.objects.create(
        incident=incident, kind=IncidentEvent.Kind.NOTE, actor=by, volunteer=volunteer, note=note[:2000]
    )


@dataclass(frozen=True)
class OutcomeInput:
    outcome: str
    transported_by: str = ""
    notes: str = ""
    follow_up_needed: bool = False
    follow_up_notes: str = ""
    referral: ReferralChoice | None = None


def incident_record_outcome(
    *, incident: Incident, data: OutcomeInput, by=None, volunteer: Volunteer | None = None
) -> Incident:
    if data.outcome not in Incident.Outcome.values:
        raise DispatchError(_("Choose an outcome."))
    if data.outcome == Incident.Outcome.TRANSPORTED and not data.transported_by.strip():
        raise DispatchError(_("Say who transported the person."))
    if data.outcome == Incident.Outcome.REFERRED and (data.referral is None or data.referral.partner is None):
        raise DispatchError(_("Choose the partner the person was referred to."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        locked.outcome = data.outcome
        locked.transported_by = (
            data.transported_by.strip() if data.outcome == Incident.Outcome.TRANSPORTED else ""
        )
        locked.outcome_notes = data.notes
        locked.follow_up_needed = data.follow_up_needed
        locked.follow_up_notes = data.follow_up_notes
        locked.outcome_recorded_by = by
        locked.outcome_recorded_at = now
        locked.save()
        if data.outcome == Incident.Outcome.REFERRED:
            Referral.objects.create(
                incident=locked,
                partner=data.referral.partner,
                service_type=data.referral.service_type,
                notes=data.referral.notes[:300],
                created_by=by,
            )
        IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.OUTCOME,
            actor=by,
            volunteer=volunteer,
            note=locked.get_outcome_display()
            + (f" ({locked.transported_by})" if locked.transported_by else "")
            + (" · " + _("follow-up needed") if locked.follow_up_needed else ""),
            created_at=now,
        )
    return locked


def _stand_down(*, incident: Incident, kind: str, template: str, now: datetime) -> list[int]:
    """Text the team and everyone still asked, and stand down the unanswered."""
    rows = list(
        incident.responders.filter(
            status__in=(IncidentResponder.Status.ACCEPTED, IncidentResponder.Status.NOTIFIED)
        ).select_related("volunteer")
    )
    notifications = [
        Notification(
            incident=incident,
            volunteer=row.volunteer,
            kind=kind,
            to=str(row.volunteer.phone),
            body=_sms_text(template, language=row.volunteer.preferred_language, code=incident.code),
            dedupe_key=f"{incident.pk}:{kind}:{row.volunteer_id}",
            created_at=now,
            next_attempt_at=now,
        )
        for row in rows
        if row.volunteer.phone
    ]
    incident.responders.filter(status=IncidentResponder.Status.NOTIFIED).update(
        status=IncidentResponder.Status.STOOD_DOWN, responded_at=now
    )
    return [row.pk for row in Notification.objects.bulk_create(notifications)]


def incident_close(*, incident: Incident, by) -> Incident:
    """Close an incident that has an outcome; the team is texted."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        if not locked.outcome:
            raise DispatchError(_("Record the outcome before closing the incident."))
        locked.status = Incident.Status.CLOSED
        locked.closed_by = by
        locked.closed_at = now
        locked.escalate_at = None
        locked.save(update_fields=["status", "closed_by", "closed_at", "escalate_at"])
        IncidentEvent.objects.create(
            incident=locked, kind=IncidentEvent.Kind.CLOSED, actor=by, created_at=now
        )
        _send_after_commit(
            _stand_down(incident=locked, kind=Notification.Kind.CLOSED, template="closed", now=now)
        )
    return locked


def incident_cancel(*, incident: Incident, by, reason: str) -> Incident:
    """Cancel a call-out (the person left, a duplicate...); the team is texted to stand down."""
    reason = reason.strip()
    if not reason:
        raise DispatchError(_("Say why the incident is cancelled."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_incident(incident)
        locked.status = Incident.Status.CANCELLED
        locked.cancel_reason = reason
        locked.closed_by = by
        locked.closed_at = now
        locked.escalate_at = None
        locked.save(update_fields=["status", "cancel_reason", "closed_by", "closed_at", "escalate_at"])
        IncidentEvent.objects.create(
            incident=locked, kind=IncidentEvent.Kind.CANCELLED, actor=by, note=reason, created_at=now
        )
        _send_after_commit(
            _stand_down(incident=locked, kind=Notification.Kind.CANCELLED, template="cancelled", now=now)
        )
    return locked


# --- Acknowledgements --------------------------------------------------------------------------

YES_WORDS = frozenset({"YES", "Y", "OK", "OKAY", "ACCEPT", "SI", "SÍ", "예", "네", "응"})
NO_WORDS = frozenset({"NO", "N", "DECLINE", "CANT", "CAN'T", "아니요", "아니오", "아니"})


@dataclass(frozen=True)
class Answer:
    status: str  # the responder's IncidentResponder.Status after the answer
    changed: bool


def responder_answer(*, assignment: IncidentResponder, accept: bool, via_sms: bool) -> Answer:
    """A responder's YES or NO. The first acceptances up to the team size form the team."""
    now = timezone.now()
    with transaction.atomic():
        # Lock the incident: two responders answering at once are counted one after the other.
        incident = Incident.objects.select_for_update().get(pk=assignment.incident_id)
        row = IncidentResponder.objects.select_for_update().select_related("volunteer").get(pk=assignment.pk)
        volunteer = row.volunteer
        answerable = (IncidentResponder.Status.NOTIFIED, IncidentResponder.Status.DECLINED)
        declining_twice = not accept and row.status != IncidentResponder.Status.NOTIFIED
        if not incident.is_open or row.status not in answerable or declining_twice:
            return Answer(status=row.status, changed=False)
        ids: list[int] = []
        if accept:
            accepted = incident.responders.filter(status=IncidentResponder.Status.ACCEPTED).count()
            if accepted < incident.team_size:
                row.status = IncidentResponder.Status.ACCEPTED
                kind, event = Notification.Kind.ACCEPTED, IncidentEvent.Kind.ACCEPTED
                fields = []
                if incident.status == Incident.Status.DISPATCHED:
                    incident.status = Incident.Status.ACKNOWLEDGED
                    fields.append("status")
                if accepted + 1 >= incident.team_size:
                    incident.escalate_at = None
                    fields.append("escalate_at")
                if fields:
                    incident.save(update_fields=fields)
            else:
                row.status = IncidentResponder.Status.TEAM_FULL
                kind, event = Notification.Kind.TEAM_FULL, IncidentEvent.Kind.TEAM_FULL
        else:
            row.status = IncidentResponder.Status.DECLINED
            kind, event = Notification.Kind.DECLINED, IncidentEvent.Kind.DECLINED
        row.responded_at = now
        row.save(update_fields=["status", "responded_at"])
        IncidentEvent.objects.create(
            incident=incident,
            kind=event,
            volunteer=volunteer,
            note=_("by text") if via_sms else _("by link"),
            created_at=now,
        )
        if not accept:
            _escalate_now_if_nobody_left(incident=incident, now=now)
        # Answers by link see the result on the page; answers by text get one back.
        if via_sms and volunteer.phone:
            template = {"accepted": "accepted", "team_full": "team_full", "declined": "declined"}[kind]
            notification = Notification.objects.create(
                incident=incident,
                volunteer=volunteer,
                kind=kind,
                to=str(volunteer.phone),
                body=_sms_text(
                    template,
                    language=volunteer.preferred_language,
                    code=incident.code,
                    link=responder_url(incident=incident, volunteer=volunteer),
                ),
                dedupe_key=f"{incident.pk}:{kind}:{volunteer.pk}",
                created_at=now,
                next_attempt_at=now,
            )
            ids.append(notification.pk)
        _send_after_commit(ids)
    return Answer(status=row.status, changed=True)


def _escalate_now_if_nobody_left(*, incident: Incident, now: datetime) -> None:
    """Everybody asked said no: widen the call-out at the next sweep instead of waiting."""
    waiting = incident.responders.filter(status=IncidentResponder.Status.NOTIFIED).exists()
    accepted = incident.responders.filter(status=IncidentResponder.Status.ACCEPTED).count()
    if not waiting and accepted < incident.team_size and incident.escalation_level < 2:
        Incident.objects.filter(pk=incident.pk).update(escalate_at=now)


def parse_acknowledgement(body: str) -> tuple[bool | None, str]:
    """(True for yes / False for no / None when neither, incident code or "") from a text."""
    words = [w.strip(".,!?;:\"'()") for w in body.strip().split()]
    words = [w.upper() for w in words if w]
    answer: bool | None = None
    code = ""
    for word in words[:4]:
        if answer is None and word in YES_WORDS:
            answer = True
        elif answer is None and word in NO_WORDS:
            answer = False
        elif not code and CODE_PATTERN.match(word):
            code = word
    return answer, code


def sms_acknowledgement(*, volunteer: Volunteer, body: str) -> bool:
    """Handle a responder's text; True when it was a YES/NO for a call-out."""
    answer, code = parse_acknowledgement(body)
    if answer is None:
        return False
    if code:
        assignment = (
            IncidentResponder.objects.filter(volunteer=volunteer, incident__code=code)
            .select_related("incident")
            .first()
        )
        if assignment is None:
            return False
    else:
        pending = list(pending_answers_for(volunteer)[:10])
        if not pending:
            return False
        if len(pending) > 1:
            _ask_which_incident(volunteer=volunteer, pending=pending)
            return True
        assignment = pending[0]
    responder_answer(assignment=assignment, accept=answer, via_sms=True)
    return True


def _ask_which_incident(*, volunteer: Volunteer, pending: list[IncidentResponder]) -> None:
    codes = [row.incident.code for row in pending]
    with transaction.atomic():
        notification = Notification.objects.create(
            volunteer=volunteer,
            kind=Notification.Kind.CLARIFY,
            to=str(volunteer.phone),
            body=_sms_text(
                "clarify", language=volunteer.preferred_language, codes=", ".join(codes), first=codes[0]
            ),
        )
        _send_after_commit([notification.pk])


# --- Escalation --------------------------------------------------------------------------------


def incidents_escalate_due(*, now: datetime | None = None) -> int:
    """Escalate every open incident whose team is not full in time; return how many moved."""
    now = now or timezone.now()
    due = list(
        Incident.objects.filter(
            status__in=Incident.OPEN_STATUSES, escalate_at__lte=now, escalation_level__lt=2
        ).values_list("pk", "escalation_level")
    )
    return sum(incident_escalate(incident_id=pk, from_level=level, now=now) for pk, level in due)


def incident_escalate(*, incident_id: int, from_level: int, now: datetime | None = None) -> bool:
    """Move the incident one tier up: 1 = every on-shift responder, 2 = on-call coordinator.

    Claimed by a conditional update on the level, so overlapping sweeps escalate once.
    """
    now = now or timezone.now()
    level = from_level + 1
    next_at = now + timedelta(seconds=settings.DISPATCH_ESCALATION_SECONDS) if level < 2 else None
    with transaction.atomic():
        moved = Incident.objects.filter(
            pk=incident_id,
            escalation_level=from_level,
            escalate_at__lte=now,
            status__in=Incident.OPEN_STATUSES,
        ).update(escalation_level=level, escalate_at=next_at)
        if not moved:
            return False
        incident = Incident.objects.select_related("call_type", "area").get(pk=incident_id)
        accepted = incident.responders.filter(status=IncidentResponder.Status.ACCEPTED).count()
        if level == 1:
            already = set(incident.responders.values_list("volunteer_id", flat=True))
            busy = set(busy_volunteer_ids().values_list("volunteer_id", flat=True))
            wider = [
                v
                for v in on_shift_now(
                    "responder", at=now, language=incident.language or None, area=incident.area
                )
                if v.pk not in already and v.pk not in busy
            ]
            ids = _add_responders(
                incident=incident, volunteers=wider, tier=1, kind=Notification.Kind.ESCALATION, now=now
            )
            note = _(
                "%(accepted)s of %(team)s responders after the wait: texted every on-shift responder (%(count)s)."
            ) % {
                "accepted": accepted,
                "team": incident.team_size,
                "count": len(ids),
            }
            if not ids:
                # Nobody more to text: go straight to the on-call coordinator at the next sweep.
                Incident.objects.filter(pk=incident_id).update(escalate_at=now)
        else:
            ids = []
            on_call = on_call_coordinator(at=now)
            if on_call is not None:
                name = on_call.user.get_full_name() or on_call.user.get_username()
                notification = Notification.objects.create(
                    incident=incident,
                    kind=Notification.Kind.ON_CALL,
                    to=on_call.phone,
                    body=_sms_text(
                        "on_call",
                        language=settings.LANGUAGE_CODE,
                        code=incident.code,
                        what=", ".join(str(part) for part in (incident.call_type, incident.area) if part),
                        accepted=accepted,
                        team=incident.team_size,
                        url=settings.PUBLIC_BASE_URL + reverse("dispatch:incident", args=[incident.pk]),
                    ),
                    dedupe_key=f"{incident.pk}:on_call",
                    created_at=now,
                    next_attempt_at=now,
                )
                ids.append(notification.pk)
                note = _(
                    "Still %(accepted)s of %(team)s responders: on-call coordinator %(name)s texted."
                ) % {
                    "accepted": accepted,
                    "team": incident.team_size,
                    "name": name,
                }
            else:
                note = _("Still %(accepted)s of %(team)s responders and no on-call coordinator is set.") % {
                    "accepted": accepted,
                    "team": incident.team_size,
                }
        IncidentEvent.objects.create(
            incident=incident, kind=IncidentEvent.Kind.ESCALATED, note=note, created_at=now
        )
        _send_after_commit(ids)
    return True


# --- The outbox --------------------------------------------------------------------------------


def notifications_enqueue(ids: list[int], *, countdown: float | None = None) -> int:
    """Hand outbox rows to the broker, DISPATCH_NOTIFY_BATCH_SIZE per task; return how many.

    Stops at the first broker error and never raises: the rows stay pending and the sweep
    sends them once the broker is back. A down broker must not fail or slow a dispatcher.
    """
    from dispatch.tasks import notifications_send

    size = max(settings.DISPATCH_NOTIFY_BATCH_SIZE, 1)
    handed = 0
    for start in range(0, len(ids), size):
        batch = list(ids[start : start + size])
        try:
            notifications_send.apply_async(args=[batch], countdown=countdown)
        except BROKER_ERRORS as exc:
            logger.warning(
                "broker unavailable, %s text(s) left for the outbox sweep: %s", len(ids) - handed, exc
            )
            return handed
        handed += len(batch)
    return handed


def _send_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(partial(notifications_enqueue, list(ids)))


def retry_delay(attempt: int) -> int:
    """Seconds to wait after the `attempt`-th failed try (5, 10, 20, 40... up to the cap)."""
    base = settings.DISPATCH_NOTIFY_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempt - 1, 0), settings.DISPATCH_NOTIFY_RETRY_CAP_SECONDS)


@dataclass(frozen=True)
class Delivery:
    status: str  # "sent", "retry", "failed" or "skipped" (someone else had it)
    retry_in: int | None = None


_CLAIM_SQL = """
UPDATE {table} SET
    status = CASE WHEN id = %(claim)s THEN %(sending)s ELSE %(sent)s END,
    attempts = CASE WHEN id = %(claim)s THEN attempts + 1 ELSE attempts END,
    sending_since = CASE WHEN id = %(claim)s THEN %(now)s ELSE sending_since END,
    sent_at = CASE WHEN id = %(record)s THEN %(now)s ELSE sent_at END,
    provider_sid = CASE WHEN id = %(record)s THEN %(sid)s ELSE provider_sid END,
    last_error = CASE WHEN id = %(record)s THEN '' ELSE last_error END
WHERE (id = %(claim)s AND status = %(pending)s) OR (id = %(record)s AND status = %(sending)s)
RETURNING id
"""


def _claim_and_record(*, claim: int | None, record: tuple[int, str] | None) -> bool:
    """In one statement: claim row `claim` (PENDING -> SENDING) and mark `record` = (pk, sid)
    SENT; return whether the claim was won. Of two tasks racing for a row, exactly one wins.

    A batch sends one row after another, so recording the previous row and claiming the next
    together keeps one database round trip per text with the guarantees of one row at a time.
    """
    if claim is None and record is None:
        return False
    params = {
        "claim": claim,
        "record": record[0] if record else None,
        "sid": record[1][:64] if record else "",
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "pending": Notification.Status.PENDING,
        "sending": Notification.Status.SENDING,
        "sent": Notification.Status.SENT,
    }
    sql = _CLAIM_SQL.format(table=connection.ops.quote_name(Notification._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = {pk for (pk,) in cursor.fetchall()}
    return claim is not None and claim in updated


def notifications_deliver(ids: list[int]) -> list[Delivery]:
    """Send outbox rows through hotline.messaging, each at most once; one Delivery per id.

    The pending rows are read in one query and their texts go out with hotline's
    `send_sms_many` (one opt-out query, one insert of the Message rows, one update). Each row is
    claimed PENDING -> SENDING with a conditional update just before its text is handed over
    (in the statement that marks the previous one SENT): a duplicated or redelivered task finds
    it claimed and sends nothing (an id given twice is "skipped" the second time), and a worker
    killed mid-batch leaves only the row it was sending in SENDING, the rest PENDING for the
    redelivered task or the sweep. Temporary errors put a row back to PENDING with a backoff;
    permanent ones, or too many attempts, mark it FAILED.
    """
    from hotline.messaging import SentMessage, Text, send_sms_many

    rows = list(
        Notification.objects.filter(pk__in=set(ids), status=Notification.Status.PENDING)
        .order_by("pk")
        .only("pk", "to", "body", "incident_id", "volunteer_id", "attempts")
    )
    claimed: set[int] = set()
    unrecorded: list[tuple[int, str]] = []  # the last row handed over, until it is marked SENT

    def claim(index: int) -> bool:
        row = rows[index]
        won = _claim_and_record(claim=row.pk, record=unrecorded.pop() if unrecorded else None)
        if won:
            claimed.add(row.pk)
            row.status, row.attempts = Notification.Status.SENDING, row.attempts + 1
        return won

    def record(index: int, sent: SentMessage) -> None:
        unrecorded.append((rows[index].pk, sent.sid))

    try:
        results = send_sms_many([Text(to=row.to, body=row.body) for row in rows], claim=claim, on_sent=record)
    finally:
        if unrecorded:
            _claim_and_record(claim=None, record=unrecorded.pop())
    outcome: dict[int, Delivery] = {}
    for index, (row, result) in enumerate(zip(rows, results, strict=True)):
        if isinstance(result, SentMessage):
            outcome[row.pk] = Delivery(status="sent")
        elif result is not None:
            # Refused before the hand-over (an invalid or opted-out number) is claimed here.
            if row.pk in claimed or claim(index):
                outcome[row.pk] = _delivery_failed(row, result)
    return [outcome.pop(pk, None) or Delivery(status="skipped") for pk in ids]


def notification_deliver(*, pk: int) -> Delivery:
    """Send one outbox row, at most once (see `notifications_deliver`)."""
    return notifications_deliver([pk])[0]


def _delivery_failed(notification: Notification, exc) -> Delivery:
    error = str(exc)[:2000] or exc.__class__.__name__
    if exc.permanent or notification.attempts >= settings.DISPATCH_NOTIFY_MAX_ATTEMPTS:
        _mark_failed(notification, error=error)
        return Delivery(status="failed")
    delay = retry_delay(notification.attempts)
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.PENDING,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        sending_since=None,
    )
    return Delivery(status="retry", retry_in=delay)


def _mark_failed(notification: Notification, *, error: str, claimed_at: datetime | None = None) -> bool:
    """SENDING -> FAILED (only the claim made at `claimed_at`, when given), on the timeline."""
    claim = Q(sending_since=claimed_at) if claimed_at is not None else Q()
    with transaction.atomic():
        updated = Notification.objects.filter(
            claim, pk=notification.pk, status=Notification.Status.SENDING
        ).update(status=Notification.Status.FAILED, last_error=error, sending_since=None)
        if updated and notification.incident_id:
            IncidentEvent.objects.create(
                incident_id=notification.incident_id,
                kind=IncidentEvent.Kind.NOTIFICATION_FAILED,
                volunteer_id=notification.volunteer_id,
                note=_("Text to %(to)s failed: %(error)s") % {"to": notification.to, "error": error[:300]},
            )
    return bool(updated)


@dataclass(frozen=True)
class Sweep:
    enqueued: int
    due: int
    stuck: int  # rows found stuck in SENDING and settled: recovered + resent + failed
    recovered: int = 0  # the provider had the text: marked SENT
    resent: int = 0  # the provider never got it: back to PENDING and enqueued
    failed: int = 0  # nobody could tell: FAILED, for a dispatcher


def outbox_sweep(*, now: datetime | None = None, limit: int = 500, stuck_limit: int = 10) -> Sweep:
    """Re-send rows left pending too long (the broker was down) and settle stuck sends.

    A row stuck in SENDING longer than DISPATCH_OUTBOX_STUCK_AFTER_SECONDS belongs to a worker
    that stopped mid-send (no live send lasts that long). The provider is asked whether it got
    the text (`notification_reconcile`): a text is never sent twice, and never silently lost.
    At most `stuck_limit` of them per run, oldest first, as each costs a provider request.
    """
    now = now or timezone.now()
    pending_before = now - timedelta(seconds=settings.DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS)
    due = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=pending_before)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = notifications_enqueue(due) if due else 0
    stuck_before = now - timedelta(seconds=settings.DISPATCH_OUTBOX_STUCK_AFTER_SECONDS)
    stuck = list(
        Notification.objects.filter(
            status=Notification.Status.SENDING, sending_since__lte=stuck_before
        ).order_by("sending_since", "pk")[:stuck_limit]
    )
    settled = {"sent": [], "pending": [], "failed": []}
    for notification in stuck:
        outcome = notification_reconcile(notification=notification)
        if outcome in settled:
            settled[outcome].append(notification.pk)
    if settled["pending"]:
        enqueued += notifications_enqueue(settled["pending"])
    return Sweep(
        enqueued=enqueued,
        due=len(due),
        stuck=sum(len(pks) for pks in settled.values()),
        recovered=len(settled["sent"]),
        resent=len(settled["pending"]),
        failed=len(settled["failed"]),
    )


def notification_reconcile(*, notification: Notification) -> str:
    """Settle a row left in SENDING by a worker that stopped mid-send; return what it became.

    Asks the provider (`hotline.messaging.reconcile_sms`) whether the text reached it since
    the row was claimed: yes -> SENT with the provider's id; no -> back to PENDING (the killed
    attempt stays counted) for the normal path to send it once, or FAILED when the attempts
    are used up; cannot tell -> FAILED with the reason, for a dispatcher to check, as a resend
    could text twice. Each change is conditional on the row still being SENDING with the same
    claim time, so two sweeps, or a sweep and a late worker, never both act on it. Returns
    "sent", "pending", "failed", or "skipped" when the row had changed meanwhile.
    """
    from hotline.messaging import SmsError, reconcile_sms

    claimed_at = notification.sending_since
    if notification.status != Notification.Status.SENDING or claimed_at is None:
        return "skipped"
    still_ours = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.SENDING, sending_since=claimed_at
    )
    try:
        sent = reconcile_sms(to=notification.to, body=notification.body, since=claimed_at)
    except Exception as exc:  # the provider or the backend could not say: a dispatcher decides
        if not isinstance(exc, SmsError):
            logger.exception("could not reconcile notification %s with the provider", notification.pk)
        error = _(
            "The sender stopped during the send and the provider could not say whether the text "
            "went out (%(reason)s); the text may not have arrived."
        ) % {"reason": str(exc)[:300] or exc.__class__.__name__}
        return "failed" if _mark_failed(notification, error=error, claimed_at=claimed_at) else "skipped"
    if sent is not None:
        updated = still_ours.update(
            status=Notification.Status.SENT,
            provider_sid=sent.sid[:64],
            sent_at=claimed_at,  # the provider had it within a live send's time of the claim
            sending_since=None,
            last_error="",
        )
        return "sent" if updated else "skipped"
    error = _("The sender stopped before the provider had the text; it is sent again.")
    if notification.attempts >= settings.DISPATCH_NOTIFY_MAX_ATTEMPTS:
        error = _("The sender stopped before the provider had the text, after %(attempts)s attempts.") % {
            "attempts": notification.attempts
        }
        return "failed" if _mark_failed(notification, error=error, claimed_at=claimed_at) else "skipped"
    updated = still_ours.update(
        status=Notification.Status.PENDING,
        last_error=error,
        next_attempt_at=timezone.now(),
        sending_since=None,
    )
    return "pending" if updated else "skipped"


def notification_resend(*, notification: Notification, by) -> Notification:
    """A dispatcher sends a failed text again (as a new outbox row)."""
    if notification.status != Notification.Status.FAILED:
        raise DispatchError(_("Only failed texts can be sent again."))
    with transaction.atomic():
        again = Notification.objects.create(
            incident=notification.incident,
            volunteer=notification.volunteer,
            kind=notification.kind,
            to=notification.to,
            body=notification.body,
        )
        if notification.incident_id:
            IncidentEvent.objects.create(
                incident_id=notification.incident_id,
                kind=IncidentEvent.Kind.NOTE,
                actor=by,
                volunteer_id=notification.volunteer_id,
                note=_("Failed text to %(to)s sent again.") % {"to": notification.to},
            )
        _send_after_commit([again.pk])
    return again


# --- Protocol editing --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInput:
    key: str
    kind: str
    text_en: str
    text_ko: str
    text_es: str
    required: bool = True
    danger_screen: bool = False
    options: tuple[dict, ...] = ()


@dataclass(frozen=True)
class RuleInput:
    question_key: str
    operator: str
    value: str
    recommendation: str
    explanation_en: str = ""
    explanation_ko: str = ""
    explanation_es: str = ""


def protocol_problems(*, questions: list[QuestionInput], rules: list[RuleInput]) -> list[str]:
    """What keeps this protocol from being safe to use; empty when it is."""
    problems: list[str] = []
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        problems.append(_("Each question needs its own key."))
    dangers = [q.danger_screen for q in questions]
    if not any(dangers):
        problems.append(_("Keep at least one danger screen: they recommend 911/EMS when answered yes."))
    else:
        first_other = next((i for i, danger in enumerate(dangers) if not danger), len(dangers))
        if any(dangers[first_other:]):
            problems.append(_("Danger screens must come before every other question."))
    for question in questions:
        if question.danger_screen and question.kind != ProtocolQuestion.Kind.YES_NO:
            problems.append(_("Danger screen %(key)s must be a yes-or-no question.") % {"key": question.key})
        if question.kind == ProtocolQuestion.Kind.CHOICE and not question.options:
            problems.append(_("Question %(key)s needs options.") % {"key": question.key})
    singles = [q.kind for q in questions if q.kind in ("call_type", "area", "language", "location")]
    if len(set(singles)) != len(singles):
        problems.append(_("Ask for the call type, area, language and location once each."))
    by_key = {q.key: q for q in questions}
    for rule in rules:
        question = by_key.get(rule.question_key)
        if question is None:
            problems.append(
                _("A rule refers to %(key)s, which is not a question.") % {"key": rule.question_key}
            )
            continue
        allowed = _allowed_rule_values(question)
        values = [v.strip() for v in rule.value.split(",")] if rule.operator == "in" else [rule.value.strip()]
        if allowed is not None and any(v not in allowed for v in values):
            problems.append(
                _("Rule on %(key)s: %(value)s is not one of its answers.")
                % {"key": rule.question_key, "value": rule.value}
            )
    return problems


def _allowed_rule_values(question: QuestionInput) -> set[str] | None:
    if question.kind == "yes_no":
        return {"yes", "no"}
    if question.kind == "choice":
        return {str(o.get("value", "")) for o in question.options}
    if question.kind == "call_type":
        return set(CallType.objects.values_list("slug", flat=True))
    if question.kind == "area":
        return {str(pk) for pk in Area.objects.values_list("pk", flat=True)}
    return None


def protocol_version_create(
    *,
    questions: list[QuestionInput],
    rules: list[RuleInput],
    default_recommendation: str,
    change_note: str,
    by,
) -> ProtocolVersion:
    """Save an edit of the protocol as the next version; triages keep the version they used."""
    problems = protocol_problems(questions=questions, rules=rules)
    if default_recommendation not in Decision.values:
        problems.append(_("Choose the default recommendation."))
    if problems:
        raise DispatchError(" ".join(problems))
    with transaction.atomic():
        # Lock the newest version so two coordinators saving at once get 2 and 3, not a clash.
        latest = ProtocolVersion.objects.select_for_update().order_by("-number").first()
        try:
            with transaction.atomic():
                version = ProtocolVersion.objects.create(
                    number=(latest.number if latest else 0) + 1,
                    default_recommendation=default_recommendation,
                    change_note=change_note[:300],
                    created_by=by,
                )
        except IntegrityError:
            raise DispatchError(
                _("Someone saved the protocol at the same moment; reload and try again.")
            ) from None
        ProtocolQuestion.objects.bulk_create(
            ProtocolQuestion(
                protocol=version,
                key=q.key,
                position=position,
                kind=q.kind,
                required=q.required,
                danger_screen=q.danger_screen,
                text_en=q.text_en,
                text_ko=q.text_ko,
                text_es=q.text_es,
                options=list(q.options),
            )
            for position, q in enumerate(questions, start=1)
        )
        ProtocolRule.objects.bulk_create(
            ProtocolRule(
                protocol=version,
                position=position,
                question_key=r.question_key,
                operator=r.operator,
                value=r.value.strip(),
                recommendation=r.recommendation,
                explanation_en=r.explanation_en,
                explanation_ko=r.explanation_ko,
                explanation_es=r.explanation_es,
            )
            for position, r in enumerate(rules, start=1)
        )
    return version


# --- Field-initiated contacts ------------------------------------------------------------------


def incident_open_field(
    *,
    volunteer: Volunteer,
    user,
    call_type: CallType | None = None,
    area: Area | None = None,
    language: str = "",
    location: str = "",
    details: str = "",
) -> Incident:
    """A responder on shift meets someone on the street and opens an incident on the spot.

    It gets an intake (source "field-initiated") and a decided triage like any other, so it
    counts in every report; the responder is the team, already on scene, and nobody is texted.
    The outcome is then recorded on the responder page with the usual form.
    """
    from hotline.services import intake_open

    if volunteer.pk not in {v.pk for v in on_shift_now("responder")}:
        raise DispatchError(_("Only a responder on shift can open a field contact."))
    now = timezone.now()
    with transaction.atomic():
        intake = intake_open(
            channel=Intake.Channel.IN_PERSON,
            caller="",
            language=language,
            area=area,
            location=location,
            summary=details,
            status=Intake.Status.CLOSED,
            source=Intake.Source.FIELD_INITIATED,
        )
        triage = Triage.objects.create(
            intake=intake,
            protocol=current_protocol(),
            call_type=call_type,
            area=area,
            language=language,
            location=location,
            notes=details,
            decision=Decision.SEND_RESPONDERS,
            decided_by=user,
            decided_at=now,
            created_at=now,
        )
        incident = Incident.objects.create(
            code=_new_incident_code(),
            triage=triage,
            call_type=call_type,
            area=area,
            language=language,
            location=location,
            details=details,
            team_size=1,
            opened_by=user,
            opened_at=now,
            escalate_at=None,  # the team is already there: nothing to escalate
        )
        IncidentResponder.objects.create(
            incident=incident,
            volunteer=volunteer,
            status=IncidentResponder.Status.ACCEPTED,
            notified_at=now,
            responded_at=now,
        )
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.DISPATCHED,
            actor=user,
            volunteer=volunteer,
            note=_("Field contact opened by %(name)s") % {"name": volunteer},
            created_at=now,
        )
        incident = incident_record_status(
            incident=incident, status=Incident.Status.ON_SCENE, by=user, volunteer=volunteer
        )
    return incident
