"""Demo data for `manage.py seed_demo`: a triaged intake (phone support, with its caller's earlier
contact), an open incident with responders texted, the demo responder on its team, and a closed
incident with a team member's debrief, flagged critical (a coordinator's check-in due in 48 h).

Idempotent: keyed by fixed demo CallSids; an intake already triaged is left as it is.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from dispatch import debriefs, services
from dispatch.models import Decision, Incident, IncidentResponder, Triage
from hotline.models import Call, Intake
from volunteers.models import Area, Volunteer

# sid, caller, language, minutes ago, summary
TRIAGED = (
    "CAdemodispatch00000000000000000001",
    "+12025550172",
    "en",
    95,
    "Caller's father is confused and alone since the morning.",
)
INCIDENT = (
    "CAdemodispatch00000000000000000002",
    "+12025550183",
    "ko",
    35,
    "이웃 아주머니가 복도에 앉아 울고 계세요.",
)

SUPPORT_ANSWERS = {
    "weapon": "no",
    "violence": "no",
    "medical_emergency": "no",
    "suicide_imminent": "no",
    "consent": "no",
    "location": "Westlake, near MacArthur Park",
    "call_type": "mental-health",
    "language": "en",
}
CLOSED = (
    "CAdemodispatch00000000000000000003",
    "+12025550194",
    "en",
    300,
    "A man is shouting at passers-by outside the laundromat; he seems frightened, not violent.",
)
CLOSED_ANSWERS = {
    "weapon": "no",
    "violence": "no",
    "medical_emergency": "no",
    "suicide_imminent": "no",
    "consent": "yes",
    "location": "Laundromat on 6th St",
    "call_type": "mental-health",
    "language": "en",
}
# The closed incident's team: they are free again for a newcomer's first dispatch.
CLOSED_TEAM = ["luis.hernandez", "sam.okafor"]

INCIDENT_ANSWERS = {
    "weapon": "no",
    "violence": "no",
    "medical_emergency": "no",
    "suicide_imminent": "no",
    "consent": "yes",
    "location": "3rd St apartments, 2nd floor hallway",
    "call_type": "welfare-check",
    "language": "ko",
}


def _intake(sid: str, caller: str, language: str, minutes: int, summary: str) -> Intake:
    started = timezone.now() - timedelta(minutes=minutes)
    call, _created = Call.objects.get_or_create(
        call_sid=sid,
        defaults={
            "from_number": caller,
            "to_number": "+12025550100",
            "language": language,
            "status": Call.Status.COMPLETED,
            "outcome": Call.Outcome.ANSWERED,
            "started_at": started,
            "answered_at": started + timedelta(seconds=20),
            "ended_at": started + timedelta(minutes=9),
            "duration": 540,
        },
    )
    intake, _created = Intake.objects.get_or_create(
        call=call,
        defaults={
            "channel": Intake.Channel.VOICE,
            "caller": caller,
            "language": language,
            "area": Area.objects.filter(slug="koreatown" if language == "ko" else "westlake").first(),
            "summary": summary,
            "created_at": started,
        },
    )
    return intake


def _with_area(answers: dict, slug: str) -> dict:
    area = Area.objects.filter(slug=slug).first()
    return {**answers, "area": str(area.pk)} if area else answers


def seed(*, stdout) -> None:
    dispatcher = get_user_model().objects.get(username="dispatcher")
    with transaction.atomic():
        triaged = _intake(*TRIAGED)
        if not Triage.objects.filter(intake=triaged, decision__gt="").exists():
            # The same number called a month ago: the console shows a repeat caller.
            Intake.objects.get_or_create(
                caller=TRIAGED[1],
                channel=Intake.Channel.SMS,
                status=Intake.Status.CLOSED,
                defaults={
                    "language": "en",
                    "summary": "Asked for a food bank.",
                    "created_at": timezone.now() - timedelta(days=31),
                },
            )
            triage = services.triage_claim(intake=triaged, user=dispatcher)
            services.triage_decide(
                triage=triage,
                user=dispatcher,
                raw_answers=_with_area(SUPPORT_ANSWERS, "westlake"),
                decision=Decision.PHONE_SUPPORT,
                notes="Talked for nine minutes; her brother is on his way. Call back tomorrow morning.",
            )
        sent = _intake(*INCIDENT)
        if not Triage.objects.filter(intake=sent, decision__gt="").exists():
            triage = services.triage_claim(intake=sent, user=dispatcher)
            triage = services.triage_decide(
                triage=triage,
                user=dispatcher,
                raw_answers=_with_area(INCIDENT_ANSWERS, "koreatown"),
                decision=Decision.SEND_RESPONDERS,
                # The demo responder and one Korean speaker: the other responders on shift stay
                # free for a newcomer's first dispatch.
                call_out=services.CallOut(
                    responders=list(
                        Volunteer.objects.filter(
                            user__username__in=["responder", "minseo.lee"], status=Volunteer.Status.ACTIVE
                        )
                    ),
                    details="Ask for Mrs. Lee at unit 204; she speaks Korean.",
                ),
            )
            incident = triage.incident
            # Both accept: the team is complete, so no escalation widens it to the free ones.
            for username in ("minseo.lee", "responder"):
                mine = IncidentResponder.objects.filter(
                    incident=incident, volunteer__user__username=username
                ).first()
                if mine is not None:
                    services.responder_answer(assignment=mine, accept=True, via_sms=False)
            mine = IncidentResponder.objects.filter(
                incident=incident, volunteer__user__username="responder"
            ).first()
            if mine is not None:
                services.incident_record_status(
                    incident=incident, status="en_route", volunteer=mine.volunteer
                )
        _seed_closed_incident(dispatcher)
    stdout.write(
        "dispatch: a triaged intake, an open incident (the demo responder is on its team) and a closed "
        "incident with a debrief."
    )


def _seed_closed_incident(dispatcher) -> None:
    intake = _intake(*CLOSED)
    if Triage.objects.filter(intake=intake, decision__gt="").exists():
        return
    team = list(Volunteer.objects.filter(user__username__in=CLOSED_TEAM, status=Volunteer.Status.ACTIVE))
    if not team:
        return
    triage = services.triage_claim(intake=intake, user=dispatcher)
    triage = services.triage_decide(
        triage=triage,
        user=dispatcher,
        raw_answers=_with_area(CLOSED_ANSWERS, "westlake"),
        decision=Decision.SEND_RESPONDERS,
        call_out=services.CallOut(responders=team, details="He sits by the door; approach slowly."),
    )
    incident = triage.incident
    for assignment in IncidentResponder.objects.filter(incident=incident):
        services.responder_answer(assignment=assignment, accept=True, via_sms=False)
    for status in ("en_route", "on_scene", "cleared"):
        services.incident_record_status(incident=incident, status=status, volunteer=team[0])
    services.incident_record_outcome(
        incident=incident,
        data=services.OutcomeInput(
            outcome=Incident.Outcome.RESOLVED,
            notes="Talked for twenty minutes; he went home with his sister.",
        ),
        by=dispatcher,
    )
    incident = services.incident_close(incident=incident, by=dispatcher)
    debriefs.debrief_submit(
        incident=incident,
        volunteer=team[0],
        went_well="We kept our distance and let him talk; his sister came quickly.",
        was_hard="The crowd filming us.",
        wants_to_talk=False,
    )
    debriefs.incident_flag_critical(
        incident=incident, by=dispatcher, note="Crowd gathered; the team was filmed."
    )
