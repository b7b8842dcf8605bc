"""The dispatcher console: the queue of intakes waiting for triage (with how late each wait is)
and the open incidents, with alarms (a red banner, sound and an assertive announcement on every
open console until a dispatcher acknowledges them; incidents with an open alarm first), alerts
for incidents that escalated or whose texts failed, and the status board of the responders on
shift. `queue` is the live part, polled by htmx every two seconds. Routed in dispatch/urls.py as
`console` and `queue`.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dispatch import selectors
from hotline import selectors as hotline_selectors
from hotline.softphone import softphone_panel
from volunteers.roles import Role, has_role, role_required


def _queue_context() -> dict:
    now = timezone.now()
    intakes = list(selectors.queue_intakes(now=now))
    for intake in intakes:
        intake.urgency = selectors.wait_urgency(intake=intake, now=now)
    alarms = list(selectors.open_alarms())
    alarmed = {}
    for alarm in alarms:  # the most serious first
        alarmed.setdefault(alarm.incident_id, alarm)
    # Incidents with an open alarm first, flagged; then the rest, oldest first.
    incidents = sorted(selectors.open_incidents(), key=lambda i: i.pk not in alarmed)
    for incident in incidents:
        incident.alarm = alarmed.get(incident.pk)
    unacknowledged = [a for a in alarms if a.acknowledged_at is None]
    alerts = [
        i for i in incidents if i.failed_count or (i.escalation_level and i.accepted_count < i.team_size)
    ]
    return {
        "now": now,
        "intakes": intakes,
        "incidents": incidents,
        "alerts": alerts,
        "newest_intake": max((i.pk for i in intakes), default=0),
        "alert_key": ",".join(f"{i.pk}:{i.escalation_level}:{i.failed_count}" for i in alerts),
        "alarms": unacknowledged,
        "acknowledged_alarms": [a for a in alarms if a.acknowledged_at is not None],
        "alarm_key": ",".join(str(a.pk) for a in unacknowledged),
        "emergency": any(a.is_emergency for a in unacknowledged),
        "units": selectors.unit_status_board(now=now),
        "stale_minutes": settings.DISPATCH_STALE_STATUS_MINUTES,
    }


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def console(request):
    context = {
        **_queue_context(),
        "follow_ups_overdue": selectors.follow_ups_overdue_count(),
        # Partners' status webhooks failing in a row: the coordinators' to fix (delivery log).
        "partner_webhooks_failing": hotline_selectors.partner_webhooks_failing(),
        "can_manage_partners": has_role(request.user, Role.COORDINATOR),
        "softphone": softphone_panel(user=request.user),
    }
    return render(request, "dispatch/console.html", context)


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def queue(request):
    """The live part of the console, polled by htmx every two seconds."""
    return render(request, "dispatch/_queue.html", _queue_context())
