"""Demo data of the pilot dashboard: a pilot from 60 days ago to 30 days ahead, over the demo
areas, and 60 days of invented history (contacts, calls, triage, incidents) so that every chart
has something to draw. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessment.models import PilotSettings
from assessment.pilot.services import pilot_settings_save
from assessment.pilot.synthetic import synthesize
from hotline.models import Call
from volunteers.models import Area, Volunteer
from volunteers.roles import Role

DEMO_SID_PREFIX = "CApilotdemo"
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
