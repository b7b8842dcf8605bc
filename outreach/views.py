"""Views of the outreach app: HTTP in, one service or selector call, a page out."""

from __future__ import annotations

import csv
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.decorators import audited_view
from outreach import selectors, services
from outreach.antispam import HONEYPOT_FIELD, form_token_issue, rate_limit_exceeded
from outreach.forms import (
    DateRangeForm,
    EventForm,
    FocusGroupForm,
    LeadForm,
    OpeningHoursFormSet,
    OptionFormSet,
    PartnerAgreementForm,
    PartnerContactForm,
    PartnerForm,
    PartnerSearchForm,
    PartnerStageForm,
    QuestionForm,
    SurveyForm,
    SurveyResponseForm,
    honeypot_filled,
)
from outreach.models import (
    SURVEY_LANGUAGES,
    Event,
    FocusGroup,
    Lead,
    Partner,
    PartnerAgreement,
    Question,
    Survey,
    pick_language,
)
from volunteers.roles import Role, has_role, role_required

coordinator_required = role_required(Role.COORDINATOR)
directory_reader_required = role_required(Role.DISPATCHER)


def _add_errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


# --- Partner directory -------------------------------------------------------------------------


@directory_reader_required
def partner_list(request):
    form = PartnerSearchForm(request.GET or None)
    arguments = form.search_arguments() if form.is_valid() else {}
    partners = selectors.partner_search(**arguments)
    page = Paginator(partners, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    for partner in page:
        partner.open_now = selectors.partner_is_open(partner, at=now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outreach/partner_list.html",
        {
            "form": form,
            "page": page,
            "query_string": query.urlencode(),
            "can_edit": has_role(request.user, Role.COORDINATOR),
        },
    )


@directory_reader_required
def partner_detail(request, pk: int):
    partner = get_object_or_404(
        selectors.partners_with_referral_counts().prefetch_related(
            "partner_services__service_type", "languages", "areas", "opening_hours"
        ),
        pk=pk,
    )
    return render(
        request,
        "outreach/partner_detail.html",
        {
            "partner": partner,
            "open_now": selectors.partner_is_open(partner),
            "events": partner.events.order_by("-held_on")[:10],
            "can_edit": has_role(request.user, Role.COORDINATOR),
        },
    )


@coordinator_required
def partner_edit(request, pk: int | None = None):
    partner = get_object_or_404(Partner, pk=pk) if pk else None
    form = PartnerForm(request.POST or None, instance=partner)
    hours = OpeningHoursFormSet(request.POST or None, instance=partner or Partner(), prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        data = dict(form.cleaned_data)
        periods = [
            {key: f.cleaned_data[key] for key in ("weekday", "opens_at", "closes_at")}
            for f in hours.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            partner = services.partner_save(
                partner=partner,
                fields={k: v for k, v in data.items() if k not in ("services", "languages", "areas")},
                services=data["services"],
                languages=data["languages"],
                areas=data["areas"],
                hours=periods,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Partner saved."))
            return redirect(partner)
    return render(request, "outreach/partner_form.html", {"form": form, "hours": hours, "partner": partner})


@coordinator_required
@require_POST
def partner_verify(request, pk: int):
    partner = get_object_or_404(Partner, pk=pk)
    services.partner_mark_verified(partner=partner)
    messages.success(request, _("Marked as verified today."))
    return redirect(partner)


# --- Partner relationship and agreements -------------------------------------------------------


def _relationship_page(request, pk: int, *, status: int = 200, **forms):
    partner = selectors.partner_relationship(pk=pk)
    context = {
        "partner": partner,
        "stage_form": forms.get("stage_form") or PartnerStageForm(initial={"stage": partner.stage}),
        "agreement_form": forms.get("agreement_form") or PartnerAgreementForm(),
        "contact_form": forms.get("contact_form")
        or PartnerContactForm(initial={"happened_on": timezone.localdate()}),
    }
    return render(request, "outreach/partner_relationship.html", context, status=status)


@coordinator_required
def partner_relationship(request, pk: int):
    return _relationship_page(request, pk)


@coordinator_required
@require_POST
def partner_stage_set(request, pk: int):
    partner = get_object_or_404(Partner, pk=pk)
    form = PartnerStageForm(request.POST)
    if form.is_valid():
        try:
            services.partner_stage_set(
                partner=partner,
                stage=form.cleaned_data["stage"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Relationship stage changed."))
            return redirect("outreach:partner_relationship", pk=pk)
    return _relationship_page(request, pk, status=400, stage_form=form)


@coordinator_required
@require_POST
def partner_agreement_add(request, pk: int):
    partner = get_object_or_404(Partner, pk=pk)
    form = PartnerAgreementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.partner_agreement_add(partner=partner, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Agreement filed."))
            return redirect("outreach:partner_relationship", pk=pk)
    return _relationship_page(request, pk, status=400, agreement_form=form)


@coordinator_required
@require_POST
def partner_contact_add(request, pk: int):
    partner = get_object_or_404(Partner, pk=pk)
    form = PartnerContactForm(request.POST)
    if form.is_valid():
        try:
            services.partner_contact_add(partner=partner, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Contact recorded."))
            return redirect("outreach:partner_relationship", pk=pk)
    return _relationship_page(request, pk, status=400, contact_form=form)


@coordinator_required
@audited_view("outreach.partneragreement", what="signed agreement document")
def agreement_document(request, pk: int):
    agreement = get_object_or_404(PartnerAgreement, pk=pk)
    try:
        handle = agreement.document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=agreement.document_name, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@coordinator_required
def partnership_map(request):
    return render(request, "outreach/partnership_map.html", {"map": selectors.partnership_map()})


# --- Survey builder ----------------------------------------------------------------------------


@coordinator_required
def survey_list(request):
    return render(request, "outreach/survey_list.html", {"surveys": selectors.survey_response_counts()})


@coordinator_required
def survey_edit(request, pk: int | None = None):
    survey = get_object_or_404(Survey, pk=pk) if pk else None
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_save(survey=survey, fields=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Survey saved."))
            return redirect(survey)
    return render(request, "outreach/survey_form.html", {"form": form, "survey": survey})


@coordinator_required
def survey_detail(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    return render(
        request,
        "outreach/survey_detail.html",
        {
            "survey": survey,
            "questions": survey.questions.prefetch_related("options"),
            "locked": services.survey_structure_locked(survey),
            "response_count": survey.responses.count(),
            "public_url": request.build_absolute_uri(survey.get_public_url()),
            "survey_languages": SURVEY_LANGUAGES,
        },
    )


@coordinator_required
def question_edit(request, survey_pk: int, pk: int | None = None):
    survey = get_object_or_404(Survey, pk=survey_pk)
    question = get_object_or_404(Question, pk=pk, survey=survey) if pk else None
    locked = services.survey_structure_locked(survey)
    if locked and question is None:
        messages.error(request, _("People have answered this survey: questions can no longer be added."))
        return redirect(survey)
    form = QuestionForm(request.POST or None, instance=question, structure_locked=locked)
    options = OptionFormSet(
        request.POST or None,
        instance=question or Question(survey=survey),
        prefix="options",
        structure_locked=locked,
    )
    if request.method == "POST" and form.is_valid() and options.is_valid():
        try:
            services.question_save(
                survey=survey, question=question, fields=form.cleaned_data, options=options.option_rows()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect(survey)
    return render(
        request,
        "outreach/question_form.html",
        {"form": form, "options": options, "survey": survey, "question": question, "locked": locked},
    )


@coordinator_required
@require_POST
def question_delete(request, survey_pk: int, pk: int):
    question = get_object_or_404(Question, pk=pk, survey_id=survey_pk)
    try:
        services.question_delete(question=question)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Question removed."))
    return redirect("outreach:survey_detail", survey_pk)


@coordinator_required
@require_POST
def question_move(request, survey_pk: int, pk: int):
    question = get_object_or_404(Question, pk=pk, survey_id=survey_pk)
    services.question_move(question=question, up=request.POST.get("direction") == "up")
    return redirect("outreach:survey_detail", survey_pk)


@coordinator_required
def survey_results(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    results = selectors.survey_results(survey=survey)
    charts = [
        {
            "id": result.question.pk,
            "labels": [row.label for row in result.rows],
            "counts": [row.count for row in result.rows],
        }
        for result in results.questions
        if result.rows
    ]
    return render(
        request, "outreach/survey_results.html", {"results": results, "survey": survey, "charts": charts}
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is read as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@coordinator_required
def survey_export(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    language = pick_language(request.GET.get("lang") or translation.get_language())
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # lets spreadsheet programs read Korean and Spanish text as UTF-8
        for row in selectors.survey_export_rows(survey=survey, language=language):
            yield writer.writerow([_csv_safe(str(cell)) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-responses.csv"'
    return response


# --- Public survey -----------------------------------------------------------------------------


def in_respondent_language(view):
    """Render a public survey page in the language the person chose (?lang=, or the form's
    hidden field), else the one their browser asks for; English when we do not have it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        requested = request.POST.get("lang") or request.GET.get("lang")
        language = pick_language(requested or request.LANGUAGE_CODE)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = view(request, *args, language=language, **kwargs)
        response.headers["Content-Language"] = language
        return response

    return wrapped


@in_respondent_language
def survey_respond(request, slug: str, language: str):
    """The public questionnaire: no login, in the respondent's language."""
    survey = get_object_or_404(Survey, slug=slug)
    preview = not survey.is_open and has_role(request.user, Role.COORDINATOR)
    if survey.status == Survey.Status.DRAFT and not preview:
        raise Http404
    context = {
        "survey": survey,
        "title": survey.localized("title", language),
        "intro": survey.localized("intro", language),
        "language": language,
        "survey_languages": SURVEY_LANGUAGES,
        "preview": preview,
    }
    if not survey.is_open and not preview:
        return render(request, "outreach/survey_closed.html", context, status=410)

    if request.method == "POST" and not preview:
        if rate_limit_exceeded(request, scope=f"survey:{survey.pk}"):
            return render(request, "outreach/survey_rate_limited.html", context, status=429)
        if honeypot_filled(request.POST):
            # Look like success so that bots learn nothing; store nothing.
            return redirect(_thanks_url(survey, language))
        form = SurveyResponseForm(request.POST, survey=survey, language=language)
        if form.is_valid():
            try:
                services.survey_response_submit(
                    survey=survey,
                    submission=form.cleaned_data["token"],
                    language=language,
                    answers=form.answers(),
                    respondent_name=form.cleaned_data.get("respondent_name", ""),
                    respondent_contact=form.cleaned_data.get("respondent_contact", ""),
                )
            except services.DuplicateSubmission:
                # The first post of this very form was recorded; show the same thanks.
                return redirect(_thanks_url(survey, language))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(_thanks_url(survey, language))
        if not form.has_error("token", code="too_fast"):
            # A fresh token so that a corrected form can be sent; the old one may be spent. A
            # form sent too fast keeps its token, whose clock already runs: sent again, it passes.
            form.data = form.data.copy()
            form.data["token"] = form_token_issue(survey_id=survey.pk)
        status = 400
    else:
        form = SurveyResponseForm(
            survey=survey, language=language, initial={"token": form_token_issue(survey_id=survey.pk)}
        )
        status = 200
    context.update(form=form, honeypot=HONEYPOT_FIELD)
    return render(request, "outreach/survey_respond.html", context, status=status)


def _thanks_url(survey: Survey, language: str) -> str:
    return f"{reverse('outreach:survey_thanks', args=[survey.slug])}?lang={language}"


@in_respondent_language
def survey_thanks(request, slug: str, language: str):
    survey = get_object_or_404(Survey.objects.exclude(status=Survey.Status.DRAFT), slug=slug)
    return render(request, "outreach/survey_thanks.html", {"survey": survey, "language": language})


# --- Focus groups ------------------------------------------------------------------------------


@coordinator_required
def focus_group_list(request):
    return render(
        request,
        "outreach/focus_group_list.html",
        {
            "focus_groups": FocusGroup.objects.prefetch_related("themes"),
            "themes": selectors.themes_summary(),
            "by_audience": selectors.focus_groups_by_audience(),
        },
    )


@coordinator_required
def focus_group_detail(request, pk: int):
    focus_group = get_object_or_404(FocusGroup.objects.prefetch_related("themes"), pk=pk)
    return render(request, "outreach/focus_group_detail.html", {"focus_group": focus_group})


@coordinator_required
def focus_group_edit(request, pk: int | None = None):
    focus_group = get_object_or_404(FocusGroup, pk=pk) if pk else None
    form = FocusGroupForm(request.POST or None, instance=focus_group)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "themes_text"}
        try:
            focus_group = services.focus_group_save(
                focus_group=focus_group, fields=fields, themes=form.cleaned_data["themes_text"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Focus group saved."))
            return redirect(focus_group)
    return render(request, "outreach/focus_group_form.html", {"form": form, "focus_group": focus_group})


# --- Events and leads --------------------------------------------------------------------------


@coordinator_required
def event_list(request):
    events = selectors.events_with_counts()
    kind = request.GET.get("kind")
    if kind in Event.Kind.values:
        events = events.filter(kind=kind)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/event_list.html",
        {
            "page": page,
            "kinds": Event.Kind.choices,
            "kind": kind,
            "query_string": f"kind={kind}" if kind in Event.Kind.values else "",
        },
    )


@coordinator_required
def event_detail(request, pk: int):
    event = get_object_or_404(selectors.events_with_counts().select_related("area"), pk=pk)
    leads = selectors.leads_with_conversion(event.leads.all())
    return render(
        request,
        "outreach/event_detail.html",
        {"event": event, "leads": leads, "signup_url": selectors.event_signup_url(event)},
    )


@coordinator_required
def event_edit(request, pk: int | None = None):
    event = get_object_or_404(Event, pk=pk) if pk else None
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_save(event=event, fields=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect(event)
    return render(request, "outreach/event_form.html", {"form": form, "event": event})


@coordinator_required
def lead_list(request):
    leads = selectors.leads_with_conversion(Lead.objects.select_related("event"))
    page = Paginator(leads, 50).get_page(request.GET.get("page"))
    return render(request, "outreach/lead_list.html", {"page": page})


@coordinator_required
def lead_detail(request, pk: int):
    lead = get_object_or_404(selectors.leads_with_conversion(Lead.objects.select_related("event")), pk=pk)
    return render(
        request,
        "outreach/lead_detail.html",
        {
            "lead": lead,
            "signup_url": selectors.lead_signup_url(lead),
            "volunteer": selectors.volunteer_for_lead(lead),
        },
    )


@coordinator_required
def lead_edit(request, pk: int | None = None):
    lead = get_object_or_404(Lead, pk=pk) if pk else None
    initial = {}
    if lead is None and request.GET.get("event", "").isdigit():
        initial["event"] = request.GET["event"]
    form = LeadForm(request.POST or None, instance=lead, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_save(lead=lead, fields=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Lead saved."))
            return redirect(lead)
    return render(request, "outreach/lead_form.html", {"form": form, "lead": lead})


# --- Summary -----------------------------------------------------------------------------------


@coordinator_required
def summary(request):
    form = DateRangeForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    monthly = selectors.events_by_kind_and_month(start=start, end=end)
    kinds = dict(Event.Kind.choices)
    months = sorted({row["month"] for row in monthly})
    cells = {(row["month"], row["kind"]): row for row in monthly}
    month_rows = [
        {
            "month": month,
            "cells": [cells.get((month, kind), {"events": 0, "reached": 0}) for kind in kinds],
            "events": sum(cells.get((month, kind), {}).get("events", 0) for kind in kinds),
            "reached": sum(cells.get((month, kind), {}).get("reached", 0) for kind in kinds),
        }
        for month in months
    ]
    chart = {
        "labels": [date_format(month, "YEAR_MONTH_FORMAT") for month in months],
        "datasets": [
            {
                "label": str(label),
                "data": [cells.get((month, kind), {}).get("reached", 0) for month in months],
            }
            for kind, label in kinds.items()
        ],
    }
    conversions = selectors.conversions_by_event_kind(start=start, end=end)
    totals = {
        key: sum(row[key] for row in conversions)
        for key in conversions[0]
        if key not in ("kind", "label", "lead_conversion")
    }
    totals["lead_conversion"] = selectors.percent(totals["leads_approved"], totals["leads"])
    return render(
        request,
        "outreach/summary.html",
        {
            "form": form,
            "kinds": kinds,
            "month_rows": month_rows,
            "chart": chart,
            "conversions": conversions,
            "totals": totals,
            "surveys": selectors.survey_response_counts(start=start, end=end),
            "freshness": selectors.directory_freshness(),
            "coverage": selectors.service_coverage(),
            "focus_groups": selectors.focus_groups_by_audience(),
        },
    )
