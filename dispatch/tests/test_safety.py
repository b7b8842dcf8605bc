"""Responder safety: the check-in timer of a team on scene, "We're OK" by button or text, the
missed check-in alarm and the on-call text after the grace period, and backup by button or text."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services, tasks
from dispatch.models import Alarm, CallType, Incident, IncidentEvent, OnCallPeriod
from dispatch.services.acknowledgements import BACKUP_WORDS, CHECKIN_WORDS
from dispatch.tests.factories import committing, send_responders
from hotline.services import sms_receive
from hotline.services.sms import HELP_WORDS, START_WORDS, STOP_WORDS

ON_CALL_PHONE = "+12025550111"


def reply(volunteer, body: str):
    with committing():
        return sms_receive(
            message_sid=f"SM{time.time_ns():032x}"[:34],
            from_number=str(volunteer.phone),
            to_number="+12025550100",
            body=body,
        )


@pytest.fixture
def on_call(coordinator):
    now = timezone.now()
    return OnCallPeriod.objects.create(
        user=coordinator,
        phone=ON_CALL_PHONE,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )


@pytest.fixture
def on_scene(dispatcher, responders):
    """An incident whose team (responders[0]) is on scene."""
    incident = send_responders(user=dispatcher, responders=responders[:1]).incident
    services.responder_answer(assignment=incident.responders.get(), accept=True, via_sms=False)
    services.incident_record_status(
        incident=incident, status=Incident.Status.ON_SCENE, volunteer=responders[0]
    )
    incident.refresh_from_db()
    return incident


def open_alarms(incident) -> list[str]:
    return list(incident.alarms.filter(resolved_at__isnull=True).values_list("kind", flat=True))


@pytest.mark.django_db
class TestCheckIns:
    def test_call_types_check_in_every_20_minutes_unless_set(self):
        assert set(CallType.objects.values_list("checkin_minutes", flat=True)) == {20}

    def test_arriving_on_scene_starts_the_timer_of_the_call_type(self, dispatcher, responders):
        CallType.objects.filter(slug="welfare-check").update(checkin_minutes=7)
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        services.incident_record_status(incident=incident, status=Incident.Status.EN_ROUTE, by=dispatcher)
        incident.refresh_from_db()
        assert incident.checkin_due_at is None
        before = timezone.now()
        services.incident_record_status(incident=incident, status=Incident.Status.ON_SCENE, by=dispatcher)
        incident.refresh_from_db()
        assert (
            before + timedelta(minutes=7) <= incident.checkin_due_at <= timezone.now() + timedelta(minutes=7)
        )
        services.incident_record_status(incident=incident, status=Incident.Status.CLEARED, by=dispatcher)
        incident.refresh_from_db()
        assert incident.checkin_due_at is None

    def test_a_missed_check_in_raises_an_alarm_then_texts_the_on_call_coordinator_after_the_grace(
        self, on_scene, on_call, texts, settings
    ):
        settings.DISPATCH_CHECKIN_GRACE_SECONDS = 300
        due = on_scene.checkin_due_at
        texts.clear()
        assert services.alarms_sweep(now=due - timedelta(seconds=1)) == 0
        with committing():
            assert services.alarms_sweep(now=due + timedelta(seconds=1)) == 1
            # Overlapping sweeps raise it once.
            assert services.alarms_sweep(now=due + timedelta(seconds=2)) == 0
        assert open_alarms(on_scene) == [Alarm.Kind.CHECKIN_MISSED]
        assert on_scene.alarms.get().level == Alarm.Level.CRITICAL
        assert texts == []  # the console first; the on-call coordinator after the grace period
        alarm = on_scene.alarms.get()
        with committing():
            assert services.alarms_sweep(now=alarm.raised_at + timedelta(seconds=299)) == 0
            assert services.alarms_sweep(now=alarm.raised_at + timedelta(seconds=301)) == 1
            assert services.alarms_sweep(now=alarm.raised_at + timedelta(seconds=400)) == 0
        [text] = texts
        assert text.to == ON_CALL_PHONE and on_scene.code in text.body and "Check-in missed" in text.body

    def test_the_beat_task_runs_the_sweep(self, on_scene):
        Incident.objects.filter(pk=on_scene.pk).update(checkin_due_at=timezone.now() - timedelta(seconds=1))
        assert tasks.alarm_sweep() == 1
        assert open_alarms(on_scene) == [Alarm.Kind.CHECKIN_MISSED]

    def test_we_are_ok_by_button_restarts_the_timer_and_resolves_the_alarm(
        self, client, on_scene, responders
    ):
        services.alarms_sweep(now=on_scene.checkin_due_at + timedelta(seconds=1))
        token = selectors.responder_token(incident=on_scene, volunteer=responders[0])
        page = client.get(reverse("dispatch:responder", args=[token])).content.decode()
        assert 'id="checkin-button"' in page and 'id="backup-button"' in page
        before = timezone.now()
        response = client.post(reverse("dispatch:responder_action", args=[token]), {"action": "checkin"})
        assert response.status_code == 302
        on_scene.refresh_from_db()
        assert on_scene.checkin_due_at >= before + timedelta(minutes=20)
        assert open_alarms(on_scene) == []
        event = on_scene.events.get(kind=IncidentEvent.Kind.CHECKED_IN)
        assert event.volunteer == responders[0] and event.note == "by link"

    def test_ok_by_text_checks_in_and_is_answered(self, on_scene, responders, texts):
        texts.clear()
        reply(responders[0], "ok")
        assert on_scene.events.filter(kind=IncidentEvent.Kind.CHECKED_IN, note="by text").count() == 1
        [answer] = texts
        assert "check-in recorded" in answer.body and on_scene.code in answer.body

    def test_ok_from_a_responder_not_on_scene_is_still_a_yes(self, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        reply(responders[0], "OK")
        assert incident.responders.get().status == "accepted"
        assert not incident.events.filter(kind=IncidentEvent.Kind.CHECKED_IN).exists()

    def test_check_in_is_only_for_a_team_on_scene(self, client, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        services.responder_answer(assignment=incident.responders.get(), accept=True, via_sms=False)
        with pytest.raises(services.DispatchError):
            services.incident_check_in(incident=incident, volunteer=responders[0], via_sms=False)

    def test_closing_the_incident_resolves_its_alarms(self, on_scene, dispatcher):
        services.alarms_sweep(now=on_scene.checkin_due_at + timedelta(seconds=1))
        services.incident_cancel(incident=on_scene, by=dispatcher, reason="the person left")
        on_scene.refresh_from_db()
        assert open_alarms(on_scene) == [] and on_scene.checkin_due_at is None
        assert services.alarms_sweep(now=timezone.now() + timedelta(hours=1)) == 0


@pytest.mark.django_db
class TestBackup:
    def test_the_backup_button_raises_the_emergency_alarm_and_texts_the_on_call_coordinator(
        self, client, on_scene, responders, on_call, texts
    ):
        token = selectors.responder_token(incident=on_scene, volunteer=responders[0])
        texts.clear()
        with committing():
            response = client.post(reverse("dispatch:responder_action", args=[token]), {"action": "backup"})
        assert response.status_code == 302
        alarm = on_scene.alarms.get()
        assert (alarm.kind, alarm.level, alarm.volunteer) == (
            Alarm.Kind.BACKUP,
            Alarm.Level.EMERGENCY,
            responders[0],
        )
        assert "14th St and Pine" in alarm.details
        [text] = texts
        assert text.to == ON_CALL_PHONE and "14th St and Pine" in text.body
        page = client.get(reverse("dispatch:responder", args=[token])).content.decode()
        assert 'id="backup-status"' in page
        kinds = list(on_scene.events.values_list("kind", flat=True))
        assert kinds[-2:] == ["alarm", "on_call_alerted"]

    def test_asking_again_after_an_acknowledgement_sounds_again(self, on_scene, responders, dispatcher):
        alarm = services.incident_request_backup(incident=on_scene, volunteer=responders[0], via_sms=False)
        services.alarm_acknowledge(alarm=alarm, by=dispatcher)
        again = services.incident_request_backup(incident=on_scene, volunteer=responders[0], via_sms=False)
        assert again.pk == alarm.pk and again.acknowledged_at is None
        assert on_scene.alarms.count() == 1

    def test_backup_by_text(self, on_scene, responders, texts):
        texts.clear()
        reply(responders[0], "Backup")
        assert open_alarms(on_scene) == [Alarm.Kind.BACKUP]
        assert "by text" in on_scene.alarms.get().details
        assert any("backup request" in t.body for t in texts if t.to == str(responders[0].phone))

    def test_backup_from_someone_on_no_team_is_not_an_alarm(self, responders):
        reply(responders[2], "BACKUP")
        assert not Alarm.objects.exists()

    def test_the_keywords_never_collide_with_carrier_keywords(self):
        carrier = STOP_WORDS | START_WORDS | HELP_WORDS
        assert not (BACKUP_WORDS | CHECKIN_WORDS) & carrier

    def test_the_responder_page_fits_a_phone(self, client, on_scene, responders):
        token = selectors.responder_token(incident=on_scene, volunteer=responders[0])
        page = client.get(reverse("dispatch:responder", args=[token])).content.decode()
        assert 'class="safety-actions' in page and 'href="tel:911"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "phrase"), [("ko", "지금 지원 필요"), ("es", "Necesito refuerzo ya")])
def test_the_pages_speak_korean_and_spanish(client, on_scene, responders, dispatcher, language, phrase):
    services.incident_request_backup(incident=on_scene, volunteer=responders[0], via_sms=False)
    token = selectors.responder_token(incident=on_scene, volunteer=responders[0])
    page = client.get(reverse("dispatch:responder", args=[token]), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and phrase in page.content.decode()
    client.force_login(dispatcher)
    for url in (reverse("dispatch:console"), reverse("dispatch:incident", args=[on_scene.pk])):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        content = response.content.decode()
        assert {"ko": "긴급", "es": "Emergencia"}[language] in content
        assert {"ko": "911에 전화", "es": "Llamar al 911"}[language] in content


@pytest.mark.django_db
class TestSharedLocation:
    def test_a_team_member_shares_their_location_and_the_dispatcher_sees_it(
        self, client, on_scene, responders, dispatcher
    ):
        token = selectors.responder_token(incident=on_scene, volunteer=responders[0])
        page = client.get(reverse("dispatch:responder", args=[token])).content.decode()
        assert 'id="share-location"' in page and "dispatch/responder.js" in page
        url = reverse("dispatch:responder_location", args=[token])
        assert (
            client.post(
                url, {"latitude": "38.907192", "longitude": "-77.036873", "accuracy": "18.4"}
            ).status_code
            == 204
        )
        assert (
            client.post(url, {"latitude": "38.9073", "longitude": "-77.0369", "accuracy": "12"}).status_code
            == 204
        )
        row = on_scene.responders.get()
        assert (str(row.shared_latitude), str(row.shared_longitude), row.shared_accuracy_m) == (
            "38.907300",
            "-77.036900",
            12,
        )
        assert on_scene.events.filter(kind=IncidentEvent.Kind.LOCATION_SHARED).count() == 1
        client.force_login(dispatcher)
        live = client.get(reverse("dispatch:incident_live", args=[on_scene.pk])).content.decode()
        assert f'id="shared-location-{row.pk}"' in live and "38.907300, -77.036900 (within 12 m" in live
        assert "openstreetmap.org/?mlat=38.907300&amp;mlon=-77.036900" in live
        # The backup alarm carries it for the 911 read-out.
        alarm = services.incident_request_backup(incident=on_scene, volunteer=responders[0], via_sms=False)
        assert "38.907300, -77.036900 (within 12 m" in alarm.details

    def test_nonsense_coordinates_are_refused(self, client, on_scene, responders):
        url = reverse(
            "dispatch:responder_location",
            args=[selectors.responder_token(incident=on_scene, volunteer=responders[0])],
        )
        for data in (
            {"latitude": "91", "longitude": "0"},
            {"latitude": "nan", "longitude": "0"},
            {"latitude": "x", "longitude": "1"},
        ):
            assert client.post(url, data).status_code == 409
        assert on_scene.responders.get().shared_at is None

    def test_only_a_team_member_of_an_open_incident_shares(self, client, dispatcher, responders, on_scene):
        waiting = send_responders(user=dispatcher, responders=responders[1:2]).incident
        token = selectors.responder_token(incident=waiting, volunteer=responders[1])
        url = reverse("dispatch:responder_location", args=[token])
        assert client.post(url, {"latitude": "38.9", "longitude": "-77.0"}).status_code == 403
        assert client.post(url, {"stop": "1"}).status_code == 204

    def test_stopping_or_the_incident_ending_forgets_the_location(
        self, client, on_scene, responders, dispatcher
    ):
        token = selectors.responder_token(incident=on_scene, volunteer=responders[0])
        url = reverse("dispatch:responder_location", args=[token])
        client.post(url, {"latitude": "38.9", "longitude": "-77.0"})
        assert client.post(url, {"stop": "1"}).status_code == 204
        row = on_scene.responders.get()
        assert row.shared_at is None and row.shared_latitude is None
        assert on_scene.events.filter(kind=IncidentEvent.Kind.LOCATION_STOPPED).count() == 1
        client.post(url, {"latitude": "38.9", "longitude": "-77.0"})
        services.incident_cancel(incident=on_scene, by=dispatcher, reason="the person left")
        row.refresh_from_db()
        assert row.shared_at is None and row.shared_latitude is None and row.shared_longitude is None
        assert client.post(url, {"latitude": "38.9", "longitude": "-77.0"}).status_code == 409
