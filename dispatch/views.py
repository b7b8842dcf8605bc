"""Views of the dispatch app: HTTP in, one service call, HTML out.

Pages that show caller data are `never_cache` (Cache-Control: no-store); every view and change
of an intake or incident goes to the audit trail (the live partials the open pages poll do not:
the page that polls them was recorded). Responders reach their page by a signed, expiring link.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.decorators import audited_view
from audit.services import Action, audit_record
from dispatch import selectors, services
from dispatch.forms import (
    CancelForm,
    FieldContactForm,
    HandOverForm,
    NoteForm,
    NotifyMoreForm,
    OutcomeForm,
    ProtocolMetaForm,
    QuestionForm,
    QuestionFormSet,
    RuleForm,
    RuleFormSet,
    TriageForm,
    raw_answers,
)
from dispatch.models import (
    Decision,
    Incident,
    IncidentResponder,
    Notification,
    ProtocolVersion,
    pick_language,
)
from dispatch.protocol import clean_answers, recommend
from outreach.forms import PartnerSearchForm
from outreach.selectors import partner_search
from volunteers.models import Area
from volunteers.roles import Role, role_required
from volunteers.selectors import volunteer_for_user

INTAKE, INCIDENT = "hotline.intake", "dispatch.incident"


def _audit_change(
    request, subject: str, pk: int, what: str, *, action: str = Action.CHANGED, **actor
) -> None:
    """Record a change made through this request (`actor`/`actor_label` default to the user)."""
    audit_record(
        action=action,
        subject=subject,
        ids=[pk],
        what=what,
        actor=actor.get("actor", request.user),
        actor_label=actor.get("actor_label", ""),
        path=request.path,
    )


# --- Console -----------------------------------------------------------------------------------


def _queue_context() -> dict:
    now = timezone.now()
    intakes = list(selectors.queue_intakes(now=now))
    incidents = list(selectors.open_incidents())
    alerts = [
        i for i in incidents if i.failed_count or (i.escalation_level and i.accepted_count < i.team_size)
    ]
    return {
        "now": now,
        "intakes": intakes,
        "incidents": incidents,
        "alerts": alerts,
        "newest_intake": max((i.pk for i in intakes), default=0),
        "alert_key": ",".join(f"{i.pk}:{i.escalation_level}:{i.failed_count}" for i in alerts),
    }


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def console(request):
    return render(request, "dispatch/console.html", _queue_context())


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def queue(request):
    """The live part of the console, polled by htmx every two seconds."""
    return render(request, "dispatch/_queue.html", _queue_context())


# --- Intakes and triage ------------------------------------------------------------------------


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


# --- Incidents (dispatchers) -------------------------------------------------------------------


def _incident_context(request, incident, **forms) -> dict:
    context = {
        **_incident_live_context(incident),
        "triage": incident.triage,
        "note_form": NoteForm(),
        "outcome_form": OutcomeForm(
            initial={
                "outcome": incident.outcome,
                "transported_by": incident.transported_by,
                "notes": incident.outcome_notes,
                "follow_up_needed": incident.follow_up_needed,
                "follow_up_notes": incident.follow_up_notes,
            }
        ),
        "cancel_form": CancelForm(),
        "candidates": selectors.responder_candidates(
            call_type=incident.call_type,
            language=incident.language,
            area=incident.area,
            exclude_incident=incident,
        )
        if incident.is_open
        else [],
        "statuses": [(s, Incident.Status(s).label) for s in services.FIELD_STATUSES],
    }
    context.update(forms)
    return context


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
@audited_view(INCIDENT, what="incident page")
def incident(request, pk: int):
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    return render(request, "dispatch/incident.html", _incident_context(request, incident))


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def incident_live(request, pk: int):
    """The team, texts and timeline of an incident, polled by htmx every three seconds."""
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    return render(request, "dispatch/_incident_live.html", {**_incident_live_context(incident), "oob": True})


def _incident_live_context(incident) -> dict:
    return {
        "incident": incident,
        "team": incident.responders.select_related("volunteer").order_by("status", "notified_at"),
        "notifications": incident.notifications.select_related("volunteer").order_by("-created_at", "-pk")[
            :200
        ],
        "events": selectors.incident_timeline(incident),
    }


def _incident_action(request, pk: int, action, *, what: str) -> HttpResponse:
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    try:
        response = action(incident)
    except services.DispatchError as exc:
        messages.error(request, str(exc))
        return redirect(incident)
    _audit_change(request, INCIDENT, incident.pk, what)
    return response or redirect(incident)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_status(request, pk: int):
    def action(incident):
        services.incident_record_status(
            incident=incident,
            status=request.POST.get("status", ""),
            by=request.user,
            note=request.POST.get("note", ""),
        )

    return _incident_action(request, pk, action, what=f"status: {request.POST.get('status', '')}"[:60])


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_note(request, pk: int):
    def action(incident):
        form = NoteForm(request.POST)
        if not form.is_valid():
            raise services.DispatchError(_("Write a note first."))
        services.incident_add_note(incident=incident, note=form.cleaned_data["note"], by=request.user)

    return _incident_action(request, pk, action, what="note added")


def _outcome_input(form: OutcomeForm) -> services.OutcomeInput:
    data = form.cleaned_data
    referral = None
    if data["referral_partner"]:
        referral = services.ReferralChoice(
            partner=data["referral_partner"], service_type=data["referral_service"]
        )
    return services.OutcomeInput(
        outcome=data["outcome"],
        transported_by=data["transported_by"],
        notes=data["notes"],
        follow_up_needed=data["follow_up_needed"],
        follow_up_notes=data["follow_up_notes"],
        referral=referral,
    )


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_outcome(request, pk: int):
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "dispatch/incident.html",
            _incident_context(request, incident, outcome_form=form),
            status=400,
        )
    try:
        services.incident_record_outcome(incident=incident, data=_outcome_input(form), by=request.user)
    except services.DispatchError as exc:
        messages.error(request, str(exc))
    else:
        _audit_change(request, INCIDENT, incident.pk, "outcome recorded")
        messages.success(request, _("Outcome recorded."))
    return redirect(incident)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_close(request, pk: int):
    def action(incident):
        services.incident_close(incident=incident, by=request.user)
        messages.success(request, _("Incident %(code)s closed.") % {"code": incident.code})

    return _incident_action(request, pk, action, what="closed")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_cancel(request, pk: int):
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "dispatch/incident.html",
            _incident_context(request, incident, cancel_form=form),
            status=400,
        )
    try:
        services.incident_cancel(incident=incident, by=request.user, reason=form.cleaned_data["reason"])
    except services.DispatchError as exc:
        messages.error(request, str(exc))
    else:
        _audit_change(request, INCIDENT, incident.pk, "cancelled")
    return redirect(incident)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_notify_more(request, pk: int):
    def action(incident):
        form = NotifyMoreForm(request.POST)
        if not form.is_valid():
            raise services.DispatchError(_("Tick the responders to text."))
        count = services.incident_notify_more(
            incident=incident, by=request.user, volunteers=form.cleaned_data["responders"]
        )
        messages.success(request, _("%(count)s more responders texted.") % {"count": count})

    return _incident_action(request, pk, action, what="more responders texted")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def notification_resend(request, pk: int):
    notification = get_object_or_404(Notification.objects.select_related("incident"), pk=pk)
    try:
        services.notification_resend(notification=notification, by=request.user)
    except services.DispatchError as exc:
        messages.error(request, str(exc))
    else:
        if notification.incident_id:
            _audit_change(request, INCIDENT, notification.incident_id, "text resent")
        messages.success(request, _("The text is being sent again."))
    if notification.incident_id:
        return redirect(notification.incident)
    return redirect("dispatch:console")


# --- Responders --------------------------------------------------------------------------------


def _responder_context(assignment: IncidentResponder, token: str, **extra) -> dict:
    incident = assignment.incident
    on_team = assignment.status == IncidentResponder.Status.ACCEPTED
    context = {
        "assignment": assignment,
        "incident": incident,
        "token": token,
        "on_team": on_team,
        "can_answer": incident.is_open
        and assignment.status in (IncidentResponder.Status.NOTIFIED, IncidentResponder.Status.DECLINED),
        "events": selectors.incident_timeline(incident) if on_team else [],
        "statuses": [(s, Incident.Status(s).label) for s in services.FIELD_STATUSES],
        "outcome_form": OutcomeForm(),
        "note_form": NoteForm(),
    }
    context.update(extra)
    return context


def _link_actor(assignment: IncidentResponder) -> dict:
    """Who acts on a signed responder link: the volunteer's account, named as such."""
    volunteer = assignment.volunteer
    return {"actor": volunteer.user, "actor_label": f"responder link: {volunteer}"[:120]}


@never_cache
@require_GET
def responder(request, token: str):
    """The responder's page, reached by the signed link in their text (no login)."""
    assignment = selectors.responder_assignment_from_token(token)
    response = render(request, "dispatch/responder.html", _responder_context(assignment, token))
    _audit_change(
        request,
        INCIDENT,
        assignment.incident_id,
        "responder page",
        action=Action.VIEWED,
        **_link_actor(assignment),
    )
    return response


@never_cache
@require_POST
def responder_action(request, token: str):
    assignment = selectors.responder_assignment_from_token(token)
    incident, volunteer = assignment.incident, assignment.volunteer
    action = request.POST.get("action", "")
    url = reverse("dispatch:responder", args=[token])
    try:
        if action in ("accept", "decline"):
            answer = services.responder_answer(
                assignment=assignment, accept=action == "accept", via_sms=False
            )
            _audit_change(request, INCIDENT, incident.pk, action, **_link_actor(assignment))
            if answer.status == IncidentResponder.Status.TEAM_FULL:
                messages.info(request, _("Thank you! The team is already full, no need to go."))
            return redirect(url)
        if assignment.status != IncidentResponder.Status.ACCEPTED:
            raise PermissionDenied
        if action in services.FIELD_STATUSES:
            services.incident_record_status(incident=incident, status=action, volunteer=volunteer)
        elif action == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                raise services.DispatchError(_("Write a note first."))
            services.incident_add_note(incident=incident, note=form.cleaned_data["note"], volunteer=volunteer)
        elif action == "outcome":
            form = OutcomeForm(request.POST)
            if not form.is_valid():
                context = _responder_context(assignment, token, outcome_form=form)
                return render(request, "dispatch/responder.html", context, status=400)
            services.incident_record_outcome(
                incident=incident, data=_outcome_input(form), volunteer=volunteer
            )
            messages.success(request, _("Outcome recorded. Thank you."))
        else:
            return HttpResponseBadRequest(_("Unknown action."))
        _audit_change(request, INCIDENT, incident.pk, action, **_link_actor(assignment))
    except services.DispatchError as exc:
        messages.error(request, str(exc))
    return redirect(url)


@never_cache
@role_required(Role.RESPONDER)
@require_GET
def my_incidents(request):
    """A signed-in responder's open call-outs, each linking to its responder page."""
    volunteer = volunteer_for_user(request.user)
    rows = list(selectors.incidents_for_volunteer(volunteer)) if volunteer else []
    for row in rows:
        row.link = selectors.responder_path(incident=row.incident, volunteer=volunteer)
    return render(request, "dispatch/my_incidents.html", {"rows": rows})


@never_cache
@role_required(Role.RESPONDER)
def field_contact(request):
    """A responder on shift opens an incident for someone they met; then the responder page."""
    volunteer = volunteer_for_user(request.user)
    if volunteer is None:
        raise PermissionDenied
    form = FieldContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_open_field(
                volunteer=volunteer, user=request.user, **form.cleaned_data
            )
        except services.DispatchError as exc:
            messages.error(request, str(exc))
        else:
            _audit_change(request, INCIDENT, incident.pk, "field contact opened", action=Action.CREATED)
            return redirect(selectors.responder_path(incident=incident, volunteer=volunteer))
    return render(request, "dispatch/field_contact.html", {"form": form})


# --- Protocol ----------------------------------------------------------------------------------


@role_required(Role.DISPATCHER)
@require_GET
def protocol(request):
    return protocol_version(request, selectors.current_protocol().number)


@role_required(Role.DISPATCHER)
@require_GET
def protocol_version(request, number: int):
    version = get_object_or_404(ProtocolVersion.objects.select_related("created_by"), number=number)
    return render(
        request,
        "dispatch/protocol.html",
        {
            "version": version,
            "current": selectors.current_protocol(),
            "versions": ProtocolVersion.objects.annotate(triage_count=Count("triages"))[:50],
            "questions": version.questions.all(),
            "rules": version.rules.all(),
            "spec": selectors.protocol_spec(version),
            "language": pick_language(get_language()),
        },
    )


@role_required(Role.COORDINATOR)
def protocol_edit(request):
    """Edit the protocol; saving makes the next version (triages keep the one they used)."""
    current = selectors.current_protocol()
    if request.method == "POST":
        questions = QuestionFormSet(request.POST, prefix="questions")
        rules = RuleFormSet(request.POST, prefix="rules")
        meta = ProtocolMetaForm(request.POST)
        if questions.is_valid() and rules.is_valid() and meta.is_valid():
            try:
                version = services.protocol_version_create(
                    questions=[form.to_input() for form in questions.ordered_forms_kept()],
                    rules=[form.to_input() for form in rules.ordered_forms_kept()],
                    default_recommendation=meta.cleaned_data["default_recommendation"],
                    change_note=meta.cleaned_data["change_note"],
                    by=request.user,
                )
            except services.DispatchError as exc:
                meta.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Protocol version %(number)s saved.") % {"number": version.number}
                )
                return redirect(version)
        status = 400
    else:
        questions = QuestionFormSet(
            prefix="questions",
            initial=[
                QuestionForm.initial_for(q) | {"ORDER": i} for i, q in enumerate(current.questions.all(), 1)
            ],
        )
        rules = RuleFormSet(
            prefix="rules",
            initial=[RuleForm.initial_for(r) | {"ORDER": i} for i, r in enumerate(current.rules.all(), 1)],
        )
        meta = ProtocolMetaForm(initial=ProtocolMetaForm.initial_for(current))
        status = 200
    return render(
        request,
        "dispatch/protocol_edit.html",
        {
            "current": current,
            "questions": questions,
            "rules": rules,
            "meta": meta,
            "areas": Area.objects.all(),
        },
        status=status,
    )
