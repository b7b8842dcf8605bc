"""Acknowledgements: a responder's YES or NO to a call-out, by signed link or by SMS reply.

`responder_answer` is the one place an answer is counted: the first acceptances up to the team
size form the team, later ones hear the team is full. A text to the hotline number reaches
`sms_acknowledgement` through hotline's `sms_received` signal (dispatch.signals), as hotline
must not import dispatch; the responder page view calls `responder_answer` for link answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Alarm, Incident, IncidentEvent, IncidentResponder, Notification
from dispatch.selectors import pending_answers_for, responder_url
from volunteers.models import Volunteer

from ._common import DispatchError, _sms_text
from .alarms import alarms_resolve_for
from .escalation import _escalate_now_if_nobody_left
from .incidents import CODE_PATTERN
from .outbox import _send_after_commit
from .safety import incident_check_in, incident_request_backup

# A responder on scene asking for help. Never a carrier keyword (STOP, HELP, START, INFO...,
# see hotline.services.sms), which the carrier or hotline would act on instead.
BACKUP_WORDS = frozenset({"BACKUP", "SOS", "RESPALDO", "지원"})
# A team on scene checking in ("We're OK"); also a YES when the responder is not on scene.
CHECKIN_WORDS = frozenset({"OK", "OKAY", "WE'RE OK", "IM OK", "I'M OK", "BIEN", "괜찮아요", "괜찮음"})
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
                    alarms_resolve_for(
                        incident=incident,
                        kinds=Alarm.STAFFING_KINDS,
                        note=_("The team is full."),
                        now=now,
                    )
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


def _words(body: str) -> list[str]:
    words = [w.strip(".,!?;:\"'()") for w in body.strip().split()]
    return [w.upper() for w in words if w]


def _team_assignments(volunteer: Volunteer, code: str, *, on_scene: bool):
    rows = IncidentResponder.objects.filter(
        volunteer=volunteer,
        status=IncidentResponder.Status.ACCEPTED,
        incident__status__in=Incident.OPEN_STATUSES,
    ).select_related("incident")
    if on_scene:
        rows = rows.filter(incident__status=Incident.Status.ON_SCENE)
    if code:
        rows = rows.filter(incident__code=code)
    return list(rows.order_by("-incident__opened_at")[:10])


def sms_safety(*, volunteer: Volunteer, body: str) -> bool:
    """BACKUP (on any team the responder is on) or OK (a check-in, when on scene); True when
    the text was one. With several incidents, BACKUP without a code asks on each of them."""
    words = _words(body)
    if not words:
        return False
    code = next((w for w in words[1:4] if CODE_PATTERN.match(w)), "")
    phrase = " ".join(w for w in words if w != code)
    if words[0] in BACKUP_WORDS:
        rows = _team_assignments(volunteer, code, on_scene=False)
        for row in rows:
            try:
                incident_request_backup(incident=row.incident, volunteer=volunteer, via_sms=True)
            except DispatchError:
                continue
        return bool(rows)
    if words[0] in CHECKIN_WORDS or phrase in CHECKIN_WORDS:
        rows = _team_assignments(volunteer, code, on_scene=True)
        for row in rows:
            try:
                incident_check_in(incident=row.incident, volunteer=volunteer, via_sms=True)
            except DispatchError:
                continue
        return bool(rows)
    return False


def sms_acknowledgement(*, volunteer: Volunteer, body: str) -> bool:
    """Handle a responder's text; True when it was a YES/NO for a call-out, a check-in or a
    backup request (`sms_safety` first: OK from a team on scene is a check-in)."""
    if sms_safety(volunteer=volunteer, body=body):
        return True
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
