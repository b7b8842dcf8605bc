"""A volunteer's own profile: contact details, languages, areas, availability."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from volunteers import services
from volunteers.forms import ProfileForm, availability_grid
from volunteers.roles import role_required

from ._common import VOLUNTEER_ROLES, _no_profile, _own


@role_required(*VOLUNTEER_ROLES)
def my_profile(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, volunteer=volunteer)
        if form.is_valid():
            try:
                services.volunteer_profile_update(volunteer=volunteer, fields=form.cleaned_data)
            except services.AlreadyRegistered as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Your details are saved."))
                return redirect("volunteers:my_profile")
    else:
        form = ProfileForm(
            volunteer=volunteer,
            initial={
                "phone": volunteer.phone,
                "email": volunteer.email,
                "preferred_language": volunteer.preferred_language,
                "languages": volunteer.languages.all(),
                "areas": volunteer.areas.all(),
                "availability": volunteer.availability,
                "availability_notes": volunteer.availability_notes,
                "sms_consent": volunteer.sms_consent,
            },
        )
    context = {
        "form": form,
        "volunteer": volunteer,
        "availability_rows": availability_grid(form["availability"]),
    }
    return render(request, "volunteers/my_profile.html", context, status=400 if form.errors else 200)
