"""Demo data of the programme pages: a steering committee with one meeting (agenda, attendees,
minutes, decisions linked to a roadmap phase and a readiness check, action items) and a draft
lessons-learned review with findings and no decision yet. Idempotent (keyed by names/titles)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessment.models import LessonsReview, RoadmapPhase, SteeringMeeting, SteeringMember
from assessment.programme.services import (
    action_item_add,
    finding_add,
    lessons_review_create,
    steering_decision_add,
    steering_meeting_save,
    steering_member_save,
)

# name, affiliation, community represented, term start (days ago)
MEMBERS = (
    ("Eun-ji Park", "Koreatown Seniors Association", "Korean-speaking elders", 200),
    ("Rosa Méndez", "Westlake Tenants' Union", "Spanish-speaking renters", 200),
    ("Marcus Hill", "Lived-experience advisor", "People who have experienced homelessness", 150),
)
MEETING_TITLE = "Steering committee: launch readiness"
REVIEW_TITLE = "First quarter of the pilot: what we learned"


def seed(*, stdout) -> None:
    today = timezone.localdate()
    coordinator = get_user_model().objects.filter(username="coordinator").first()
    with transaction.atomic():
        members = [
            SteeringMember.objects.filter(name=name).first()
            or steering_member_save(
                fields={
                    "name": name,
                    "affiliation": affiliation,
                    "community_represented": community,
                    "term_starts": today - datetime.timedelta(days=days),
                    "term_ends": today + datetime.timedelta(days=365),
                }
            )
            for name, affiliation, community, days in MEMBERS
        ]
        if not SteeringMeeting.objects.filter(title=MEETING_TITLE).exists():
            _seed_meeting(members, today)
        if not LessonsReview.objects.filter(title=REVIEW_TITLE).exists():
            review = lessons_review_create(
                title=REVIEW_TITLE,
                first_day=today - datetime.timedelta(days=90),
                last_day=today - datetime.timedelta(days=1),
                by=coordinator,
            )
            for area, finding, recommendation in (
                (
                    "calls",
                    "Evening calls outnumber the dispatchers on shift on Fridays.",
                    "Add a second dispatcher on Friday evenings.",
                ),
                (
                    "partners",
                    "Referrals to the mental-health clinic wait for its office hours.",
                    "Ask a 24/7 mental-health partner for an MOU.",
                ),
                ("volunteers", "Korean-speaking responders cover Koreatown well; Westlake less so.", ""),
            ):
                finding_add(
                    review=review, area=area, finding=finding, recommendation=recommendation, by=coordinator
                )
    stdout.write("assessment: a steering committee with a meeting, and a draft lessons-learned review.")


def _seed_meeting(members: list[SteeringMember], today: datetime.date) -> None:
    from assessment.readiness.checks import readiness_checks

    known = [check.key for check in readiness_checks()]
    meeting = steering_meeting_save(
        fields={
            "held_on": today - datetime.timedelta(days=14),
            "title": MEETING_TITLE,
            "agenda": "1. Launch date\n2. Partner agreements\n3. Volunteer training plan",
            "minutes": (
                "The committee reviewed the readiness checks. Partner agreements are the main gap: one "
                "MOU is signed, with the Eastside clinic. Members asked for Korean and Spanish flyers."
            ),
            "guests": "Cora Kim (coordinator)",
        },
        attendees=members,
    )
    launch = RoadmapPhase.objects.filter(kind=RoadmapPhase.Kind.LAUNCH)
    steering_decision_add(
        meeting=meeting,
        text="Launch once a mental-health partner has signed an MOU and two responders cover each shift.",
        phases=launch,
        readiness_checks=["partner_agreements"],
        known_checks=known,
    )
    steering_decision_add(
        meeting=meeting, text="Print outreach flyers in Korean and Spanish.", known_checks=known
    )
    action_item_add(
        meeting=meeting,
        description="Meet the harm-reduction partner about their draft MOU",
        owner=members[2],
        due_on=today + datetime.timedelta(days=10),
    )
    action_item_add(
        meeting=meeting,
        description="Review the Korean flyer's wording",
        owner=members[0],
        due_on=today + datetime.timedelta(days=5),
    )
