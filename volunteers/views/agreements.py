"""The community agreements: reading, accepting, and (coordinators) publishing a new version."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers import selectors, services
from volunteers.forms import AgreementsPublishForm
from volunteers.roles import role_required

from ._common import VOLUNTEER_ROLES, _own, coordinator_required


def community_agreements(request):
    current = selectors.current_agreements()
    volunteer = _own(request) if request.user.is_authenticated else None
    context = {
        "current": current,
        "text": current.text(translation.get_language()) if current else "",
        "volunteer": volunteer,
        "accepted": volunteer is not None and selectors.agreements_accepted(volunteer, current=current),
    }
    return render(request, "volunteers/community_agreements.html", context)


@require_POST
@role_required(*VOLUNTEER_ROLES)
def community_agreements_accept(request):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    if services.community_agreements_accept(volunteer=volunteer) is not None:
        messages.success(request, _("Thank you: you accepted the community agreements."))
    return redirect("volunteers:my_onboarding")


@coordinator_required
def community_agreements_publish(request):
    current = selectors.current_agreements()
    initial = (
        {"text_en": current.text_en, "text_ko": current.text_ko, "text_es": current.text_es}
        if current
        else {}
    )
    form = AgreementsPublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.community_agreements_publish(by=request.user, **form.cleaned_data)
        except services.VolunteerError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Version %(version)d published: volunteers will be asked to accept it.")
                % {"version": version.version},
            )
            return redirect("volunteers:community_agreements")
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": _("Publish a new version of the community agreements")},
        status=400 if form.errors else 200,
    )
