"""Pages of the pilot roadmap and the launch-readiness checks (coordinators only)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.models import HotlineTestCall, RoadmapMilestone, RoadmapPhase
from assessment.readiness import checks, services
from assessment.readiness.forms import MilestoneForm, PhaseForm
from volunteers.roles import Role, role_required


@require_GET
@never_cache
@role_required(Role.COORDINATOR)
def readiness(request):
    from dispatch.models import ProtocolVersion

    results = checks.readiness_checks()
    return render(
        request,
        "assessment/readiness/readiness.html",
        {
            "checks": results,
            "ready": all(check.ok for check in results),
            "passed": sum(check.ok for check in results),
            "test_calls": HotlineTestCall.objects.select_related("placed_by")[:5],
            "current_protocol": ProtocolVersion.objects.order_by("-number").first(),
            "demo": services.is_demo(),
        },
    )


@require_POST
@role_required(Role.COORDINATOR)
def test_call(request):
    result = services.hotline_test_call_place(by=request.user)
    if result.succeeded:
        messages.success(request, _("Test call answered: %(detail)s.") % {"detail": result.detail})
    else:
        messages.error(request, _("Test call failed: %(detail)s.") % {"detail": result.detail})
    return redirect("assessment:readiness")


@require_POST
@role_required(Role.COORDINATOR)
def protocol_approve(request):
    try:
        number = int(request.POST.get("number", ""))
        services.protocol_approve(number=number, by=request.user)
    except ValueError:
        messages.error(request, _("Only the current protocol version can be approved; reload the page."))
    else:
        messages.success(request, _("Protocol version %(number)s approved.") % {"number": number})
    return redirect("assessment:readiness")


@require_GET
@never_cache
@role_required(Role.COORDINATOR)
def roadmap(request):
    phases = RoadmapPhase.objects.select_related("owner").prefetch_related("milestones__owner")
    return render(request, "assessment/readiness/roadmap.html", {"phases": phases})


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def phase_edit(request, pk: int):
    phase = get_object_or_404(RoadmapPhase, pk=pk)
    form = PhaseForm(request.POST or None, instance=phase)
    if request.method == "POST" and form.is_valid():
        services.roadmap_item_save(form=form)
        return redirect("assessment:roadmap")
    return render(
        request, "assessment/readiness/edit.html", {"form": form, "title": phase.get_kind_display()}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def milestone_edit(request, phase_pk: int, pk: int | None = None):
    phase = get_object_or_404(RoadmapPhase, pk=phase_pk)
    milestone = (
        get_object_or_404(RoadmapMilestone, pk=pk, phase=phase) if pk else RoadmapMilestone(phase=phase)
    )
    form = MilestoneForm(request.POST or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        services.roadmap_item_save(form=form)
        return redirect("assessment:roadmap")
    title = _("Milestone of “%(phase)s”") % {"phase": phase.get_kind_display()}
    return render(request, "assessment/readiness/edit.html", {"form": form, "title": title})
