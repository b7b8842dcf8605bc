"""The issue's first "done when": sign up in Korean, be approved, set a password, see trainings and shifts."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from volunteers.models import Language, ShiftRole, Volunteer
from volunteers.tests.factories import (
    ShiftFactory,
    TrainingCompletionFactory,
    TrainingModuleFactory,
    TrainingSessionFactory,
)

pytestmark = pytest.mark.django_db


def test_korean_sign_up_to_open_shifts(client, coordinator, sent_sms, django_capture_on_commit_callbacks):
    cache.clear()
    core = TrainingModuleFactory(
        title="Core hotline training", roles=[ShiftRole.DISPATCHER], validity_days=365
    )
    TrainingSessionFactory(module__slug="core-next", module__title="Dispatch refresher")
    open_shift = ShiftFactory(role=ShiftRole.DISPATCHER, starts_at=timezone.now() + timedelta(days=3))

    page = client.get(reverse("volunteers:signup"), {"lang": "ko", "ref": "ktown-fair"})
    html = page.content.decode()
    assert 'lang="ko"' in html and "핫라인 자원봉사 신청" in html and "휴대전화" in html
    assert 'name="viewport"' in html
    response = client.post(
        reverse("volunteers:signup") + "?lang=ko&ref=ktown-fair",
        {
            "first_name": "민지",
            "last_name": "김",
            "phone": "213-555-0190",
            "email": "minji@example.org",
            "languages": [Language.objects.get(code="ko").pk],
            "roles_of_interest": ["dispatcher"],
            "agreements": "on",
            "sms_consent": "on",
            "source_code": "ktown-fair",
        },
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(email="minji@example.org")
    assert volunteer.source_code == "ktown-fair" and volunteer.preferred_language == "ko"

    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("volunteers:volunteer_approve", args=[volunteer.pk]), {"roles": ["dispatcher"]})
    client.logout()
    link = re.search(r"(/accounts/reset/\S+/)", sent_sms[-1]["body"]).group(1)
    set_page = client.get(link, follow=True)
    client.post(
        set_page.redirect_chain[-1][0],
        {"new_password1": "maple-harbor-77", "new_password2": "maple-harbor-77"},
    )
    assert client.login(username="minji@example.org", password="maple-harbor-77")

    assert client.get(reverse("volunteers:my_shifts")).status_code == 200
    training = client.get(reverse("volunteers:my_training"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "Core hotline training" in training and "미이수" in training and "Dispatch refresher" in training
    assert list(client.get(reverse("volunteers:open_shifts")).context["shifts"]) == [], "not trained yet"

    TrainingCompletionFactory(volunteer=volunteer, module=core)
    assert list(client.get(reverse("volunteers:open_shifts")).context["shifts"]) == [open_shift]
