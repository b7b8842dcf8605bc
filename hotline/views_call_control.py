"""Call control from the intake page: transfer the live call, hold the caller, leave the call,
and (coordinators) listen in or coach. Each view is a POST that calls one service of
`hotline.services.call_control`, is audited, and goes back to the page it came from.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import Action, audit_record
from hotline import selectors, services
from hotline.forms import ListenForm, TransferForm
from volunteers.roles import Role, role_required
from volunteers.selectors import volunteer_for_user

access_log = logging.getLogger("hotline.access")


def _back(request, intake):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(intake)


def _audit(request, intake, what: str) -> None:
    access_log.info("user=%s %s on intake %s", request.user.pk, what, intake.pk)
    audit_record(
        action=Action.CHANGED,
        subject="hotline.intake",
        ids=[intake.pk],
        what=what,
        actor=request.user,
        path=request.path,
    )


@require_POST
@role_required(Role.DISPATCHER)
def call_transfer(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    form = TransferForm(request.POST, targets=services.transfer_targets())
    if not form.is_valid():
        messages.error(request, _("Choose where to transfer the call."))
        return _back(request, intake)
    try:
        transfer = services.call_transfer_start(
            intake=intake,
            target_key=form.cleaned_data["target"],
            stay_on=form.cleaned_data["stay_on"],
            by=request.user,
        )
    except services.CallControlError as exc:
        messages.error(request, str(exc))
        return _back(request, intake)
    _audit(request, intake, f"call transferred to {transfer.target_label}")
    messages.success(
        request, _("Calling %(target)s. The caller stays on the line.") % {"target": transfer.label}
    )
    return _back(request, intake)


@require_POST
@role_required(Role.DISPATCHER)
def call_hold(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    hold = request.POST.get("hold") != "0"
    try:
        services.call_hold(intake=intake, hold=hold, by=request.user)
    except services.CallControlError as exc:
        messages.error(request, str(exc))
        return _back(request, intake)
    _audit(request, intake, "caller put on hold" if hold else "caller taken off hold")
    messages.success(request, _("The caller is on hold.") if hold else _("The caller is off hold."))
    return _back(request, intake)


@require_POST
@role_required(Role.DISPATCHER)
def call_leave(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    try:
        services.call_leave(intake=intake, by=request.user)
    except services.CallControlError as exc:
        messages.error(request, str(exc))
        return _back(request, intake)
    _audit(request, intake, "dispatcher left the call")
    messages.success(request, _("You left the call."))
    return _back(request, intake)


@require_POST
@role_required(Role.COORDINATOR)
def call_listen(request, pk: int):
    """Training: the coordinator's phone joins muted, or heard by the dispatcher only."""
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    form = ListenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to join the call."))
        return _back(request, intake)
    coach = form.cleaned_data["mode"] == "coach"
    volunteer = volunteer_for_user(request.user)
    phone = str(volunteer.phone) if volunteer and volunteer.phone else ""
    try:
        services.call_listen(intake=intake, coordinator_phone=phone, coach=coach, by=request.user)
    except services.CallControlError as exc:
        messages.error(request, str(exc))
        return _back(request, intake)
    _audit(request, intake, "coordinator coaching the call" if coach else "coordinator listening in")
    messages.success(request, _("Your phone will ring; answer it to join the call."))
    return _back(request, intake)
