"""Signing in: the throttled login and password change, and the second factor (setup and verify)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from volunteers import two_factor
from volunteers.forms import OneTimeCodeForm, ThrottledAuthenticationForm, ThrottledPasswordChangeForm


class LoginView(auth_views.LoginView):
    """Django's login page with the throttled form (see volunteers.login_throttle)."""

    authentication_form = ThrottledAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, its old-password check under the login throttle."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code."""
    if two_factor.confirmed_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('volunteers:two_factor_verify')}?next={two_factor.safe_next(request)}")
    device = two_factor.enrolment_device(request.user)
    form = OneTimeCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        two_factor.device_confirm(user=request.user, device=device)
        otp_login(request, device)
        messages.success(
            request, _("Two-factor sign-in is on. You will be asked for a code after your password.")
        )
        return redirect(two_factor.safe_next(request))
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "secret": secret,
        "qr_svg": mark_safe(two_factor.qr_code_svg(device.config_url)),  # noqa: S308 - our own SVG
        "next": two_factor.safe_next(request),
    }
    response = render(
        request, "volunteers/two_factor_setup.html", context, status=400 if form.errors else 200
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def two_factor_verify(request):
    """The second step of signing in, for users with an enrolled authenticator."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('volunteers:two_factor_setup')}?next={two_factor.safe_next(request)}")
    form = OneTimeCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(two_factor.safe_next(request))
    context = {"form": form, "next": two_factor.safe_next(request)}
    return render(request, "volunteers/two_factor_verify.html", context, status=400 if form.errors else 200)
