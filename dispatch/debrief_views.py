"""Pages of debriefs and wellbeing: a team member's debrief, the critical-incident flag, and
the coordinators' wellbeing page (check-ins due, debriefs, hours per week)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch import debriefs
from dispatch.forms import CheckInDoneForm, CriticalFlagForm, DebriefForm
from dispatch.models import Incident, WellbeingCheckIn
from volunteers.roles import Role, role_required


@role_required(Role.RESPONDER)
def debrief(request, pk: int):
    incident, volunteer = debriefs.debrief_get_for_member(user=request.user, pk=pk)
    already = incident.debriefs.filter(volunteer=volunteer).exists()
    form = DebriefForm(request.POST or None)
    if request.method == "POST" and not already and form.is_valid():
        try:
            debriefs.debrief_submit(incident=incident, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Thank you for your debrief."))
            return redirect("dispatch:my_incidents")
    return render(
        request,
        "dispatch/debrief.html",
        {"incident": incident, "form": form, "already": already},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(Role.DISPATCHER)
def incident_flag_critical(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    form = CriticalFlagForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        check_ins = debriefs.incident_flag_critical(incident=incident, by=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Flagged: %(count)d check-ins due within 48 hours.") % {"count": len(check_ins)}
        )
    return redirect(incident)


@role_required(Role.COORDINATOR)
def wellbeing(request):
    """`?week=YYYY-MM-DD`: the hours of the week holding that day (the current week without it)."""
    this_week = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    week_start = this_week
    if request.GET.get("week"):
        try:
            day = date.fromisoformat(request.GET["week"])
        except ValueError:
            return HttpResponseBadRequest(_("Give the week as a date: YYYY-MM-DD."))
        week_start = day - timedelta(days=day.weekday())
    overview = debriefs.wellbeing_overview(week_start=week_start)
    context = {
        "overview": overview,
        "is_this_week": week_start == this_week,
        "previous_week": (week_start - timedelta(days=7)).isoformat(),
        "next_week": (week_start + timedelta(days=7)).isoformat(),
    }
    return render(request, "dispatch/wellbeing.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def check_in_done(request, pk: int):
    check_in = get_object_or_404(WellbeingCheckIn, pk=pk)
    form = CheckInDoneForm(request.POST)
    try:
        debriefs.check_in_done(
            check_in=check_in, by=request.user, note=form.cleaned_data["note"] if form.is_valid() else ""
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Check-in recorded."))
    return redirect("dispatch:wellbeing")
