"""Demo data of the pilot dashboard: a pilot from 60 days ago to 30 days ahead, over the demo
areas, and 60 days of invented history (contacts, calls, triage, incidents) so that every chart
has something to draw. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessment.models import PilotSettings, RoadmapPhase
from assessment.pilot.services import pilot_settings_save
from assessment.pilot.synthetic import synthesize
from assessment.readiness.services import roadmap_ensure_phases
from hotline.models import Call
from volunteers.models import Area, Volunteer
from volunteers.roles import Role

DEMO_SID_PREFIX = "CApilotdemo"
# Each roadmap phase in days from the pilot's start (the last ends with the pilot), its owner
# (a demo username) and status.
ROADMAP = {
    RoadmapPhase.Kind.SET_UP: (-150, -121, "coordinator", RoadmapPhase.Status.DONE),
    RoadmapPhase.Kind.RESEARCH: (-120, -91, "coordinator", RoadmapPhase.Status.DONE),
    RoadmapPhase.Kind.MAP: (-90, -61, "dispatcher", RoadmapPhase.Status.DONE),
    RoadmapPhase.Kind.RECRUIT: (-60, -1, "coordinator", RoadmapPhase.Status.DONE),
    RoadmapPhase.Kind.LAUNCH: (0, 13, "dispatcher", RoadmapPhase.Status.DONE),
    RoadmapPhase.Kind.ASSESS: (14, None, "coordinator", RoadmapPhase.Status.IN_PROGRESS),
}
DEMO_CONTACTS = 600


def seed(*, stdout) -> None:
    today = timezone.localdate()
    if not PilotSettings.objects.exists():
        pilot_settings_save(
            name="Community responder pilot (demo)",
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=30),
            service_areas=Area.objects.filter(is_active=True),
            min_dispatchers=1,
            min_responders=2,
        )
        stdout.write("Pilot dashboard: demo pilot period set (60 days ago to 30 days ahead).")
    _seed_roadmap(PilotSettings.objects.order_by("pk").first())
    if Call.objects.filter(call_sid__startswith=DEMO_SID_PREFIX).exists():
        return
    by = (
        get_user_model().objects.filter(username="dispatcher").first()
        or get_user_model().objects.filter(groups__name=Role.DISPATCHER).order_by("pk").first()
    )
    if by is None:
        return
    made = synthesize(
        contacts=DEMO_CONTACTS,
        first_day=today - timedelta(days=60),
        last_day=today - timedelta(days=1),
        by=by,
        sid_prefix=DEMO_SID_PREFIX,
        seed=2026,
        # Past shifts for the coverage and hours figures, staffed by the demo volunteers.
        volunteers=list(Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)),
    )
    stdout.write(
        f"Pilot dashboard: {made.contacts} invented contacts over the last 60 days "
        f"({made.incidents} incidents) for the charts."
    )


def _seed_roadmap(pilot: PilotSettings) -> None:
    """Dates around the pilot period and an owner for each phase the demo has not planned yet
    (a phase a coordinator dated is left as it is)."""
    users = get_user_model().objects.in_bulk(
        [owner for *_dates, owner, _status in ROADMAP.values()], field_name="username"
    )
    for phase in roadmap_ensure_phases():
        if phase.starts_on is not None:
            continue
        start, end, owner, status = ROADMAP[phase.kind]
        phase.starts_on = pilot.starts_on + timedelta(days=start)
        phase.ends_on = max(
            phase.starts_on, pilot.ends_on if end is None else pilot.starts_on + timedelta(days=end)
        )
        phase.owner = phase.owner or users.get(owner)
        phase.status = status
        phase.save(update_fields=["starts_on", "ends_on", "owner", "status"])
