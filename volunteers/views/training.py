"""Coordinators' training pages: the overview, modules, sessions and their attendance."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers import selectors, services
from volunteers.forms import AttendanceForm, TrainingModuleForm, TrainingSessionForm
from volunteers.models import TrainingModule, TrainingSession

from ._common import coordinator_required


@coordinator_required
def training_overview(request):
    now = timezone.now()
    context = {
        "modules": TrainingModule.objects.annotate(completion_count=Count("completions")),
        "upcoming": TrainingSession.objects.filter(starts_at__gte=now - timedelta(days=1))
        .select_related("module")
        .annotate(registered_count=Count("attendance"))[:50],
        "recent": TrainingSession.objects.filter(starts_at__lt=now - timedelta(days=1))
        .select_related("module")
        .order_by("-starts_at")[:20],
        "expiring": selectors.completions_expiring(within_days=30),
    }
    return render(request, "volunteers/training_overview.html", context)


def _module_form(request, instance: TrainingModule | None):
    form = TrainingModuleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Training module saved."))
        return redirect("volunteers:training_overview")
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": _("Training module")},
        status=400 if form.errors else 200,
    )


@coordinator_required
def module_create(request):
    return _module_form(request, None)


@coordinator_required
def module_edit(request, pk: int):
    return _module_form(request, get_object_or_404(TrainingModule, pk=pk))


@coordinator_required
def session_create(request):
    form = TrainingSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save()
        messages.success(request, _("Training session scheduled."))
        return redirect(session)
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": _("Schedule a training session")},
        status=400 if form.errors else 200,
    )


@coordinator_required
def training_session_detail(request, pk: int):
    session = get_object_or_404(TrainingSession.objects.select_related("module"), pk=pk)
    form = AttendanceForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.training_attendance_record(
                session=session, attended=form.attendees(), by=request.user
            )
        except services.VolunteerError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Attendance saved: %(count)d completed the training.") % {"count": count}
            )
            return redirect(session)
    attendance = session.attendance.select_related("volunteer")
    return render(
        request,
        "volunteers/training_session.html",
        {"session": session, "form": form, "attendance": attendance},
    )
