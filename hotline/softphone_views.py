"""The console softphone's endpoints (hotline.softphone): its access token, its presence (ready to
be rung, or not), and the dispatcher's opt-in. Routed in hotline/urls.py.

The token and presence endpoints answer JSON to the console's script: 403 with a reason code for
anyone who may not have a token (signed out included: a script cannot follow a login page), and
never cached.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline.softphone import (
    SoftphoneRefused,
    softphone_opt_in_set,
    softphone_presence_set,
    softphone_token,
    softphone_volunteer,
)
from volunteers.roles import Role, role_required
from volunteers.selectors import volunteer_for_user


def _refused(exc: SoftphoneRefused) -> JsonResponse:
    return JsonResponse({"error": exc.reason}, status=403)


@never_cache
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    """A short-lived Twilio access token (VoiceGrant) for the signed-in dispatcher's browser."""
    try:
        issued = softphone_token(user=request.user, path=request.path)
    except SoftphoneRefused as exc:
        return _refused(exc)
    return JsonResponse({"token": issued.jwt, "identity": issued.identity, "ttl": issued.ttl})


@never_cache
@require_POST
def presence(request: HttpRequest) -> JsonResponse:
    """state=ready: the console registered with Twilio; state=off: it cannot take calls (no
    microphone, cannot connect, closing), so the dispatcher is rung on the phone only."""
    state = request.POST.get("state", "")
    if state == "off" and request.user.is_authenticated:
        volunteer = volunteer_for_user(request.user)
        if volunteer is not None:
            softphone_presence_set(volunteer=volunteer, ready=False)
            return JsonResponse({"ready": False})
    try:
        volunteer = softphone_volunteer(user=request.user)
    except SoftphoneRefused as exc:
        return _refused(exc)
    if state != "ready":
        return JsonResponse({"error": "state must be ready or off"}, status=400)
    softphone_presence_set(volunteer=volunteer, ready=True)
    return JsonResponse({"ready": True})


@role_required(Role.DISPATCHER)
@require_POST
def opt_in(request: HttpRequest):
    """The dispatcher turns answering in the browser on (on=1) or off, then goes back."""
    volunteer = volunteer_for_user(request.user)
    if volunteer is None:
        raise Http404("No volunteer record for this account.")
    softphone_opt_in_set(volunteer=volunteer, on=request.POST.get("on") == "1", by=request.user)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)
