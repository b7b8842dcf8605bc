"""Views of the assessment app. Thin: parse the input, call a service or selector, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import (
    map_jobs,
    map_selectors,
    selectors,
    selectors_dispositions,
    selectors_scene_time,
    services,
)
from assessment.cfs import presets
from assessment.charts import analysis_chart_data, heatmap_rows, pilot_rows
from assessment.forms import (
    UNKNOWN_AREA_VALUE,
    CfsCallTypeForm,
    CfsColumnMappingForm,
    CfsCoverageForm,
    CfsMappingForm,
    CfsUploadForm,
)
from assessment.map_forms import CfsBoundaryUploadForm, CfsPilotAreaForm
from assessment.map_models import CfsBoundary
from assessment.models import CfsCallType, CfsCity, CfsDataset, CfsImportJob
from volunteers.roles import Role, role_required


@role_required(Role.COORDINATOR)
@require_GET
def cfs_index(request):
    return render(
        request,
        "assessment/cfs/index.html",
        {
            "datasets": selectors.cfs_datasets(),
            "cities": selectors.cfs_cities(),
            "jobs": selectors.cfs_recent_jobs(),
        },
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def cfs_upload(request):
    form = CfsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.cfs_import_job_create(
                upload=form.cleaned_data["file"],
                lookup=form.cleaned_data["lookup"],
                dataset_name=form.cleaned_data["dataset_name"],
                city_name=form.cleaned_data["city"],
                preset=form.cleaned_data["preset"],
                replace=form.cleaned_data["replace"],
                timezone_name=form.cleaned_data["timezone"],
                user=request.user,
            )
        except services.CfsImportError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessment/cfs/upload.html",
        {"form": form, "cities": selectors.cfs_cities(), "presets": presets.PRESETS.values()},
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def cfs_job(request, pk: int):
    job = get_object_or_404(CfsImportJob, pk=pk)
    can_start = job.status in (CfsImportJob.Status.AWAITING_MAPPING, CfsImportJob.Status.FAILED)
    form = None
    if can_start:
        form = CfsMappingForm(
            request.POST or None, headers=job.headers, initial=CfsMappingForm.initial_for(job.column_mapping)
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.cfs_import_job_start(
                    job=job,
                    columns=form.columns(),
                    save_mapping=form.cleaned_data["save_mapping"],
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(job)
    elif request.method == "POST":
        messages.info(request, _("This import has already started."))
        return redirect(job)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessment/cfs/job.html",
        {
            "job": job,
            "form": form,
            "field_labels": presets.FIELD_LABELS,
            "column_choices": presets.labelled_explanations(job.mapping_explanations),
        },
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_GET
def cfs_job_progress(request, pk: int):
    job = get_object_or_404(CfsImportJob, pk=pk)
    return render(request, "assessment/cfs/_job_progress.html", {"job": job})


@role_required(Role.COORDINATOR)
@require_GET
def cfs_analysis(request, pk: int):
    dataset = get_object_or_404(CfsDataset.objects.select_related("city"), pk=pk)
    return analysis_page(request, dataset)


def analysis_page(request, dataset: CfsDataset, *, boundary_form=None, status: int = 200):
    """The analysis page, every table under the remembered pilot-area filter (map_views.py)."""
    areas = selectors.cfs_areas(dataset=dataset)
    grid = map_jobs.grid_request(dataset)  # counted in the background the first time
    pilot = map_selectors.pilot_filter(dataset)  # a boundary still counting is not applied yet
    coverage_form = CfsCoverageForm(
        request.GET if "planner" in request.GET else None,
        areas=pilot.areas if pilot.areas is not None else areas,
        initial={
            "days": CfsCoverageForm.DEFAULT_DAYS,
            "hours": CfsCoverageForm.DEFAULT_HOURS,
            "minutes_per_call": 45,
        },
    )
    scope = {"pilot_areas": pilot.areas, "boundary": pilot.boundary}
    if coverage_form.is_bound and coverage_form.is_valid():
        coverage = selectors.cfs_coverage(
            dataset=dataset,
            days=coverage_form.cleaned_data["days"],
            hours=coverage_form.cleaned_data["hours"],
            areas=coverage_form.selected_areas(),
            minutes_per_call=coverage_form.cleaned_data["minutes_per_call"],
            **scope,
        )
    elif coverage_form.is_bound:
        coverage = None
    else:
        coverage = selectors.cfs_coverage(
            dataset=dataset, days=CfsCoverageForm.DEFAULT_DAYS, hours=CfsCoverageForm.DEFAULT_HOURS, **scope
        )
    absorbable = (
        selectors_scene_time.cfs_absorbable_unit_hours(
            dataset=dataset,
            days=coverage.days,
            hours=coverage.hours,
            # the planner's areas (chosen among the pilot's), else the pilot's own
            areas=coverage.areas if coverage.areas is not None else pilot.areas,
            boundary=pilot.boundary,
            shifts=coverage.shifts,
        )
        if coverage is not None
        else None
    )
    context = {
        "dataset": dataset,
        "coverage_form": coverage_form,
        "coverage": coverage,
        "absorbable": absorbable,
    }
    if request.htmx and request.htmx.target == "coverage-result":
        status = 400 if coverage is None else 200
        return render(request, "assessment/cfs/_coverage.html", context, status=status)
    analysis = selectors.cfs_analysis(dataset=dataset, areas=pilot.areas, boundary=pilot.boundary)
    hotline = selectors.pilot_contacts()
    boundaries = CfsBoundary.objects.filter(dataset=dataset)
    context.update(
        {
            "analysis": analysis,
            "pilot": hotline,
            "heatmap_rows": heatmap_rows(analysis["heatmap"]),
            "chart_data": analysis_chart_data(analysis, hotline),
            "pilot_rows": pilot_rows(analysis, hotline) if hotline.available else [],
            "top_call_types": analysis["call_types"][:40],
            "dispositions": selectors_dispositions.cfs_disposition_breakdown(
                dataset=dataset, areas=pilot.areas, boundary=pilot.boundary
            ),
            "scene_times": selectors_scene_time.cfs_scene_times(
                dataset=dataset, areas=pilot.areas, boundary=pilot.boundary
            ),
            "column_choices": presets.labelled_explanations(dataset.import_report.get("explanations", [])),
            "area_filter": pilot,
            "area_filter_form": CfsPilotAreaForm(
                initial={
                    "areas": [area or UNKNOWN_AREA_VALUE for area in pilot.areas or []],
                    "boundary": pilot.boundary,
                },
                areas=areas,
                boundaries=boundaries,
            ),
            "boundary_form": boundary_form or CfsBoundaryUploadForm(),
            "boundaries": list(boundaries),
            "grid": grid,
            "map": (
                map_selectors.cfs_map(dataset=dataset, grid=grid, areas=pilot.areas, boundary=pilot.boundary)
                if grid.is_counted and grid.located_calls
                else None
            ),
        }
    )
    if coverage_form.is_bound and coverage is None:
        status = 400
    return render(request, "assessment/cfs/analysis.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_GET
def cfs_call_types(request, pk: int):
    city = get_object_or_404(CfsCity, pk=pk)
    dataset = None
    if request.GET.get("dataset"):
        dataset = get_object_or_404(CfsDataset, pk=request.GET["dataset"], city=city)
    unreviewed_only = request.GET.get("show") == "unreviewed"
    officer_only = request.GET.get("show") == "officer"
    call_types = selectors.cfs_call_types_for_city(
        city=city, dataset=dataset, unreviewed_only=unreviewed_only, officer_initiated_only=officer_only
    )
    rows = [(call_type, _call_type_form(call_type)) for call_type in call_types]
    return render(
        request,
        "assessment/cfs/call_types.html",
        {
            "city": city,
            "rows": rows,
            "dataset": dataset,
            "datasets": city.datasets.order_by("name"),
            "unreviewed_only": unreviewed_only,
            "officer_only": officer_only,
            "total_calls": sum(call_type.calls for call_type in call_types),
        },
    )


def _call_type_form(call_type: CfsCallType, data=None) -> CfsCallTypeForm:
    initial = {
        "category": call_type.category_id,
        "divertibility": call_type.divertibility,
        "officer_initiated": call_type.officer_initiated,
    }
    return CfsCallTypeForm(data, initial=initial, prefix=f"t{call_type.pk}")


@role_required(Role.COORDINATOR)
@require_POST
def cfs_call_type_update(request, pk: int):
    call_type = get_object_or_404(CfsCallType.objects.select_related("city", "category"), pk=pk)
    form = _call_type_form(call_type, request.POST)
    status = 200
    if form.is_valid():
        call_type = services.cfs_call_type_classify(
            call_type=call_type,
            category=form.cleaned_data["category"],
            divertibility=form.cleaned_data["divertibility"],
            officer_initiated=form.cleaned_data["officer_initiated"],
            user=request.user,
        )
        form = _call_type_form(call_type)
        saved = True
    else:
        status, saved = 400, False
    if request.htmx:
        call_type.calls = int(request.POST.get("calls", 0) or 0)
        return render(
            request,
            "assessment/cfs/_call_type_row.html",
            {"call_type": call_type, "form": form, "saved": saved},
            status=status,
        )
    if saved:
        messages.success(request, _("Saved: %(type)s") % {"type": call_type.label})
    else:
        messages.error(
            request, _("Not saved: choose a divertibility for %(type)s.") % {"type": call_type.label}
        )
    return redirect(
        request.POST.get("next") or reverse("assessment:cfs_call_types", args=[call_type.city_id])
    )


@role_required(Role.COORDINATOR)
@require_POST
def cfs_call_types_accept(request, pk: int):
    city = get_object_or_404(CfsCity, pk=pk)
    accepted = services.cfs_call_types_accept_suggestions(city=city, user=request.user)
    messages.success(request, _("%(count)d suggestions accepted.") % {"count": accepted})
    return redirect("assessment:cfs_call_types", pk=city.pk)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def cfs_column_mapping(request, pk: int):
    city = get_object_or_404(CfsCity, pk=pk)
    saved = getattr(city, "column_mapping", None)
    initial = {"timezone": city.timezone}
    if saved is not None:
        initial.update({f"column_{name}": header for name, header in saved.columns.items()})
    form = CfsColumnMappingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.cfs_column_mapping_save(
                city=city,
                columns=form.columns(),
                timezone_name=form.cleaned_data["timezone"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Column mapping saved for %(city)s.") % {"city": city.name})
            return redirect("assessment:cfs_index")
    return render(
        request,
        "assessment/cfs/column_mapping.html",
        {"city": city, "form": form, "saved": saved},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.COORDINATOR)
@require_POST
def cfs_dataset_delete(request, pk: int):
    dataset = get_object_or_404(CfsDataset, pk=pk)
    name = dataset.name
    services.cfs_dataset_delete(dataset=dataset)
    messages.success(request, _("Dataset %(name)s deleted.") % {"name": name})
    return redirect("assessment:cfs_index")
