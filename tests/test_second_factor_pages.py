"""A session past the password step only (two-factor pending) reaches no page that needs sign-in.

The rule over every URL of the project: whatever sends a visitor to a login page (it needs a
signed-in user: role pages, the admin, the password change) sends a dispatcher or coordinator
who has not given their code to the code page instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_access_matrix import (  # noqa: F401 - fixtures
    COORDINATOR,
    Objects,
    _no_twilio_media,
    _quiet_boundaries,
    build_url,
    url_names,
    users,
)
from volunteers.tests.factories import UserFactory

# The code page itself.
SECOND_STEP = {"volunteers:two_factor_verify"}


def _needs_sign_in(client, url) -> bool:
    client.logout()
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    login_paths = {reverse("login"), reverse("admin:login")}
    return response.status_code == 302 and urlsplit(response["Location"]).path in login_paths


@pytest.mark.django_db
def test_every_page_that_needs_sign_in_needs_the_second_factor(client, users, settings):  # noqa: F811
    settings.TWO_FACTOR_REQUIRED = True
    half = UserFactory(username="half", roles=("Coordinator",), is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=half, name="authenticator", confirmed=True)
    objects = Objects(users | {COORDINATOR: half})
    verify = reverse("volunteers:two_factor_verify")
    checked, leaks = [], {}
    for name in url_names():
        if name in SECOND_STEP:
            continue
        url = build_url(name, objects)
        if not _needs_sign_in(client, url):
            continue
        checked.append(name)
        client.force_login(half)  # the password step only: no OTP device verified
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code != 302 or urlsplit(response["Location"]).path != verify:
                leaks[f"{method.__name__.upper()} {name}"] = response.status_code
    assert {"password_change", "password_change_done", "admin:password_change", "admin:index"} <= set(checked)
    assert not leaks, f"reached without the second factor: {leaks}"
