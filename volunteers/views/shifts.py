"""Coordinators' shift pages: the list, a series of new shifts, a shift's page and assignments, coverage."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers import selectors, services
from volunteers.forms import AssignForm, ShiftSeriesForm
from volunteers.models import Shift, ShiftAssignment, Volunteer

from ._common import coordinator_required


@coordinator_required
def shift_list(request):
    now = timezone.now()
    holding = ShiftAssignment.objects.filter(status__in=ShiftAssignment.HOLDING).select_related("volunteer")
    shifts = (
        selectors.shifts_with_staffing(
            Shift.objects.filter(
                ends_at__gt=now - timedelta(hours=12), starts_at__lt=now + timedelta(days=14)
            )
        )
        .select_related("area")
        .prefetch_related(Prefetch("assignments", queryset=holding, to_attr="holding"))
    )
    return render(request, "volunteers/shift_list.html", {"shifts": shifts})


@coordinator_required
def shift_create(request):
    form = ShiftSeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        series = services.ShiftSeries(
            role=data["role"],
            date_from=data["date_from"],
            date_until=data["date_until"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            weekdays=frozenset(data["weekdays"]),
            capacity=data["capacity"],
            minimum_staffing=data["minimum_staffing"],
            area=data["area"],
            notes=data["notes"],
        )
        try:
            created, skipped = services.shift_create_series(series=series, by=request.user)
        except services.VolunteerError as exc:
            form.add_error(None, exc.message)
        else:
            text = _("%(created)d shifts created.") % {"created": len(created)}
            if skipped:
                text += " " + _("%(skipped)d already existed and were skipped.") % {"skipped": skipped}
            messages.success(request, text)
            return redirect("volunteers:shift_list")
    return render(request, "volunteers/shift_form.html", {"form": form}, status=400 if form.errors else 200)


@coordinator_required
def shift_detail(request, pk: int):
    shift = get_object_or_404(selectors.shifts_with_staffing(Shift.objects.select_related("area")), pk=pk)
    assignments = shift.assignments.select_related("volunteer").order_by("status", "created_at")
    form = AssignForm()
    form.fields["volunteer"].queryset = (
        Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
        .exclude(pk__in=assignments.filter(status__in=ShiftAssignment.HOLDING).values("volunteer"))
        .order_by("last_name", "first_name")
    )
    context = {
        "shift": shift,
        "assignments": assignments,
        "form": form,
        "started": shift.starts_at <= timezone.now(),
    }
    return render(request, "volunteers/shift_detail.html", context)


@require_POST
@coordinator_required
def shift_assign(request, pk: int):
    shift = get_object_or_404(Shift, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active volunteer."))
        return redirect(shift)
    try:
        services.shift_sign_up(shift=shift, volunteer=form.cleaned_data["volunteer"], by=request.user)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is on the shift.") % {"name": form.cleaned_data["volunteer"]})
    return redirect(shift)


@require_POST
@coordinator_required
def assignment_update(request, pk: int):
    assignment = get_object_or_404(ShiftAssignment.objects.select_related("shift"), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "cancel":
            services.assignment_cancel(assignment=assignment, by_coordinator=True)
        else:
            services.assignment_mark(assignment=assignment, status=action)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    return redirect(assignment.shift)


@coordinator_required
def coverage(request):
    grid = selectors.coverage_grid(start=timezone.localdate(), days=14)
    return render(request, "volunteers/coverage.html", {"grid": grid, "hours": range(24)})
