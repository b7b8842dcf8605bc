"""A volunteer's shifts: theirs, the open ones, signing up and cancelling, and their calendar feed."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers import selectors, services
from volunteers.calendar import shifts_calendar
from volunteers.models import Shift, ShiftAssignment, Volunteer
from volunteers.roles import role_required

from ._common import VOLUNTEER_ROLES, _no_profile, _own


@role_required(*VOLUNTEER_ROLES)
def my_shifts(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    now = timezone.now()
    assignments = volunteer.assignments.select_related("shift", "shift__area")
    upcoming = assignments.filter(status=ShiftAssignment.Status.BOOKED, shift__ends_at__gt=now).order_by(
        "shift__starts_at"
    )
    past = assignments.filter(
        status__in=[ShiftAssignment.Status.ATTENDED, ShiftAssignment.Status.NO_SHOW],
        shift__starts_at__lte=now,
    ).order_by("-shift__starts_at")[:10]
    context = {
        "volunteer": volunteer,
        "upcoming": [(a, now <= services.cancel_cutoff(a.shift)) for a in upcoming],
        "past": past,
        "hours": selectors.volunteer_hours(volunteer),
        "cutoff_hours": settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS,
        "calendar_url": request.build_absolute_uri(
            reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
        ),
        "open_count": selectors.open_shifts_for(volunteer, now=now).count(),
    }
    return render(request, "volunteers/my_shifts.html", context)


@role_required(*VOLUNTEER_ROLES)
def open_shifts(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    shifts = selectors.open_shifts_for(volunteer)[:200]
    roles = selectors.qualified_roles(volunteer)
    # A shift starting before this moment is already inside the cancellation cut-off.
    cutoff = timezone.now() + timedelta(hours=settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS)
    return render(
        request,
        "volunteers/open_shifts.html",
        {"volunteer": volunteer, "shifts": shifts, "roles": roles, "cancel_cutoff_before": cutoff},
    )


@require_POST
@role_required(*VOLUNTEER_ROLES)
def shift_sign_up(request, pk: int):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    shift = get_object_or_404(Shift, pk=pk)
    if timezone.now() > services.cancel_cutoff(shift) and request.POST.get("confirm") != "1":
        # Inside the cancellation cut-off: say so, and sign up only once they confirm.
        hours = settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS
        return render(request, "volunteers/shift_sign_up_confirm.html", {"shift": shift, "hours": hours})
    try:
        services.shift_sign_up(shift=shift, volunteer=volunteer)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
        return redirect("volunteers:open_shifts")
    messages.success(request, _("You are signed up for %(shift)s.") % {"shift": shift})
    return redirect("volunteers:my_shifts")


@require_POST
@role_required(*VOLUNTEER_ROLES)
def assignment_cancel(request, pk: int):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    assignment = selectors.assignment_get_for_volunteer(volunteer=volunteer, pk=pk)
    try:
        services.assignment_cancel(assignment=assignment)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your place is cancelled."))
    return redirect("volunteers:my_shifts")


@require_POST
@role_required(*VOLUNTEER_ROLES)
def calendar_reset(request):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    services.volunteer_calendar_token_reset(volunteer=volunteer)
    messages.success(request, _("Your calendar link has been replaced; the old one no longer works."))
    return redirect("volunteers:my_shifts")


def calendar_feed(request, token: str):
    """The volunteer's shifts as iCalendar; anyone with the URL can read it, so it is revocable."""
    volunteer = Volunteer.objects.filter(calendar_token=token, status=Volunteer.Status.ACTIVE).first()
    if volunteer is None:
        raise Http404
    response = HttpResponse(shifts_calendar(volunteer), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hotline-shifts.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
