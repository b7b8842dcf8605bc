"""Views of the pilot-area filter of the 911 analysis page: choose it, upload a boundary, follow
and retry the background counts (a boundary's calls, the map grid).

The choice is remembered for the dataset and the analysis page (views.analysis_page) reads it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessment import map_jobs, map_services, selectors
from assessment.map_forms import CfsBoundaryUploadForm, CfsPilotAreaForm
from assessment.map_models import CfsBoundary
from assessment.models import CfsDataset
from assessment.views import analysis_page
from volunteers.roles import Role, role_required


@role_required(Role.COORDINATOR)
@require_POST
def cfs_pilot_area(request, pk: int):
    dataset = get_object_or_404(CfsDataset, pk=pk)
    if "clear" in request.POST:
        map_services.pilot_area_choose(dataset=dataset, areas=[], boundary=None, user=request.user)
        messages.success(request, _("Pilot-area filter removed: every call counts."))
        return redirect("assessment:cfs_analysis", pk=dataset.pk)
    form = CfsPilotAreaForm(
        request.POST,
        areas=selectors.cfs_areas(dataset=dataset),
        boundaries=CfsBoundary.objects.filter(dataset=dataset),
    )
    if not form.is_valid():
        messages.error(request, _("The filter was not changed: choose areas of this dataset."))
        return redirect("assessment:cfs_analysis", pk=dataset.pk)
    map_services.pilot_area_choose(
        dataset=dataset,
        areas=form.selected_areas(),
        boundary=form.cleaned_data["boundary"],
        user=request.user,
    )
    return redirect("assessment:cfs_analysis", pk=dataset.pk)


@role_required(Role.COORDINATOR)
@require_POST
def cfs_boundary_upload(request, pk: int):
    dataset = get_object_or_404(CfsDataset.objects.select_related("city"), pk=pk)
    form = CfsBoundaryUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            boundary = map_jobs.boundary_create(
                dataset=dataset, name=form.cleaned_data["name"], polygons=form.polygons, user=request.user
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            map_services.pilot_area_choose(dataset=dataset, areas=[], boundary=boundary, user=request.user)
            messages.success(
                request,
                _("Boundary %(name)s saved. Its calls are being counted; the page applies it once they are.")
                % {"name": boundary.name},
            )
            return redirect("assessment:cfs_analysis", pk=dataset.pk)
    return analysis_page(request, dataset, boundary_form=form, status=400)


@role_required(Role.COORDINATOR)
@require_GET
def cfs_boundary_count(request, pk: int):
    """The state of a boundary's count, polled while it runs; once it ends the page reloads."""
    boundary = get_object_or_404(CfsBoundary.objects.select_related("dataset"), pk=pk)
    response = render(request, "assessment/cfs/_boundary_count.html", {"boundary": boundary})
    if request.htmx and not boundary.is_pending:
        response["HX-Refresh"] = "true"
    return response


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@role_required(Role.COORDINATOR)
@require_POST
def cfs_boundary_count_retry(request, pk: int):
    boundary = get_object_or_404(CfsBoundary, pk=pk)
    if map_jobs.boundary_count_retry(boundary=boundary):
        messages.success(request, _("Boundary %(name)s is being counted again.") % {"name": boundary.name})
    else:
        messages.info(request, _("Boundary %(name)s is counted or being counted.") % {"name": boundary.name})
    return _back(request, boundary.dataset.get_absolute_url())


@role_required(Role.COORDINATOR)
@require_POST
def cfs_map_count_retry(request, pk: int):
    dataset = get_object_or_404(CfsDataset, pk=pk)
    grid = map_jobs.grid_request(dataset)
    if map_jobs.grid_count_retry(grid=grid):
        messages.success(request, _("The map is being prepared again."))
    return redirect(dataset.get_absolute_url())
