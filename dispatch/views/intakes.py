"""Intakes and triage: the intake page, claiming, releasing and handing it over, the screening
protocol's live recommendation and responder candidates, the partner search for referrals, and
the decision (`services.triage_decide`, which opens the incident for "send responders").
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.services import Action
from dispatch import selectors, services
from dispatch.forms import HandOverForm, TriageForm, raw_answers
from dispatch.models import Decision, pick_language
from dispatch.protocol import clean_answers, recommend
from hotline.selectors import call_control_panel
from outreach.forms import PartnerSearchForm
from outreach.selectors import partner_search
from volunteers.roles import Role, role_required

from ._common import INCIDENT, INTAKE, _audit_change
from .cases import evidence_forms


def _triage_form(triage, *, data=None) -> TriageForm:
    spec = selectors.protocol_spec(triage.protocol)
    initial = {f"q_{key}": value for key, value in triage.answers.items()}
    initial["notes"] = triage.notes
    return TriageForm(data, spec=spec, language=pick_language(get_language()), initial=initial)


def _intake_context(request, intake, *, form=None) -> dict:
    triage = selectors.triage_for(intake)
    mine = bool(triage and triage.claimed_by_id == request.user.pk and not triage.decision)
    if mine and form is None:
        form = _triage_form(triage)
    recommendation = None
    if triage is not None and form is not None:
        spec = form.spec
        source = form.data if form.is_bound else {f"q_{k}": v for k, v in triage.answers.items()}
        answers, _errors = clean_answers(spec, raw_answers(spec, source))
        recommendation = recommend(spec, answers)
    return {
        "intake": intake,
        "triage": triage,
        "mine": mine,
        "form": form,
        "recommendation": recommendation,
        "history": selectors.caller_history(intake),
        "conversation": intake.messages.order_by("created_at", "pk") if intake.channel == "sms" else None,
        "handover_form": HandOverForm(exclude_user=request.user) if mine else None,
        "partner_form": PartnerSearchForm(prefix="ps"),
        "candidates": _candidates_for(triage) if mine else [],
        "language": pick_language(get_language()),
        "now": timezone.now(),
        "cc": call_control_panel(intake=intake, user=request.user),
        **(evidence_forms(intake) if triage is not None and triage.decision else {}),
    }


def _candidates_for(triage, *, call_type=None, area=None, language=None):
    return selectors.responder_candidates(
        call_type=call_type if call_type is not None else triage.call_type,
        language=language if language is not None else triage.language,
        area=area if area is not None else triage.area,
    )


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def intake(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    services.intake_view_record(intake=intake, user=request.user, path=request.path)
    return render(request, "dispatch/intake.html", _intake_context(request, intake))


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_claim(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    try:
        services.triage_claim(intake=intake, user=request.user)
    except services.DispatchError as exc:
        messages.error(request, str(exc))
        return redirect("dispatch:console")
    _audit_change(request, INTAKE, intake.pk, "claimed")
    return redirect("dispatch:intake", pk=intake.pk)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_release(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    triage = selectors.triage_for(intake)
    if triage is None:
        return HttpResponseBadRequest(_("This intake is not claimed."))
    try:
        services.triage_release(triage=triage, user=request.user)
    except services.DispatchError as exc:
        messages.error(request, str(exc))
        return redirect("dispatch:intake", pk=intake.pk)
    _audit_change(request, INTAKE, intake.pk, "released")
    messages.info(request, _("Intake #%(pk)s is back in the queue.") % {"pk": intake.pk})
    return redirect("dispatch:console")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_hand_over(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    triage = selectors.triage_for(intake)
    form = HandOverForm(request.POST, exclude_user=request.user)
    if triage is None or not form.is_valid():
        messages.error(request, _("Choose a dispatcher to hand the intake to."))
        return redirect("dispatch:intake", pk=intake.pk)
    try:
        services.triage_hand_over(triage=triage, user=request.user, to=form.cleaned_data["to"])
    except services.DispatchError as exc:
        messages.error(request, str(exc))
        return redirect("dispatch:intake", pk=intake.pk)
    _audit_change(request, INTAKE, intake.pk, f"handed over to {form.cleaned_data['to'].get_username()}")
    messages.info(request, _("Intake #%(pk)s handed over.") % {"pk": intake.pk})
    return redirect("dispatch:console")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_recommendation(request, pk: int):
    """The live recommendation (htmx): keeps the answers so far, returns the panel."""
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    triage = selectors.triage_for(intake)
    if triage is None:
        return HttpResponseBadRequest(_("Claim the intake first."))
    spec = selectors.protocol_spec(triage.protocol)
    try:
        triage, recommendation = services.triage_save_answers(
            triage=triage,
            user=request.user,
            raw_answers=raw_answers(spec, request.POST),
            notes=request.POST.get("notes"),
        )
    except services.DispatchError as exc:
        return HttpResponse(
            # Shown in the panel (htmx swaps only successful answers): the claim was lost.
            format_html('<div class="alert alert-danger" role="alert">{}</div>', exc)
        )
    return render(
        request,
        "dispatch/_recommendation.html",
        {"recommendation": recommendation, "spec": spec, "language": pick_language(get_language())},
    )


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def intake_candidates(request, pk: int):
    """Responders who could be texted for the answers given so far (htmx)."""
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    triage = selectors.triage_for(intake)
    if triage is None:
        return HttpResponseBadRequest(_("Claim the intake first."))
    spec = selectors.protocol_spec(triage.protocol)
    answers, _errors = clean_answers(spec, raw_answers(spec, request.GET))
    fields = services.derived_fields(spec, answers)
    candidates = selectors.responder_candidates(
        call_type=fields.get("call_type"), language=fields.get("language", ""), area=fields.get("area")
    )
    return render(
        request,
        "dispatch/_candidates.html",
        {"candidates": candidates, "selected": request.GET.getlist("responders")},
    )


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def partners(request):
    """Partner search for referrals (htmx): by service, area, language and words."""
    form = PartnerSearchForm(request.GET, prefix="ps")
    results = (
        partner_search(**form.search_arguments()).filter(accepts_referrals=True)[:25]
        if form.is_valid()
        else []
    )
    return render(
        request,
        "dispatch/_partners.html",
        {"partners": results, "field_name": request.GET.get("field", "referral_partner")},
    )


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_decide(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    triage = selectors.triage_for(intake)
    if triage is None or triage.claimed_by_id != request.user.pk or triage.decision:
        messages.error(request, _("You do not hold this intake."))
        return redirect("dispatch:intake", pk=intake.pk)
    form = _triage_form(triage, data=request.POST)
    if not form.is_valid():
        services.intake_view_record(intake=intake, user=request.user, path=request.path)
        context = _intake_context(request, intake, form=form)
        return render(request, "dispatch/intake.html", context, status=400)
    data = form.cleaned_data
    decision = data["decision"]
    referral = None
    if decision == Decision.REFER:
        referral = services.ReferralChoice(
            partner=data["referral_partner"],
            service_type=data["referral_service"],
            notes=data["referral_notes"],
        )
    call_out = services.CallOut(
        responders=list(data["responders"]) or None, team_size=data["team_size"], details=data["details"]
    )
    try:
        triage = services.triage_decide(
            triage=triage,
            user=request.user,
            raw_answers=form.answers(),
            decision=decision,
            override_reason=data["override_reason"],
            notes=data["notes"],
            handoff_to=data["handoff_to"],
            handoff_at=data.get("handoff_at"),
            referral=referral,
            call_out=call_out,
            follow_up_what=data["follow_up_what"] if data["follow_up"] else None,
            follow_up_declined=data["follow_up_declined"],
        )
    except services.DispatchError as exc:
        messages.error(request, str(exc))
        return redirect("dispatch:intake", pk=intake.pk)
    _audit_change(request, INTAKE, intake.pk, f"triaged: {decision}")
    if decision == Decision.SEND_RESPONDERS:
        _audit_change(request, INCIDENT, triage.incident.pk, "opened", action=Action.CREATED)
        incident = triage.incident
        messages.success(
            request, _("Incident %(code)s opened; responders are being texted.") % {"code": incident.code}
        )
        return redirect(incident)
    messages.success(
        request,
        _("Intake #%(pk)s triaged: %(decision)s.")
        % {"pk": intake.pk, "decision": triage.get_decision_display()},
    )
    return redirect("dispatch:console")
