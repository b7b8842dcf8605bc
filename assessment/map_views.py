"""Views of the pilot-area filter of the 911 analysis page: choose it, upload a boundary.

The choice is remembered for the dataset and the analysis page (views.analysis_page) reads it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import map_services, selectors
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
            boundary = map_services.boundary_create(
                dataset=dataset, name=form.cleaned_data["name"], polygons=form.polygons, user=request.user
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            map_services.pilot_area_choose(dataset=dataset, areas=[], boundary=boundary, user=request.user)
            messages.success(
                request,
                _("Boundary %(name)s saved: %(calls)d calls inside.")
                % {"name": boundary.name, "calls": boundary.calls_inside},
            )
            return redirect("assessment:cfs_analysis", pk=dataset.pk)
    return analysis_page(request, dataset, boundary_form=form, status=400)
