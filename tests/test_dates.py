"""One moment reads the same on every page that shows it, in each language (config/formats)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEntry
from audit.services import audit_record
from hotline.tests.factories import CallFactory, IntakeFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 4, 22, 58, tzinfo=ZoneInfo("America/Los_Angeles"))
EXPECTED = {
    "en": "Fri 4 Dec 2026, 22:58",
    "ko": "2026년 12월 4일 (금요일) 22:58",
    "es": "vie 4 dic 2026, 22:58",
}
# How the same moment used to read on different pages.
OTHER_WAYS = ("12/04/2026", "2026-12-04 22:58", "2026-12-4", "10:58 p.m.", "Dec. 4, 2026")


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_the_same_moment_reads_the_same_on_every_page(client, coordinator, language):
    call = CallFactory(started_at=MOMENT)
    intake = IntakeFactory(call=call)
    type(intake).objects.filter(pk=intake.pk).update(created_at=MOMENT)
    entry = audit_record(
        action="viewed", subject="hotline.intake", ids=[intake.pk], what="intake page", actor=coordinator
    )
    AuditEntry.objects.filter(pk=entry.pk).update(at=MOMENT)
    client.force_login(coordinator)
    pages = {
        "call log": reverse("hotline:call_list"),
        "conversation": reverse("hotline:intake_detail", args=[intake.pk]),
        "console intake": reverse("dispatch:intake", args=[intake.pk]),
        "audit trail": reverse("audit:entries"),
    }
    for name, url in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert EXPECTED[language] in page, (name, language)
        for other in OTHER_WAYS:
            assert other not in page, (name, language, other)


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_every_named_format_of_a_language_writes_the_same_moment(language):
    from django.utils.formats import date_format

    with translation.override(language):
        assert date_format(MOMENT, "DATETIME_FORMAT") == EXPECTED[language]
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == EXPECTED[language]
        assert date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == date_format(MOMENT.date(), "DATE_FORMAT")
