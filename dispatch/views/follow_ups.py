"""Follow-ups, as dispatchers and coordinators see them: the list (due, overdue, mine), one
follow-up's page with the person's number, and its acts: take it, give it back, call through
the hotline number, text, and record the result (which may schedule the next try). Pages show
caller data, so they are `never_cache` and every view and change goes to the audit trail.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.decorators import audited_view
from audit.services import Action, audit_record
from dispatch import selectors, services
from dispatch.forms import FollowUpResultForm, FollowUpTextForm
from volunteers.roles import Role, has_role, role_required

from ._common import _audit_change
from .cases import evidence_forms

FOLLOW_UP = "dispatch.followup"


def _own_phone(user) -> str:
    volunteer = getattr(user, "volunteer", None)
    return str(volunteer.phone) if volunteer and volunteer.phone else ""


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def follow_ups(request):
    view = request.GET.get("view", "due")
    if view not in selectors.FOLLOW_UP_VIEWS:
        view = "due"
    now = timezone.now()
    rows = list(selectors.follow_ups_waiting(view=view, user=request.user, now=now)[:500])
    if rows:
        audit_record(
            action=Action.VIEWED,
            subject=FOLLOW_UP,
            ids=[row.pk for row in rows],
            what="follow-up list",
            actor=request.user,
            path=request.path,
        )
    return render(
        request,
        "dispatch/follow_ups.html",
        {
            "rows": rows,
            "view": view,
            "now": now,
            "views": [
                ("due", _("Due today")),
                ("overdue", _("Overdue")),
                ("mine", _("Mine")),
                ("all", _("All waiting")),
            ],
        },
    )


def _follow_up_context(request, follow_up, **forms) -> dict:
    intake = follow_up.triage.intake
    return {
        "follow_up": follow_up,
        "intake": intake,
        "now": timezone.now(),
        "holder": follow_up.claimed_by_id == request.user.pk,
        "is_coordinator": has_role(request.user, Role.COORDINATOR),
        "own_phone": _own_phone(request.user),
        "history": follow_up.triage.follow_ups.exclude(pk=follow_up.pk).select_related("done_by"),
        "declined": services.caller_declined_follow_up(triage=follow_up.triage),
        "result_form": forms.get("result_form") or FollowUpResultForm(),
        "text_form": forms.get("text_form") or FollowUpTextForm(),
        "next": follow_up.get_absolute_url(),
        **evidence_forms(intake),
    }


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
@audited_view(FOLLOW_UP, what="follow-up page")
def follow_up(request, pk: int):
    follow_up = selectors.follow_up_get_for_dispatcher(user=request.user, pk=pk)
    return render(request, "dispatch/follow_up.html", _follow_up_context(request, follow_up))


def _act(request, pk: int, action, *, what: str):
    follow_up = selectors.follow_up_get_for_dispatcher(user=request.user, pk=pk)
    try:
        message = action(follow_up)
    except services.DispatchError as exc:
        messages.error(request, str(exc))
    else:
        _audit_change(request, FOLLOW_UP, follow_up.pk, what)
        messages.success(request, message)
    return redirect(follow_up)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def follow_up_claim(request, pk: int):
    def action(follow_up):
        services.follow_up_claim(follow_up=follow_up, user=request.user)
        return _("The follow-up is yours.")

    return _act(request, pk, action, what="follow-up taken")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def follow_up_release(request, pk: int):
    def action(follow_up):
        services.follow_up_release(follow_up=follow_up, user=request.user)
        return _("The follow-up is back on the list.")

    return _act(request, pk, action, what="follow-up released")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def follow_up_call(request, pk: int):
    def action(follow_up):
        phone = _own_phone(request.user)
        if not phone:
            raise services.DispatchError(_("Your volunteer profile has no phone number to ring."))
        services.follow_up_call(follow_up=follow_up, user=request.user, dispatcher_phone=phone)
        return _("Your phone will ring from the hotline number. Answer it to be connected to the person.")

    return _act(request, pk, action, what="follow-up call started")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def follow_up_text(request, pk: int):
    follow_up = selectors.follow_up_get_for_dispatcher(user=request.user, pk=pk)
    form = FollowUpTextForm(request.POST)
    if not form.is_valid():
        context = _follow_up_context(request, follow_up, text_form=form)
        return render(request, "dispatch/follow_up.html", context, status=400)

    def action(follow_up):
        services.follow_up_text(follow_up=follow_up, user=request.user, body=form.cleaned_data["body"])
        return _("Text sent.")

    return _act(request, pk, action, what="follow-up text sent")


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def follow_up_result(request, pk: int):
    follow_up = selectors.follow_up_get_for_dispatcher(user=request.user, pk=pk)
    form = FollowUpResultForm(request.POST)
    if not form.is_valid():
        context = _follow_up_context(request, follow_up, result_form=form)
        return render(request, "dispatch/follow_up.html", context, status=400)
    data = form.cleaned_data

    def action(follow_up):
        services.follow_up_record_result(
            follow_up=follow_up,
            user=request.user,
            result=data["result"],
            notes=data["notes"],
            method=data["method"],
            reschedule_at=data["reschedule_at"],
        )
        return _("Result recorded.")

    return _act(request, pk, action, what=f"follow-up result: {data['result']}")
