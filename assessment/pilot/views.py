"""Views of the pilot dashboard (coordinators only). Thin: parse the period, read the metrics,
render the page or one table as CSV."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessment.models import CfsCallType, PoliceTimeMapping
from assessment.pilot import glossary, selectors, services, tables
from assessment.pilot.evidence_tables import EQUITY_TABLES
from assessment.pilot.forms import (
    EquityGroupForm,
    OperatingHoursFormSet,
    PeriodForm,
    PilotSettingsForm,
    PoliceTimeForm,
)
from dispatch.models import CallType
from hotline.models import OperatingHours
from volunteers.roles import Role, role_required


@role_required(Role.COORDINATOR)
@require_GET
def dashboard(request):
    pilot = selectors.pilot_settings()
    form = PeriodForm.for_request(request.GET, default=selectors.default_period(pilot))
    context = {"pilot": pilot, "form": form, "glossary": glossary.GLOSSARY}
    if not form.is_valid():
        return render(request, "assessment/pilot/dashboard.html", context, status=400)
    period = form.period()
    group = EquityGroupForm(request.GET).chosen()
    metrics = selectors.Metrics(period=period, pilot=pilot, equity_group=group).prefetch()
    built = tables.all_tables(metrics)
    dates = urlencode({"start": period.first_day.isoformat(), "end": period.last_day.isoformat()})
    summary = built["summary"]
    context.update(
        {
            "period": period,
            "metrics": metrics,
            "tables": built,
            "cards": [
                {
                    "label": row[0],
                    "value": shown[1]["text"],
                    "benchmark": shown[2]["text"] if row[2] is not None else "",
                    "slug": slug,
                    "definition": glossary.definition(slug),
                    "everyone": bool(period.sources) and slug in tables.NOT_PER_SOURCE,
                }
                for row, shown, slug in zip(
                    summary.rows, summary.display_rows, summary.row_glossary, strict=True
                )
            ],
            "time_zone": settings.TIME_ZONE,
            "heat_rows": tables.heat_cells(built["heatmap"]),
            "chart_data": tables.chart_data(built),
            "query": period_query(period),
            "equity_query": period_query(period, group=group),
            "equity_group": group,
            "group_form": EquityGroupForm(initial={"group": group}),
            "sources_text": tables.sources_text(period),
            "outreach_url": f"{reverse('outreach:summary')}?{dates}",
            "is_pilot_period": pilot is not None
            and (period.first_day, period.last_day) == (pilot.starts_on, pilot.ends_on),
        }
    )
    return render(request, "assessment/pilot/dashboard.html", context)


def period_query(period: selectors.Period, *, group: str = "") -> str:
    """The query string naming the period and its sources (for the CSV links), and the equity
    tables' group when given."""
    pairs = [("start", period.first_day.isoformat()), ("end", period.last_day.isoformat())]
    pairs += [("source", source) for source in period.sources]
    return urlencode(pairs + ([("group", group)] if group else []))


def _csv_safe(value: str) -> str:
    # Spreadsheet formula injection: partner and call-type names are typed by people.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@role_required(Role.COORDINATOR)
@require_GET
def export_csv(request, table: str):
    build = tables.TABLES.get(table)
    if build is None:
        raise Http404
    pilot = selectors.pilot_settings()
    form = PeriodForm.for_request(request.GET, default=selectors.default_period(pilot))
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    period = form.period()
    group = EquityGroupForm(request.GET).chosen()
    built = build(selectors.Metrics(period=period, pilot=pilot, equity_group=group))
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets spreadsheet programs read non-English text as UTF-8
    writer = csv.writer(buffer)
    for row in [*built.csv_rows(), *tables.scope_rows(table, period)]:
        writer.writerow([_csv_safe(str(cell)) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    sources = "".join(f"-{source}" for source in period.sources)
    if table in EQUITY_TABLES:
        sources += f"-by-{group}"
    filename = f"pilot-{table}-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}{sources}.csv".replace(
        "_", "-"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _hours_input(formset) -> list[services.HoursInput]:
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        rows.append(services.HoursInput(weekday=data["weekday"], opens=data["opens"], closes=data["closes"]))
    return rows


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    pilot = selectors.pilot_settings()
    form = PilotSettingsForm(request.POST or None, instance=pilot)
    hours = OperatingHoursFormSet(request.POST or None, queryset=OperatingHours.objects.all(), prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        data = form.cleaned_data
        try:
            services.pilot_settings_save(
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                service_areas=data["service_areas"],
                min_dispatchers=data["min_dispatchers"],
                min_responders=data["min_responders"],
                hours=_hours_input(hours),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Pilot settings saved."))
            return redirect("assessment:dashboard")
    status = 400 if request.method == "POST" else 200
    return render(request, "assessment/pilot/settings.html", {"form": form, "hours": hours}, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def police_time_edit(request):
    """The 911 dataset, cost and call-type mapping behind "police unit-hours avoided"."""
    pilot = selectors.pilot_settings()
    dataset = pilot.police_time_dataset if pilot is not None else None
    cfs_call_types = (
        [
            (t.key, str(t))
            for t in CfsCallType.objects.filter(city_id=dataset.city_id).order_by(
                "description", "code", "key"
            )
        ]
        if dataset is not None
        else []
    )
    mapped = {m.hotline_call_type_id: m for m in PoliceTimeMapping.objects.all()}
    initial = {
        "police_time_dataset": dataset,
        "cost_per_unit_hour": pilot.cost_per_unit_hour if pilot is not None else None,
    }
    for type_id, mapping in mapped.items():
        initial.update(
            {
                f"cfs_{type_id}": mapping.cfs_call_type_key,
                f"category_{type_id}": mapping.cfs_category_id,
                f"minutes_{type_id}": mapping.minutes,
            }
        )
    form = PoliceTimeForm(
        request.POST or None,
        initial=initial,
        call_types=CallType.objects.filter(is_active=True).order_by("position", "name_en"),
        cfs_call_types=cfs_call_types,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.police_time_settings_save(
                dataset=form.cleaned_data["police_time_dataset"],
                cost_per_unit_hour=form.cleaned_data["cost_per_unit_hour"],
                mappings=form.mappings(),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Police time settings saved."))
            return redirect(f"{reverse('assessment:dashboard')}#metric-police_time")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessment/pilot/police_time.html",
        {"form": form, "pilot": pilot, "has_dataset": dataset is not None},
        status=status,
    )
