"""Before/after comparison of two datasets of one city (coordinators only): the page and its CSV.
Thin: the form checks the pair, the selector computes, the template or the CSV writer shows."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from assessment.compare.forms import CompareForm
from assessment.compare.selectors import cfs_comparison, comparison_csv_rows
from volunteers.roles import Role, role_required


def _form(request) -> CompareForm:
    if "pilot" in request.GET:
        return CompareForm(request.GET)
    # From a dataset's analysis page: its dataset is the baseline (its pilot areas ticked), the
    # pilot still to choose.
    return CompareForm.for_baseline(request.GET.get("baseline", ""))


@role_required(Role.COORDINATOR)
@require_GET
def cfs_compare(request):
    form = _form(request)
    comparison = None
    if form.is_bound and form.is_valid():
        comparison = cfs_comparison(
            baseline=form.cleaned_data["baseline"],
            pilot=form.cleaned_data["pilot"],
            areas=form.selected_areas(),
        )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "assessment/cfs/compare.html",
        {"form": form, "comparison": comparison, "query": request.GET.urlencode()},
        status=status,
    )


def _csv_cell(value) -> str:
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    # Spreadsheet formula injection: call-type and dataset names come from files and people.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@role_required(Role.COORDINATOR)
@require_GET
def cfs_compare_export(request):
    if "baseline" not in request.GET and "pilot" not in request.GET:
        return redirect(reverse("assessment:cfs_compare"))
    form = CompareForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    comparison = cfs_comparison(
        baseline=form.cleaned_data["baseline"], pilot=form.cleaned_data["pilot"], areas=form.selected_areas()
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets spreadsheet programs read non-English text as UTF-8
    writer = csv.writer(buffer)
    for row in comparison_csv_rows(comparison):
        writer.writerow([_csv_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = slugify(f"{comparison.baseline.dataset.name}-vs-{comparison.pilot.dataset.name}") or "datasets"
    response["Content-Disposition"] = f'attachment; filename="compare-{name}.csv"'
    return response
