"""Incidents, as dispatchers see them: the incident page and its live timeline, status, note,
outcome, close and cancel, texting more responders, and resending a failed text.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.decorators import audited_view
from dispatch import selectors, services
from dispatch.forms import (
    CancelForm,
    ChangeDecisionForm,
    HandPickForm,
    NoteForm,
    NotifyMoreForm,
    OutcomeForm,
)
from dispatch.models import Incident, Notification
from volunteers.roles import Role, role_required

from ._common import INCIDENT, _audit_change, _outcome_input


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
        "change_decision_form": ChangeDecisionForm(),
    }
    if incident.is_open and incident.accepted_count < incident.team_size:
        context["staffing"] = selectors.staffing_for(incident)
        context["hand_pick"] = selectors.hand_pick_candidates(incident)
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
        "alarms": list(
            incident.alarms.filter(resolved_at__isnull=True).select_related("volunteer", "acknowledged_by")
        ),
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


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_hand_pick(request, pk: int):
    """Text responders picked by hand; those busy or off shift need a second, confirming POST."""
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    form = HandPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the responders to text."))
        return redirect(incident)
    picked = list(form.cleaned_data["responders"])
    if not form.cleaned_data["confirmed"]:
        flags = {v.pk: v for v in selectors.hand_pick_candidates(incident)}
        unusual = [
            flags[v.pk] for v in picked if v.pk in flags and (flags[v.pk].busy_on or not flags[v.pk].on_shift)
        ]
        if unusual:
            return render(
                request,
                "dispatch/hand_pick_confirm.html",
                {"incident": incident, "picked": picked, "unusual": unusual},
            )

    def action(incident):
        count = services.incident_hand_pick(incident=incident, by=request.user, volunteers=picked)
        messages.success(request, _("%(count)s responders texted.") % {"count": count})

    return _incident_action(request, pk, action, what="responders hand-picked")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_renotify(request, pk: int):
    def action(incident):
        count = services.incident_renotify(incident=incident, by=request.user)
        messages.success(request, _("%(count)s responders texted again.") % {"count": count})

    return _incident_action(request, pk, action, what="unanswered responders texted again")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_widen(request, pk: int):
    def action(incident):
        count = services.incident_widen(incident=incident, by=request.user)
        messages.success(request, _("%(count)s trained responders texted.") % {"count": count})

    return _incident_action(request, pk, action, what="call-out widened to every trained responder")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def incident_change_decision(request, pk: int):
    incident = selectors.incident_get_for_dispatcher(user=request.user, pk=pk)
    form = ChangeDecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "dispatch/incident.html",
            _incident_context(request, incident, change_decision_form=form),
            status=400,
        )
    data = form.cleaned_data
    try:
        services.incident_change_decision(
            incident=incident,
            by=request.user,
            decision=data["decision"],
            reason=data["reason"],
            handoff_to=data["handoff_to"],
            referral=services.ReferralChoice(partner=data["referral_partner"])
            if data["referral_partner"]
            else None,
        )
    except services.DispatchError as exc:
        messages.error(request, str(exc))
    else:
        _audit_change(request, INCIDENT, incident.pk, f"decision changed: {data['decision']}")
        messages.success(request, _("Decision changed; the call-out is stood down."))
    return redirect(incident)
