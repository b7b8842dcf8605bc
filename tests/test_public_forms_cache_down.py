"""No public form loses what a person typed because the cache (Redis) is down.

Rate limits degrade to a per-process count (config.ratelimit), logged. Every public page with a
form is walked with a cache whose every call raises; the rate-limited forms are sent for real.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache.backends.base import BaseCache
from django.urls import reverse

from config.ratelimit import local_counts_clear
from outreach.tests.test_surveys import fresh_token, survey, valid_answers  # noqa: F401 - fixture
from tests.test_access_matrix import (  # noqa: F401 - fixtures
    Objects,
    _no_twilio_media,
    _quiet_boundaries,
    build_url,
    url_names,
    users,
)

pytestmark = pytest.mark.django_db


class DownCache(BaseCache):
    """A cache whose server is gone: every call raises, as django-redis does."""

    def __init__(self, location, params):
        super().__init__(params)

    def _down(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = touch = delete = clear = incr = decr = has_key = get_many = set_many = _down
    delete_many = get_or_set = _down


@pytest.fixture(autouse=True)
def cache_down(settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.DownCache"}}
    local_counts_clear()
    yield
    local_counts_clear()


def test_sign_up_keeps_every_application_and_still_limits_per_process(client, settings, caplog):
    from volunteers.models import Volunteer
    from volunteers.tests.test_signup import URL, valid_data

    settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR = 2
    with caplog.at_level(logging.WARNING, logger="config.ratelimit"):
        statuses = [
            client.post(URL, valid_data(phone=f"+1213555015{n}", email=f"p{n}@example.org")).status_code
            for n in range(3)
        ]
    assert statuses == [302, 302, 429]
    assert Volunteer.objects.count() == 2
    assert "cache unavailable" in caplog.text
    assert client.post(URL, valid_data(phone="+12135550158"), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_survey_keeps_every_answer_and_still_limits_per_process(client, survey, settings, caplog):  # noqa: F811
    from outreach.models import SurveyResponse

    settings.OUTREACH_SURVEY_MIN_SECONDS = 0
    settings.OUTREACH_SURVEY_RATE_LIMIT = 2

    def send():
        data = {"token": fresh_token(client, survey, lang="es"), "lang": "es", **valid_answers(survey)}
        return client.post(survey.get_public_url(), data).status_code

    with caplog.at_level(logging.WARNING, logger="config.ratelimit"):
        assert [send() for _ in range(3)] == [302, 302, 429]
    assert SurveyResponse.objects.count() == 2
    assert "cache unavailable" in caplog.text


def test_sign_in_works(client):
    from volunteers.tests.factories import UserFactory

    user = UserFactory(username="ana", roles=("Volunteer",))
    user.set_password("correct-horse-battery")
    user.save()
    response = client.post(reverse("login"), {"username": "ana", "password": "correct-horse-battery"})
    assert response.status_code == 302


def test_every_public_form_works_with_the_cache_down(client, users):  # noqa: F811
    objects = Objects(users)
    forms = []
    for name in url_names():
        url = build_url(name, objects)
        page = client.get(url)
        assert page.status_code < 500, (name, page.status_code)
        if page.status_code == 200 and re.search(rb'<form[^>]*method="post"', page.content, re.IGNORECASE):
            forms.append(name)
            response = client.post(url, {})
            assert response.status_code < 500, (name, response.status_code)
    assert {"volunteers:signup", "login", "password_reset"} <= set(forms)
