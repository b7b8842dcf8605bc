"""The partner's page for one referral, reached by a signed, expiring link (no account): what
was referred and when, and one button per next status. It shows nothing of the person beyond
the referral's reference, service and date; confirming is recorded in the audit trail.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dispatch import services
from dispatch.models import Referral

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
