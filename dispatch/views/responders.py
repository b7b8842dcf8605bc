"""The responder's side: the page a responder reaches by the signed, expiring link in their text
(answer YES/NO, then status, notes and outcome without logging in), "my incidents" for a
signed-in responder, and the field contact a responder on shift opens on the spot.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.services import Action
from dispatch import selectors, services
from dispatch.forms import FieldContactForm, NoteForm, OutcomeForm
from dispatch.models import Incident, IncidentResponder
from volunteers.roles import Role, role_required
from volunteers.selectors import volunteer_for_user

from ._common import INCIDENT, _audit_change, _outcome_input


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
        "checking_in": on_team and incident.is_open and incident.status in services.CHECKIN_STATUSES,
        "backup_open": on_team and incident.alarms.filter(kind="backup", resolved_at__isnull=True).exists(),
        "sharing": on_team and assignment.shared_at is not None,
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
        if action == "checkin":
            services.incident_check_in(incident=incident, volunteer=volunteer, via_sms=False)
            messages.success(request, _("Check-in recorded. Stay safe."))
        elif action == "backup":
            services.incident_request_backup(incident=incident, volunteer=volunteer, via_sms=False)
            messages.warning(
                request,
                _("Every dispatcher sees your request for backup. If anyone is in danger, call 911 now."),
            )
        elif action in services.FIELD_STATUSES:
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
@require_POST
def responder_location(request, token: str):
    """The responder's phone reports where it is (their page's "Share my location", with their
    consent, while on the team of an open incident), or `stop` forgets it. 204 when done."""
    assignment = selectors.responder_assignment_from_token(token)
    if request.POST.get("stop"):
        if services.responder_stop_sharing(assignment=assignment):
            _audit_change(
                request,
                INCIDENT,
                assignment.incident_id,
                "location no longer shared",
                **_link_actor(assignment),
            )
        return HttpResponse(status=204)
    if assignment.status != IncidentResponder.Status.ACCEPTED:
        raise PermissionDenied
    try:
        services.responder_share_location(
            assignment=assignment,
            latitude=request.POST.get("latitude", ""),
            longitude=request.POST.get("longitude", ""),
            accuracy=request.POST.get("accuracy"),
        )
    except services.DispatchError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)


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
