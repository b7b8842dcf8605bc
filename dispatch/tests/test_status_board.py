"""The console's status board (every responder on shift, where they are, since when) and the
queue's usability: the first words of a text and how late each wait is, in words and colour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.models import IncidentEvent, IncidentResponder
from dispatch.selectors import UnitStatus, Urgency, unit_status_board, wait_urgency
from dispatch.tests.factories import responder_on_shift, send_responders
from hotline.models import Intake
from hotline.tests.factories import CallFactory, IntakeFactory, MessageFactory


def _status_by_volunteer(rows) -> dict[int, str]:
    return {row.volunteer.pk: row.status for row in rows}


@pytest.mark.django_db
class TestStatusBoard:
    def test_each_responder_on_shift_has_the_status_of_their_call_out(self, dispatcher, responders):
        first, second, idle = responders
        incident = send_responders(user=dispatcher, responders=[first, second]).incident
        services.responder_answer(
            assignment=incident.responders.get(volunteer=first), accept=True, via_sms=True
        )
        statuses = _status_by_volunteer(unit_status_board())
        assert statuses == {
            first.pk: UnitStatus.ACKNOWLEDGED,
            second.pk: UnitStatus.NOTIFIED,
            idle.pk: UnitStatus.AVAILABLE,
        }

        services.incident_record_status(incident=incident, status="en_route", volunteer=first)
        assert _status_by_volunteer(unit_status_board())[first.pk] == UnitStatus.EN_ROUTE
        services.incident_record_status(incident=incident, status="on_scene", by=dispatcher)
        assert _status_by_volunteer(unit_status_board())[first.pk] == UnitStatus.ON_SCENE
        services.incident_record_status(incident=incident, status="cleared", volunteer=first)
        rows = {row.volunteer.pk: row for row in unit_status_board()}
        assert rows[first.pk].status == UnitStatus.CLEARED and rows[first.pk].incident == incident
        assert rows[idle.pk].incident is None

    def test_a_closed_incident_makes_its_team_available_again(self, dispatcher, responders):
        first = responders[0]
        incident = send_responders(user=dispatcher, responders=[first], team_size=1).incident
        services.responder_answer(
            assignment=incident.responders.get(volunteer=first), accept=True, via_sms=True
        )
        services.incident_cancel(incident=incident, by=dispatcher, reason="The caller is safe.")
        row = next(r for r in unit_status_board() if r.volunteer.pk == first.pk)
        assert row.status == UnitStatus.AVAILABLE and row.incident is None
        incident.refresh_from_db()
        assert row.since == incident.closed_at

    def test_a_status_unchanged_past_the_threshold_is_stale(self, dispatcher, responders, settings):
        settings.DISPATCH_STALE_STATUS_MINUTES = 30
        first, second, idle = responders
        incident = send_responders(user=dispatcher, responders=[first, second]).incident
        services.responder_answer(
            assignment=incident.responders.get(volunteer=first), accept=True, via_sms=True
        )
        services.incident_record_status(incident=incident, status="on_scene", volunteer=first)
        long_ago = timezone.now() - timedelta(minutes=31)
        IncidentResponder.objects.filter(incident=incident).update(
            notified_at=long_ago, responded_at=long_ago
        )
        IncidentEvent.objects.filter(incident=incident).update(created_at=long_ago)
        rows = {row.volunteer.pk: row for row in unit_status_board()}
        assert rows[first.pk].stale and rows[second.pk].stale
        assert not rows[idle.pk].stale  # being available is never stale
        assert rows[first.pk].since == long_ago

        # A note from the responder is an update: no longer stale. A dispatcher's note is not theirs.
        services.incident_add_note(incident=incident, note="Still with her.", volunteer=first)
        rows = {row.volunteer.pk: row for row in unit_status_board()}
        assert not rows[first.pk].stale and rows[second.pk].stale

        settings.DISPATCH_STALE_STATUS_MINUTES = 60
        assert not any(row.stale for row in unit_status_board())

    def test_responders_off_shift_are_not_on_the_board(self, responders):
        from volunteers.tests.factories import VolunteerFactory

        VolunteerFactory(user__roles=("Volunteer", "Responder"))
        assert {row.volunteer.pk for row in unit_status_board()} == {r.pk for r in responders}

    def test_the_console_shows_the_board_with_links_and_stale_marks(
        self, client, dispatcher, responders, settings
    ):
        first, second, idle = responders
        incident = send_responders(user=dispatcher, responders=[first, second]).incident
        long_ago = timezone.now() - timedelta(minutes=45)
        IncidentResponder.objects.filter(incident=incident, volunteer=second).update(notified_at=long_ago)
        client.force_login(dispatcher)
        for name in ("dispatch:console", "dispatch:queue"):
            content = client.get(reverse(name)).content.decode()
            assert 'id="status-board"' in content and "Responders on shift (3)" in content
            row = content.split(f'id="unit-{second.pk}"', 1)[1].split("</tr>", 1)[0]
            assert "Notified" in row and incident.get_absolute_url() in row
            assert "unit-stale" in row and "Stale" in row and "45 min" in row
            idle_row = content.split(f'id="unit-{idle.pk}"', 1)[1].split("</tr>", 1)[0]
            assert "Available" in idle_row and "Stale" not in idle_row
        assert "30 minutes or more are marked stale" in content

    @pytest.mark.parametrize("count", [3, 40])
    def test_the_board_takes_three_queries_whatever_the_number_of_responders(
        self, count, dispatcher, django_assert_max_num_queries
    ):
        volunteers = [responder_on_shift() for _ in range(count)]
        for start in range(0, count - 1, 4):
            incident = send_responders(user=dispatcher, responders=volunteers[start : start + 2]).incident
            services.responder_answer(
                assignment=incident.responders.get(volunteer=volunteers[start]), accept=True, via_sms=True
            )
        with django_assert_max_num_queries(3):
            rows = unit_status_board()
        assert len(rows) == count
        assert {row.status for row in rows} == {
            UnitStatus.ACKNOWLEDGED,
            UnitStatus.NOTIFIED,
            UnitStatus.AVAILABLE,
        }


@pytest.mark.django_db
class TestWaitUrgency:
    def _intake(self, *, seconds: int, now=None, **fields) -> Intake:
        return IntakeFactory(created_at=(now or timezone.now()) - timedelta(seconds=seconds), **fields)

    def test_rings_follow_nenas_15_and_20_seconds(self):
        now = timezone.now()
        ringing = {
            seconds: self._intake(seconds=seconds, now=now, call=CallFactory()) for seconds in (10, 16, 21)
        }
        levels = {s: wait_urgency(intake=i, now=now) for s, i in ringing.items()}
        assert levels[10].level == Urgency.ON_TIME and levels[10].limit_seconds is None
        assert (levels[16].level, levels[16].limit_seconds) == (Urgency.LATE, 15)
        assert (levels[21].level, levels[21].limit_seconds) == (Urgency.URGENT, 20)
        assert str(levels[21].kind) == "Ringing"

    def test_an_answered_call_and_a_claimed_intake_are_not_waiting(self, dispatcher):
        now = timezone.now()
        answered = self._intake(seconds=60, call=CallFactory(answered_at=now - timedelta(seconds=50)))
        assert wait_urgency(intake=answered, now=now) is None
        held = self._intake(seconds=600)
        services.triage_claim(intake=held, user=dispatcher)
        held.refresh_from_db()
        assert wait_urgency(intake=held, now=now) is None

    def test_texts_and_callbacks_have_their_own_configurable_targets(self, settings):
        settings.DISPATCH_TEXT_LATE_SECONDS, settings.DISPATCH_TEXT_URGENT_SECONDS = 30, 90
        settings.DISPATCH_CALLBACK_LATE_SECONDS, settings.DISPATCH_CALLBACK_URGENT_SECONDS = 600, 1200
        now = timezone.now()
        text = self._intake(seconds=40, channel=Intake.Channel.SMS)
        assert (wait_urgency(intake=text, now=now).level, str(wait_urgency(intake=text, now=now).kind)) == (
            Urgency.LATE,
            "Text",
        )
        assert wait_urgency(intake=text, now=now + timedelta(seconds=60)).level == Urgency.URGENT
        callback = self._intake(seconds=700, status=Intake.Status.NEEDS_CALLBACK)
        assert wait_urgency(intake=callback, now=now).level == Urgency.LATE
        assert wait_urgency(intake=callback, now=now).limit_seconds == 600
        assert wait_urgency(intake=callback, now=now + timedelta(seconds=600)).level == Urgency.URGENT

    def test_the_queue_says_how_late_a_wait_is_in_words(self, client, dispatcher):
        urgent = self._intake(seconds=25, call=CallFactory())
        on_time = self._intake(seconds=3, call=CallFactory())
        callback = self._intake(seconds=400, status=Intake.Status.NEEDS_CALLBACK)
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:queue")).content.decode()

        def row(intake):
            return content.split(f'id="intake-row-{intake.pk}"', 1)[1].split("</tr>", 1)[0]

        assert 'data-urgency="urgent"' in row(urgent) and "Urgent: Ringing over 20 s" in row(urgent)
        assert "text-bg-danger" in row(urgent)
        assert 'data-urgency="on_time"' in row(on_time) and "On time: Ringing" in row(on_time)
        assert "Late: Callback over 5 min 00 s" in row(callback) and "text-bg-warning" in row(callback)


@pytest.mark.django_db
class TestTextPreview:
    def test_a_text_row_shows_the_first_words_of_the_first_text(self, client, dispatcher):
        intake = IntakeFactory(channel=Intake.Channel.SMS, caller="+12025550177")
        MessageFactory(
            intake=intake,
            from_number="+12025550177",
            body="My neighbour is sitting outside in the cold and will not come in tonight",
            created_at=timezone.now() - timedelta(seconds=30),
        )
        MessageFactory(intake=intake, from_number="+12025550177", body="Please hurry, second text")
        MessageFactory(
            intake=intake, direction="out", from_number="+12025550100", to_number="+12025550177", body="Reply"
        )
        call = IntakeFactory()
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:queue")).content.decode()
        preview = content.split(f'id="preview-{intake.pk}"', 1)[1].split("</span>", 1)[0]
        assert "My neighbour is sitting outside in the cold …" in preview
        assert "tonight" not in preview and "second text" not in content and "Reply" not in preview
        assert f'id="preview-{call.pk}"' not in content

    def test_previews_add_no_query(self, client, dispatcher):
        client.force_login(dispatcher)
        IntakeFactory(channel=Intake.Channel.SMS, caller="+12025554000")
        client.get(reverse("dispatch:queue"))
        one = len(_queries_of_queue(client))
        for n in range(1, 6):
            intake = IntakeFactory(channel=Intake.Channel.SMS, caller=f"+1202555{4000 + n}")
            MessageFactory(intake=intake, from_number=str(intake.caller), body=f"text number {n}")
        assert len(_queries_of_queue(client)) == one


def _queries_of_queue(client) -> list:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dispatch:queue")).status_code == 200
    return captured.captured_queries


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "board", "search"),
    [
        ("ko", "근무 중인 대응자", "지난 접수와 출동"),
        ("es", "Personas de respuesta de turno", "Contactos e incidentes anteriores"),
    ],
)
def test_the_board_and_the_search_speak_korean_and_spanish(
    client, dispatcher, responders, language, board, search
):
    from django.utils import translation

    client.force_login(dispatcher)
    with translation.override(language):
        console = client.get(reverse("dispatch:console"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        history = client.get(reverse("dispatch:history"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert board in console and search in console
    assert search in history
