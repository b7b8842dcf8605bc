"""Onboarding: a volunteer's checklists and shadow-shift signing; the coordinators' review and records."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers import selectors, services
from volunteers.forms import OnboardingRecordForm, ShadowSignForm
from volunteers.models import ShiftRole
from volunteers.roles import role_required

from ._common import VOLUNTEER_ROLES, _no_profile, _own, _volunteer_action, coordinator_required


@role_required(*VOLUNTEER_ROLES)
def my_onboarding(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    experienced = selectors.experienced_in(volunteer)
    context = {
        "volunteer": volunteer,
        "checklists": [
            {
                "role": ShiftRole(role),
                "statuses": selectors.onboarding_status(volunteer, role),
                "ready": selectors.role_ready(volunteer, role),
            }
            for role in selectors.onboarding_roles_for(volunteer)
        ],
        "agreements": selectors.current_agreements(),
        "agreements_accepted": selectors.agreements_accepted(volunteer),
        "experienced": experienced,
        "shadow_form": ShadowSignForm(signer=volunteer) if experienced else None,
    }
    return render(request, "volunteers/my_onboarding.html", context)


@require_POST
@role_required(*VOLUNTEER_ROLES)
def shadow_shift_sign(request):
    signer = _own(request)
    if signer is None:
        raise Http404
    form = ShadowSignForm(request.POST, signer=signer)
    if not form.is_valid():
        messages.error(request, _("Choose the volunteer and the role of the shadow shift."))
        return redirect("volunteers:my_onboarding")
    try:
        services.shadow_shift_sign(
            trainee=form.cleaned_data["trainee"],
            step=form.cleaned_data["step"],
            signer=signer,
            note=form.cleaned_data["note"],
        )
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Shadow shift signed."))
    return redirect("volunteers:my_onboarding")


@coordinator_required
def onboarding_review(request):
    role = request.GET.get("role") if request.GET.get("role") in ShiftRole.values else ShiftRole.DISPATCHER
    context = {
        "role": ShiftRole(role),
        "roles": ShiftRole.choices,
        "steps": selectors.onboarding_steps(role),
        "rows": selectors.onboarding_review(role=role),
    }
    return render(request, "volunteers/onboarding_review.html", context)


@require_POST
@coordinator_required
def onboarding_record_add(request, pk: int):
    form = OnboardingRecordForm(request.POST)

    def act(volunteer):
        if not form.is_valid():
            raise services.VolunteerError(_("Choose the step done."))
        services.onboarding_record_add(
            volunteer=volunteer,
            step=form.cleaned_data["step"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        return _("Onboarding step recorded.")

    return _volunteer_action(request, pk, act)
