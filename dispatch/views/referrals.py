"""The partner's page for one referral, reached by a signed, expiring link (no account): what
was referred and when, and one button per next status. It shows nothing of the person beyond
the referral's reference, service and date; confirming is recorded in the audit trail.

`referral_api`: coordinators let a directory partner confirm its referrals through the API
(POST /api/v1/referrals/{id}/status, dispatch.api) with a hand-off partner's key.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import services
from dispatch.forms import ReferralApiLinkForm
from dispatch.models import Referral, ReferralApiPartner
from volunteers.roles import Role, role_required

from ._common import _audit_change


@never_cache
@require_http_methods(["GET", "POST"])
def referral_confirm(request, token: str):
    referral = services.referral_from_token(token)
    if referral is None:
        raise Http404(_("This link is not valid or has expired."))
    if request.method == "POST":
        try:
            services.referral_confirm(referral=referral, status=request.POST.get("status", ""), via="link")
        except services.DispatchError as exc:
            messages.error(request, str(exc))
        else:
            _audit_change(
                request,
                "dispatch.referral",
                referral.pk,
                f"partner confirmed: {referral.status}",
                actor=None,
                actor_label=f"partner link: {referral.partner}",
            )
            messages.success(
                request,
                _("Thank you: the referral is marked %(status)s.")
                % {"status": referral.get_status_display()},
            )
        return redirect("dispatch:referral_confirm", token=token)
    choices = [
        (value, Referral.Status(value).label) for value in services.REFERRAL_MOVES.get(referral.status, ())
    ]
    return render(request, "dispatch/referral_confirm.html", {"referral": referral, "choices": choices})


def _referral_api_page(request, *, form=None, status: int = 200):
    links = ReferralApiPartner.objects.select_related("handoff_partner", "partner").order_by("partner__name")
    return render(
        request,
        "dispatch/referral_api.html",
        {"links": links, "form": form or ReferralApiLinkForm()},
        status=status,
    )


@never_cache
@role_required(Role.COORDINATOR)
@require_GET
def referral_api(request):
    return _referral_api_page(request)


@never_cache
@role_required(Role.COORDINATOR)
@require_POST
def referral_api_link(request):
    form = ReferralApiLinkForm(request.POST)
    if not form.is_valid():
        return _referral_api_page(request, form=form, status=400)
    try:
        services.referral_api_link(**form.cleaned_data, by=request.user)
    except services.DispatchError as exc:
        form.add_error(None, str(exc))
        return _referral_api_page(request, form=form, status=400)
    messages.success(
        request,
        _("%(partner)s can now confirm its referrals through the API.")
        % {"partner": form.cleaned_data["partner"]},
    )
    return redirect("dispatch:referral_api")


@never_cache
@role_required(Role.COORDINATOR)
@require_POST
def referral_api_unlink(request, pk: int):
    link = get_object_or_404(ReferralApiPartner, pk=pk)
    services.referral_api_unlink(link=link, by=request.user)
    messages.success(request, _("The API key no longer confirms referrals."))
    return redirect("dispatch:referral_api")
