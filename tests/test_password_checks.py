"""Every place a password is checked is throttled the same way as /accounts/login/.

The pages are found, not listed by hand: every URL of the project is fetched as a visitor and as
a superuser, and a page with a password input that checks an existing password (`password`,
`old_password`) must be in PASSWORD_CHECKS, whose every entry is then attacked.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

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

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-new-and-long-passphrase"
LIMIT = 3
CHECKING_INPUTS = {"password", "old_password"}

# URL name -> (signed in when checking?, what a POST holds given the password tried)
PASSWORD_CHECKS = {
    "login": (False, lambda tried: {"username": "ana", "password": tried}),
    "admin:login": (False, lambda tried: {"username": "ana", "password": tried}),
    "password_change": (
        True,
        lambda tried: {"old_password": tried, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
    "admin:password_change": (
        True,
        lambda tried: {"old_password": tried, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
}


@pytest.fixture(autouse=True)
def _throttle(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_LOCKOUT_SECONDS = 900
    cache.clear()
    yield
    cache.clear()


def _checks_a_password(html: str) -> bool:
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'\bname="([^"]+)"', tag)
        if 'type="password"' in tag and name and name.group(1) in CHECKING_INPUTS:
            return True
    return False


@pytest.mark.django_db
def test_every_page_that_checks_a_password_is_known(client, users):  # noqa: F811
    superuser = UserFactory(username="root", roles=("Coordinator",), is_staff=True, is_superuser=True)
    objects = Objects(users | {COORDINATOR: superuser})
    found = set()
    for as_user in (None, superuser):
        client.logout()
        if as_user:
            client.force_login(as_user)
        for name in url_names():
            response = client.get(build_url(name, objects))
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                if _checks_a_password(response.content.decode()):
                    found.add(name)
    assert found == set(PASSWORD_CHECKS)


def _attempt(client, name, tried, *, address="203.0.113.5"):
    _signed_in, data = PASSWORD_CHECKS[name]
    return client.post(reverse(name), data(tried), REMOTE_ADDR=address)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PASSWORD_CHECKS))
def test_every_password_check_locks_after_the_limit(client, name):
    user = UserFactory(username="ana", roles=("Coordinator",), is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    signed_in, _data = PASSWORD_CHECKS[name]
    if signed_in:
        client.force_login(user)
    for _ in range(LIMIT):
        response = _attempt(client, name, "wrong")
        assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()

    response = _attempt(client, name, PASSWORD)  # even the right password, now
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # Another address is not locked out.
    assert _attempt(client, name, PASSWORD, address="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_the_places_share_one_count(client):
    user = UserFactory(username="ana", roles=("Coordinator",), is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    _attempt(client, "admin:login", "wrong")
    client.force_login(user)
    _attempt(client, "password_change", "wrong")
    _attempt(client, "admin:password_change", "wrong")
    client.logout()
    response = _attempt(client, "login", PASSWORD)
    assert "Too many failed attempts" in response.content.decode()
