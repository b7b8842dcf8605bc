"""The volunteer's private iCalendar feed of their shifts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from volunteers.models import ShiftAssignment, Volunteer


def shifts_calendar(volunteer: Volunteer) -> bytes:
    """Booked and attended shifts from 60 days ago on, in the volunteer's language.

    Only the volunteer's own shifts; never who else is on them.
    """
    since = timezone.now() - timedelta(days=60)
    assignments = (
        volunteer.assignments.filter(status__in=ShiftAssignment.HOLDING, shift__ends_at__gte=since)
        .select_related("shift", "shift__area")
        .order_by("shift__starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Rapid-response hotline//Volunteer shifts//EN")
    calendar.add("version", "2.0")
    with translation.override(volunteer.preferred_language):
        calendar.add("x-wr-calname", _("Hotline shifts"))
        for assignment in assignments:
            shift = assignment.shift
            event = Event()
            event.add("uid", f"shift-assignment-{assignment.pk}@{_host()}")
            event.add("dtstamp", assignment.created_at)
            event.add("dtstart", shift.starts_at)
            event.add("dtend", shift.ends_at)
            event.add("summary", _("Hotline %(role)s shift") % {"role": shift.get_role_display()})
            if shift.area:
                event.add("location", shift.area.name)
            if shift.notes:
                event.add("description", shift.notes)
            calendar.add_component(event)
    return calendar.to_ical()


def _host() -> str:
    return settings.PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0] or "hotline"
