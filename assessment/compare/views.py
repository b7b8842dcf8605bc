"""Before/after comparison of two datasets of one city (coordinators only): the page and its CSV.
Thin: the form checks the pair, the selector computes, the template or the CSV writer shows.

With a boundary, its polygons must be counted in both datasets: the first request for a pair
stores a copy for the pilot dataset and queues its count (assessment.map_jobs, idempotent: a
copy with the same polygons is reused), and the page says so until both are counted."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessment import map_jobs
from assessment.compare.forms import CompareForm
from assessment.compare.selectors import cfs_comparison, comparison_csv_rows
from volunteers.roles import Role, role_required


def _form(request) -> CompareForm:
    if "pilot" in request.GET:
        return CompareForm(request.GET)
    # From a dataset's analysis page: its dataset is the baseline (its pilot areas ticked), the
    # pilot still to choose.
    return CompareForm.for_baseline(request.GET.get("baseline", ""))


def _boundaries(form: CompareForm, user):
    """The chosen boundary of the baseline and the same polygons in the pilot dataset (queued
    for counting the first time), or None without a boundary."""
    chosen = form.cleaned_data.get("boundary")
    if chosen is None:
        return None
    return chosen, map_jobs.boundary_for_dataset(
        boundary=chosen, dataset=form.cleaned_data["pilot"], user=user
    )


def _pending(boundaries) -> list:
    return [boundary for boundary in boundaries or () if not boundary.is_counted]


@role_required(Role.COORDINATOR)
@require_GET
def cfs_compare(request):
    form = _form(request)
    comparison, pending = None, []
    if form.is_bound and form.is_valid():
        boundaries = _boundaries(form, request.user)
        pending = _pending(boundaries)
        if not pending:
            comparison = cfs_comparison(
                baseline=form.cleaned_data["baseline"],
                pilot=form.cleaned_data["pilot"],
                areas=form.selected_areas(),
                boundaries=boundaries,
            )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "assessment/cfs/compare.html",
        {"form": form, "comparison": comparison, "pending": pending, "query": request.GET.urlencode()},
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
    boundaries = _boundaries(form, request.user)
    if _pending(boundaries):
        return HttpResponse(
            _("The boundary is still being counted in one of the datasets: try again in a moment."),
            content_type="text/plain; charset=utf-8",
            status=409,
        )
    comparison = cfs_comparison(
        baseline=form.cleaned_data["baseline"],
        pilot=form.cleaned_data["pilot"],
        areas=form.selected_areas(),
        boundaries=boundaries,
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
