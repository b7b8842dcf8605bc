"""Two-factor sign-in (TOTP, django-otp) for dispatchers and coordinators.

They see caller data, so after the password they also give a code from an authenticator app.
`TwoFactorMiddleware` guards every view that needs a signed-in user (`role_required` ones,
the admin, and account-security pages marked `second_factor_required`, such as the password
change): a dispatcher or coordinator without a confirmed device is sent to enrol, one with a
device but an unverified session is sent to verify. A session that has passed only the password
step reaches nothing but the two-factor pages, sign-out and public pages. Other roles may enrol but are not required to.
settings.TWO_FACTOR_REQUIRED turns the requirement off (tests, local development only).
"""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import Action, audit_record
from volunteers.roles import Role, has_role

DEVICE_NAME = "authenticator"


def two_factor_required_for(user) -> bool:
    return bool(settings.TWO_FACTOR_REQUIRED) and has_role(user, Role.DISPATCHER, Role.COORDINATOR)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user) -> TOTPDevice:
    """The user's unconfirmed device to enrol (a fresh secret until a code confirms it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def device_confirm(*, user, device: TOTPDevice) -> TOTPDevice:
    """Make the enrolled device the user's only one (re-enrolling replaces a lost phone)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            action=Action.CHANGED,
            subject=TOTPDevice,
            ids=[device.pk],
            what="two-factor: enrolled",
            actor=user,
        )
    return device


def qr_code_svg(text: str) -> str:
    """An SVG QR code, rendered locally (no third-party service sees the secret)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def safe_next(request, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def second_factor_required(view):
    """Mark a view that needs a signed-in user outside `role_required` (the password change):
    users who must have two-factor sign-in reach it only after the code."""
    view.second_factor_required = True
    return view


def _guarded(request, view_func) -> bool:
    return (
        hasattr(view_func, "required_roles")
        or getattr(view_func, "second_factor_required", False)
        or request.path.startswith(reverse("admin:index"))
    )


class TwoFactorMiddleware:
    """Placed after django_otp's OTPMiddleware (which sets `request.user.is_verified`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not two_factor_required_for(user):
            return None
        if (
            not _guarded(request, view_func)
            or request.path.startswith(reverse("admin:logout"))
            or user.is_verified()
        ):
            return None
        target = "volunteers:two_factor_verify" if confirmed_device(user) else "volunteers:two_factor_setup"
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")
