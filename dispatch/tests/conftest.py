"""Fixtures of the dispatch tests: texts recorded by hotline's memory backend, responders on shift."""

from __future__ import annotations

import pytest

from dispatch.tests.factories import responder_on_shift
from hotline import messaging


@pytest.fixture(autouse=True)
def dispatch_settings(settings):
    # Test users need no slow password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "memory"
    settings.HOTLINE_NUMBER = "+12025550100"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.LANGUAGE_CODE = "en"
    settings.DISPATCH_TEAM_SIZE = 2
    settings.DISPATCH_ESCALATION_SECONDS = 180
    messaging.outbox.clear()
    yield settings
    messaging.outbox.clear()


@pytest.fixture
def texts():
    """Every text handed to the SMS backend, in order (hotline's memory backend)."""
    return messaging.outbox


@pytest.fixture
def responders(db):
    """Three active responders on shift now, speaking English."""
    return [responder_on_shift(languages=["en"]) for _ in range(3)]
