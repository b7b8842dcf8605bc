"""The public sign-up form (rate-limited, in the applicant's language) and its thank-you page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from config.ratelimit import rate_limit_hit
from volunteers import services
from volunteers.forms import SignupForm, availability_grid
from volunteers.models import Language


def _signup_rate_limited(request) -> bool:
    """Sign-up submissions per client address per hour (config.ratelimit; degrades without Redis)."""
    return rate_limit_hit(
        request, scope="volunteers:signup", limit=settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR, window=3600
    )


def _signup_language(request) -> str:
    requested = request.GET.get("lang", "")
    codes = [code for code, _name in settings.LANGUAGES]
    return requested if requested in codes else translation.get_language()


def signup(request):
    """Public volunteer application, prefilled from ?ref=&lead=&first_name=&last_name=&email=&phone=&lang=."""
    language = _signup_language(request)
    with translation.override(language):
        status = 200
        if request.method == "POST":
            form = SignupForm(request.POST)
            if _signup_rate_limited(request):
                messages.error(
                    request, _("Too many sign-ups from your connection. Please try again in an hour.")
                )
                status = 429
            elif form.is_bot():
                return redirect("volunteers:signup_done")
            elif form.is_valid():
                data = form.cleaned_data
                application = services.Application(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"].as_e164,
                    email=data["email"],
                    preferred_language=language,
                    languages=data["languages"],
                    areas=data["areas"],
                    roles_of_interest=data["roles_of_interest"],
                    availability=data["availability"],
                    availability_notes=data["availability_notes"],
                    heard_about=data["heard_about"],
                    heard_about_detail=data["heard_about_detail"],
                    source_code=data["source_code"],
                    lead_reference=data["lead_reference"],
                    sms_consent=data["sms_consent"],
                )
                # Known or new, the same answer (a known person is told by text or email).
                services.volunteer_apply(application=application)
                done = reverse("volunteers:signup_done")
                return redirect(f"{done}?lang={language}" if request.GET.get("lang") else done)
            if not form.is_valid() and status == 200:
                status = 400
        else:
            get = request.GET
            initial = {
                "first_name": get.get("first_name", "")[:100],
                "last_name": get.get("last_name", "")[:100],
                "email": get.get("email", "")[:254],
                "phone": get.get("phone", "")[:32],
                "source_code": get.get("ref", "")[:64],
                "lead_reference": get.get("lead", "")[:64],
                "languages": list(
                    Language.objects.filter(code=get.get("lang", "")).values_list("pk", flat=True)
                ),
            }
            form = SignupForm(initial=initial)
        context = {"form": form, "availability_rows": availability_grid(form["availability"])}
        return render(request, "volunteers/signup.html", context, status=status)


def signup_done(request):
    with translation.override(_signup_language(request)):
        return render(request, "volunteers/signup_done.html")
