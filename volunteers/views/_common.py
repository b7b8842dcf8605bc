"""What several volunteers views share: the role guards, the signed-in volunteer, a coordinator's action on a volunteer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from volunteers import selectors, services
from volunteers.models import Volunteer
from volunteers.roles import Role, role_required

VOLUNTEER_ROLES = (Role.VOLUNTEER, Role.RESPONDER, Role.DISPATCHER)

coordinator_required = role_required(Role.COORDINATOR)


def _own(request) -> Volunteer | None:
    return selectors.volunteer_for_user(request.user)


def _no_profile(request):
    return render(request, "volunteers/no_profile.html")


def _volunteer_action(request, pk: int, action) -> HttpResponse:
    volunteer = get_object_or_404(Volunteer, pk=pk)
    try:
        message = action(volunteer)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        if message:
            messages.success(request, message)
    return redirect(request.POST.get("next") or volunteer.get_absolute_url())
