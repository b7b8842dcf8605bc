"""The live console: what the queue shows, the polled partial and its query bound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Incident
from dispatch.tests.factories import claimed, responder_on_shift, send_responders
from hotline.models import Intake
from hotline.tests.factories import IntakeFactory
from volunteers.tests.factories import AreaFactory


@pytest.mark.django_db
class TestQueue:
    def test_console_lists_open_intakes_with_waiting_time_channel_language_and_area(self, client, dispatcher):
        area = AreaFactory(name="Riverside", slug="riverside")
        waiting = IntakeFactory(
            channel=Intake.Channel.SMS,
            language="ko",
            area=area,
            caller="+12025550143",
            created_at=timezone.now() - timedelta(minutes=7, seconds=5),
        )
        IntakeFactory(status=Intake.Status.CLOSED, caller="+12025550999")
        client.force_login(dispatcher)
        response = client.get(reverse("dispatch:console"))
        content = response.content.decode()
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert f'id="intake-row-{waiting.pk}"' in content
        assert "7 min 0" in content and "waiting-long" in content
        assert "Text message" in content and "Korean" in content and "Riverside" in content
        # The queue shows only the end of the number; the full number is on the logged intake page.
        assert "0143" in content and "+12025550143" not in content
        assert "0999" not in content
        assert 'hx-trigger="every 2s"' in content

    def test_partial_shows_who_holds_an_intake_and_repeat_callers(self, client, dispatcher, make_user):
        other = make_user("Dispatcher", username="other", first_name="Olga", last_name="Ruiz")
        IntakeFactory(caller="+12025550143", created_at=timezone.now() - timedelta(days=3), status="closed")
        held = IntakeFactory(caller="+12025550143")
        claimed(held, user=other)
        mine = claimed(IntakeFactory(), user=dispatcher)
        free = IntakeFactory()
        client.force_login(dispatcher)
        response = client.get(reverse("dispatch:queue"), HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert "<html" not in content
        assert "Olga Ruiz" in content and f'id="view-{held.pk}"' in content
        assert f'id="continue-{mine.intake_id}"' in content
        assert f'id="claim-{free.pk}"' in content
        assert "1 earlier" in content
        assert f'data-newest-intake="{free.pk}"' in content

    def test_open_incidents_and_alerts(self, client, dispatcher, responders):
        triage = send_responders(user=dispatcher)
        incident = triage.incident
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:queue")).content.decode()
        assert incident.code in content and "0/2 (3 waiting)" in content
        assert "Alerts" not in content
        Incident.objects.filter(pk=incident.pk).update(escalation_level=1)
        content = client.get(reverse("dispatch:queue")).content.decode()
        assert "Alerts" in content and "escalated (level 1)" in content
        assert f'data-alert-key="{incident.pk}:1:0"' in content

    def test_console_has_a_sound_and_keyboard_shortcuts(self, client, dispatcher):
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:console")).content.decode()
        assert 'id="sound-toggle"' in content and 'accesskey="m"' in content
        assert "dispatch/console.js" in content
        assert 'aria-live="assertive"' in content


@pytest.mark.django_db
def test_queue_with_1000_open_intakes_renders_with_a_bounded_number_of_queries(
    client, dispatcher, make_user, responders, django_assert_max_num_queries
):
    area = AreaFactory(name="Downtown", slug="downtown")
    now = timezone.now()
    Intake.objects.bulk_create(
        Intake(
            channel=Intake.Channel.VOICE if n % 2 else Intake.Channel.SMS,
            # Texts from one number continue one conversation; calls repeat from 50 numbers.
            caller=f"+1202555{1000 + n % 50:04d}" if n % 2 else f"+1202555{3000 + n:04d}",
            language=("en", "ko", "es")[n % 3],
            area=area if n % 4 else None,
            created_at=now - timedelta(seconds=n),
            status=Intake.Status.NEW,
        )
        for n in range(1000)
    )
    other = make_user("Dispatcher", username="other")
    for intake in Intake.objects.order_by("pk")[:20]:
        claimed(intake, user=other)
    for _ in range(5):
        send_responders(user=dispatcher, responders=responders)
    for _ in range(10):
        responder_on_shift()  # available: the status board's third query
    client.force_login(dispatcher)
    client.get(reverse("dispatch:queue"))  # warm the session and the content types
    # Session, user, roles, the onboarding gate, then one query each for intakes, incidents, open
    # alarms and overdue follow-ups, and three for the status board: the same with 1000 intakes
    # as with one.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("dispatch:queue"))
    assert response.status_code == 200
    assert response.content.decode().count('data-intake="') == 1000
    assert response.content.decode().count('data-unit-status="available"') == 10
    # The console page adds one: partners whose status webhook is failing.
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dispatch:console")).status_code == 200
