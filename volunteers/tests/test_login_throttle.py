"""Login throttling: a cool-off lock-out per username and address, failing open without a cache."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from volunteers import login_throttle
from volunteers.tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _throttle_settings(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 900
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory(username="ana", roles=("Volunteer",))


def attempt(client, password: str, *, username: str = "ana", address: str = "203.0.113.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_locks_after_the_limit_even_for_the_right_password(client, user):
    for _ in range(3):
        response = attempt(client, "wrong")
        assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()

    response = attempt(client, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert not signed_in(client)


def test_lock_is_per_address(client, user):
    for _ in range(3):
        attempt(client, "wrong")
    response = attempt(client, PASSWORD, address="198.51.100.7")
    assert response.status_code == 302
    assert signed_in(client)


def test_lock_cools_off(client, user, settings):
    for _ in range(3):
        attempt(client, "wrong")
    # The lock expires with the cache entry: simulate the 15 minutes passing.
    _failures, locked = login_throttle._keys(username="ana", address="203.0.113.5")
    assert cache.get(locked)
    cache.delete(locked)
    response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_lock_entry_has_a_timeout(user, settings):
    for _ in range(3):
        login_throttle.login_failure_record(username="ana", address="a")
    _failures, locked = login_throttle._keys(username="ana", address="a")
    if hasattr(cache, "_expire_info"):  # locmem: the lock's expiry is bounded
        import time

        key = cache.make_key(locked)
        assert 0 < cache._expire_info[key] - time.time() <= settings.LOGIN_LOCKOUT_SECONDS
    else:  # Redis
        key = cache.make_key(locked)
        assert 0 < cache._cache.get_client(key).ttl(key) <= settings.LOGIN_LOCKOUT_SECONDS


def test_success_resets_the_count(client, user):
    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302


def test_username_case_does_not_dodge_the_count(client, user):
    attempt(client, "wrong", username="ana")
    attempt(client, "wrong", username="ANA")
    attempt(client, "wrong", username=" Ana")
    response = attempt(client, PASSWORD)
    assert "Too many failed attempts" in response.content.decode()


def test_cache_down_fails_open_and_logs(client, user, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    for method in ("get", "add", "incr", "set", "delete"):
        monkeypatch.setattr(cache, method, broken)
    with caplog.at_level(logging.WARNING, logger="volunteers.login_throttle"):
        assert attempt(client, "wrong").status_code == 200
        assert attempt(client, PASSWORD).status_code == 302
    assert "cache down" in caplog.text
    assert "ana" not in caplog.text
