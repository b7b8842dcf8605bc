"""Alarms: each trigger raises one in the transaction of its cause and texts the on-call
coordinator through the outbox; the console shows it to every dispatcher until one acknowledges
it; the incident page says why nobody comes and each act lands on the timeline."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import services, tasks
from dispatch.models import (
    Alarm,
    Decision,
    Incident,
    IncidentEvent,
    IncidentResponder,
    Notification,
    OnCallPeriod,
)
from dispatch.tests.factories import committing, responder_on_shift, send_responders
from hotline import messaging
from hotline.services import sms_receive
from outreach.tests.factories import PartnerFactory
from volunteers.tests.factories import TrainingCompletionFactory, TrainingModuleFactory, VolunteerFactory

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


def alarms(incident, **filters) -> list[tuple[str, str]]:
    return list(incident.alarms.filter(**filters).order_by("pk").values_list("kind", "level"))


def on_call_texts(texts) -> list[str]:
    return [t.body for t in texts if t.to == ON_CALL_PHONE]


@pytest.mark.django_db
class TestTriggers:
    def test_a_call_out_that_texts_nobody_raises_an_alarm_and_texts_the_on_call_coordinator(
        self, dispatcher, on_call, texts
    ):
        module = TrainingModuleFactory(qualifies_for_call_types=["welfare-check"])
        untrained = responder_on_shift(first_name="Una", last_name="Trained")
        busy = responder_on_shift(first_name="Bea", last_name="Busy")
        TrainingCompletionFactory(volunteer=busy, module=module)
        other = send_responders(user=dispatcher, responders=[busy]).incident
        services.responder_answer(assignment=other.responders.get(), accept=True, via_sms=False)
        texts.clear()

        incident = send_responders(user=dispatcher).incident

        assert incident.responders.count() == 0
        assert alarms(incident) == [(Alarm.Kind.NOBODY_AVAILABLE, Alarm.Level.CRITICAL)]
        alarm = incident.alarms.get()
        assert f"Bea Busy ({other.code})" in alarm.details and "Una Trained" in alarm.details
        assert alarm.on_call_alerted_at is not None
        [body] = on_call_texts(texts)
        assert incident.code in body and "Nobody available" in body
        assert Notification.objects.get(kind=Notification.Kind.ALARM).status == Notification.Status.SENT
        kinds = list(incident.events.values_list("kind", flat=True))
        assert kinds == ["dispatched", "alarm", "on_call_alerted"]
        assert untrained.pk not in set(incident.responders.values_list("volunteer", flat=True))

    def test_the_alarm_is_in_the_same_transaction_as_the_decision(self, dispatcher, monkeypatch):
        """A call-out that fails after the alarm leaves neither the incident nor the alarm."""
        from dispatch.services import incidents

        def broken(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(incidents, "_send_after_commit", broken)
        with pytest.raises(RuntimeError):
            send_responders(user=dispatcher)
        assert not Incident.objects.exists() and not Alarm.objects.exists()

    def test_the_last_decline_raises_an_alarm_at_once(self, dispatcher, responders, on_call, texts):
        incident = send_responders(user=dispatcher, responders=responders[:2]).incident
        reply(responders[0], "no")
        assert alarms(incident) == []
        texts.clear()
        reply(responders[1], "no")
        assert alarms(incident) == [(Alarm.Kind.ALL_DECLINED, Alarm.Level.CRITICAL)]
        assert "declined" in incident.alarms.get().details
        assert len(on_call_texts(texts)) == 1

    def test_the_deadline_passing_without_a_full_team_raises_an_alarm_in_the_sweep(
        self, dispatcher, responders, on_call, texts
    ):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        reply(responders[0], "yes")
        texts.clear()
        with committing():
            assert tasks.escalation_sweep() == 0
            assert services.incidents_escalate_due(now=incident.opened_at + timedelta(seconds=181)) == 1
        assert alarms(incident) == [(Alarm.Kind.DEADLINE_PASSED, Alarm.Level.WARNING)]
        assert "1 of 2" in incident.alarms.get().details
        assert len(on_call_texts(texts)) == 1

    def test_one_open_alarm_per_kind_and_the_on_call_coordinator_texted_once(
        self, dispatcher, on_call, texts
    ):
        incident = send_responders(user=dispatcher, responders=[]).incident
        texts.clear()
        with committing():
            again, created = services.alarm_raise(incident=incident, kind=Alarm.Kind.NOBODY_AVAILABLE)
        assert not created and incident.alarms.count() == 1 and texts == []
        # Overlapping deadline sweeps add no second alarm about the team.
        services.incidents_escalate_due(now=timezone.now() + timedelta(seconds=1))
        assert alarms(incident) == [(Alarm.Kind.NOBODY_AVAILABLE, Alarm.Level.CRITICAL)]

    def test_a_full_team_resolves_the_staffing_alarm(self, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=[], team_size=1).incident
        services.incident_hand_pick(incident=incident, by=dispatcher, volunteers=[responders[0]])
        assert alarms(incident, resolved_at__isnull=True) == [
            (Alarm.Kind.NOBODY_AVAILABLE, Alarm.Level.CRITICAL)
        ]
        reply(responders[0], "yes")
        assert alarms(incident, resolved_at__isnull=True) == []
        assert incident.events.filter(kind="alarm_resolved", note__contains="team is full").exists()

    def test_no_on_call_coordinator_is_said_on_the_timeline(self, dispatcher, texts):
        incident = send_responders(user=dispatcher).incident
        assert "No on-call coordinator" in incident.events.get(kind="on_call_alerted").note
        assert texts == []

    def test_the_voice_alert_calls_the_on_call_coordinator_when_configured(
        self, client, dispatcher, on_call, settings
    ):
        settings.DISPATCH_ONCALL_VOICE_ALERT = True
        messaging.calls.clear()
        incident = send_responders(user=dispatcher).incident
        alarm = incident.alarms.get()
        assert alarm.call_status == Alarm.CallStatus.CALLED
        [call] = messaging.calls
        assert call.to == ON_CALL_PHONE and call.url.endswith(
            reverse("dispatch:alarm_voice", args=[alarm.pk])
        )
        # A duplicated task does not call twice.
        assert services.alarm_call_on_call(alarm_id=alarm.pk) == "skipped"
        assert len(messaging.calls) == 1
        # The TwiML says the code and the call type (signatures off for this request).
        settings.HOTLINE_VERIFY_SIGNATURES = False
        twiml = client.post(reverse("dispatch:alarm_voice", args=[alarm.pk])).content.decode()
        assert " ".join(incident.code) in twiml and "Welfare check" in twiml and "<Say" in twiml
        messaging.calls.clear()

    def test_the_voice_alert_is_off_by_default(self, dispatcher, on_call):
        messaging.calls.clear()
        incident = send_responders(user=dispatcher).incident
        assert incident.alarms.get().call_status == Alarm.CallStatus.NONE
        assert messaging.calls == []


@pytest.mark.django_db
class TestConsole:
    def test_every_console_shows_the_alarm_until_one_dispatcher_acknowledges_it(
        self, client, dispatcher, make_user
    ):
        other = make_user("Dispatcher", username="other")
        incident = send_responders(user=dispatcher).incident
        alarm = incident.alarms.get()
        for user in (dispatcher, other):
            client.force_login(user)
            content = client.get(reverse("dispatch:queue")).content.decode()
            assert 'id="alarm-banner"' in content and f'data-alarm-key="{alarm.pk}"' in content
            assert f'id="incident-alarm-{incident.pk}"' in content
            assert "Critical alarm: Nobody available, incident" in content
        response = client.post(
            reverse("dispatch:alarm_acknowledge", args=[alarm.pk]), {"next": reverse("dispatch:console")}
        )
        assert response.status_code == 302 and response.url == reverse("dispatch:console")
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:queue")).content.decode()
        assert 'id="alarm-banner"' not in content and 'data-alarm-key=""' in content
        # Still open (not resolved): the incident stays flagged at the top.
        assert f'id="open-alarm-{alarm.pk}"' in content and f'id="incident-alarm-{incident.pk}"' in content
        event = incident.events.get(kind=IncidentEvent.Kind.ALARM_ACKNOWLEDGED)
        assert event.actor == other
        # Acknowledging twice changes nothing.
        client.force_login(other)
        client.post(reverse("dispatch:alarm_acknowledge", args=[alarm.pk]))
        assert incident.events.filter(kind=IncidentEvent.Kind.ALARM_ACKNOWLEDGED).count() == 1

    def test_incidents_with_an_open_alarm_come_first(self, client, dispatcher, responders):
        calm = send_responders(user=dispatcher, responders=responders[:1]).incident
        alarmed = send_responders(user=dispatcher, responders=[]).incident
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:queue")).content.decode()
        assert content.index(f'id="incident-row-{alarmed.pk}"') < content.index(
            f'id="incident-row-{calm.pk}"'
        )

    def test_an_emergency_offers_911_with_the_location_to_read_out(self, client, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        services.incident_request_backup(incident=incident, volunteer=responders[0], via_sms=False)
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:queue")).content.decode()
        assert "alarm-emergency" in content and 'href="tel:911"' in content
        assert "14th St and Pine, by the bus shelter" in content and incident.code in content

    def test_the_alarm_banner_is_announced_and_sounded_by_the_console_script(self, client, dispatcher):
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:console")).content.decode()
        assert 'aria-live="assertive"' in content and 'id="sound-hint"' in content

    def test_resolving_unflags_the_incident(self, client, dispatcher):
        incident = send_responders(user=dispatcher).incident
        alarm = incident.alarms.get()
        client.force_login(dispatcher)
        client.post(reverse("dispatch:alarm_resolve", args=[alarm.pk]))
        content = client.get(reverse("dispatch:queue")).content.decode()
        assert f'id="incident-alarm-{incident.pk}"' not in content
        assert incident.events.filter(kind=IncidentEvent.Kind.ALARM_RESOLVED).exists()

    def test_a_responder_cannot_acknowledge(self, client, dispatcher, responder):
        incident = send_responders(user=dispatcher).incident
        client.force_login(responder)
        assert (
            client.post(reverse("dispatch:alarm_acknowledge", args=[incident.alarms.get().pk])).status_code
            == 403
        )
        assert incident.alarms.get().acknowledged_at is None


@pytest.mark.django_db
class TestIncidentPageActs:
    def test_the_page_says_why_nobody_is_available(self, client, dispatcher):
        module = TrainingModuleFactory(qualifies_for_call_types=["welfare-check"])
        untrained = responder_on_shift(first_name="Una", last_name="Trained")
        busy = responder_on_shift(first_name="Bea", last_name="Busy")
        decliner = responder_on_shift(first_name="Dee", last_name="Clines")
        for volunteer in (busy, decliner):
            TrainingCompletionFactory(volunteer=volunteer, module=module)
        other = send_responders(user=dispatcher, responders=[busy]).incident
        services.responder_answer(assignment=other.responders.get(), accept=True, via_sms=False)
        incident = send_responders(user=dispatcher, responders=[decliner]).incident
        reply(decliner, "no")
        client.force_login(dispatcher)
        content = client.get(reverse("dispatch:incident", args=[incident.pk])).content.decode()
        assert 'id="staffing"' in content
        section = content[content.index('id="why-busy"') :]
        assert f"Bea Busy (on {other.code})" in section
        assert "Una Trained" in content[content.index('id="why-untrained"') :]
        assert "Dee Clines" in content[content.index('id="why-declined"') :]
        assert f'id="pick-{untrained.pk}"' in content  # anyone with the Responder role

    def test_hand_picking_a_busy_responder_asks_to_confirm_then_texts_them(
        self, client, dispatcher, responders, texts
    ):
        busy_on = send_responders(user=dispatcher, responders=responders[:1]).incident
        services.responder_answer(assignment=busy_on.responders.get(), accept=True, via_sms=False)
        off_shift = VolunteerFactory(user__roles=("Volunteer", "Responder"))
        incident = send_responders(user=dispatcher, responders=[]).incident
        texts.clear()
        client.force_login(dispatcher)
        url = reverse("dispatch:incident_hand_pick", args=[incident.pk])
        response = client.post(url, {"responders": [responders[0].pk, off_shift.pk]})
        content = response.content.decode()
        assert response.status_code == 200 and 'id="confirm-hand-pick"' in content
        assert f"busy on incident {busy_on.code}" in content and "off shift" in content
        assert incident.responders.count() == 0 and texts == []
        with committing():
            response = client.post(url, {"responders": [responders[0].pk, off_shift.pk], "confirmed": "True"})
        assert response.status_code == 302
        assert set(incident.responders.values_list("volunteer", flat=True)) == {
            responders[0].pk,
            off_shift.pk,
        }
        assert sorted(t.to for t in texts) == sorted([str(responders[0].phone), str(off_shift.phone)])
        event = incident.events.get(kind=IncidentEvent.Kind.HAND_PICKED)
        assert event.actor == dispatcher and f"busy on {busy_on.code}" in event.note

    def test_hand_picking_a_free_responder_on_shift_needs_no_confirmation(
        self, client, dispatcher, responders
    ):
        incident = send_responders(user=dispatcher, responders=[]).incident
        client.force_login(dispatcher)
        response = client.post(
            reverse("dispatch:incident_hand_pick", args=[incident.pk]), {"responders": [responders[0].pk]}
        )
        assert response.status_code == 302 and incident.responders.count() == 1

    def test_texting_again_those_who_did_not_answer(self, client, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher, responders=responders[:2]).incident
        reply(responders[0], "no")
        texts.clear()
        client.force_login(dispatcher)
        with committing():
            client.post(reverse("dispatch:incident_renotify", args=[incident.pk]))
        assert [t.to for t in texts] == [str(responders[1].phone)]
        assert "URGENT" in texts[0].body
        assert responders[1].last_name in incident.events.get(kind=IncidentEvent.Kind.RENOTIFIED).note
        # A second round is sent too (its own dedupe keys).
        with committing():
            client.post(reverse("dispatch:incident_renotify", args=[incident.pk]))
        assert len(texts) == 2

    def test_widening_texts_every_trained_responder_on_shift_or_not(self, client, dispatcher, texts):
        module = TrainingModuleFactory(qualifies_for_call_types=["welfare-check"])
        trained_off_shift = VolunteerFactory(user__roles=("Volunteer", "Responder"))
        untrained_off_shift = VolunteerFactory(user__roles=("Volunteer", "Responder"))
        not_a_responder = VolunteerFactory(user__roles=("Volunteer",))
        for volunteer in (trained_off_shift, not_a_responder):
            TrainingCompletionFactory(volunteer=volunteer, module=module)
        incident = send_responders(user=dispatcher).incident
        texts.clear()
        client.force_login(dispatcher)
        with committing():
            client.post(reverse("dispatch:incident_widen", args=[incident.pk]))
        assert [t.to for t in texts] == [str(trained_off_shift.phone)]
        assert untrained_off_shift.pk not in set(incident.responders.values_list("volunteer", flat=True))
        assert "1 texted" in incident.events.get(kind=IncidentEvent.Kind.WIDENED).note

    def test_changing_the_decision_to_911_stands_the_call_out_down(
        self, client, dispatcher, responders, texts
    ):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        texts.clear()
        client.force_login(dispatcher)
        url = reverse("dispatch:incident_change_decision", args=[incident.pk])
        assert client.post(url, {"decision": Decision.ESCALATE, "reason": "nobody free"}).status_code == 400
        with committing():
            response = client.post(
                url, {"decision": Decision.ESCALATE, "reason": "nobody free", "handoff_to": "911"}
            )
        assert response.status_code == 302
        incident.refresh_from_db()
        triage = incident.triage
        assert incident.status == Incident.Status.CANCELLED
        assert triage.decision == Decision.ESCALATE and triage.handoff_to == "911" and triage.handoff_at
        assert triage.override_reason == "nobody free"
        assert incident.alarms.filter(resolved_at__isnull=True).count() == 0
        assert [t.to for t in texts] == [str(responders[0].phone)]
        assert incident.events.filter(kind=IncidentEvent.Kind.DECISION_CHANGED, actor=dispatcher).exists()
        assert incident.responders.get().status == IncidentResponder.Status.STOOD_DOWN

    def test_changing_the_decision_to_a_referral(self, dispatcher):
        partner = PartnerFactory(accepts_referrals=True)
        incident = send_responders(user=dispatcher).incident
        services.incident_change_decision(
            incident=incident,
            by=dispatcher,
            decision=Decision.REFER,
            reason="a partner can see them today",
            referral=services.ReferralChoice(partner=partner),
        )
        incident.refresh_from_db()
        assert incident.triage.decision == Decision.REFER
        assert incident.referrals.get().partner == partner

    def test_the_live_panel_updates_the_header_team_count(self, client, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        client.force_login(dispatcher)
        live = reverse("dispatch:incident_live", args=[incident.pk])
        assert "Team 0 of 2" in client.get(live).content.decode()
        reply(responders[0], "yes")
        content = client.get(live).content.decode()
        assert 'id="incident-header" hx-swap-oob="true"' in content and "Team 1 of 2" in content


@pytest.mark.parametrize("language", ["ko", "es"])
def test_alarms_speak_korean_and_spanish(language):
    from django.utils import translation

    with translation.override(language):
        labels = [str(label) for label in (*Alarm.Kind.labels, *Alarm.Level.labels)]
    with translation.override("en"):
        english = [str(label) for label in (*Alarm.Kind.labels, *Alarm.Level.labels)]
    assert all(ours != theirs for ours, theirs in zip(labels, english, strict=True))


@pytest.mark.django_db
def test_the_on_call_text_is_in_the_hotline_language(dispatcher, on_call, texts, settings):
    settings.LANGUAGE_CODE = "es"
    incident = send_responders(user=dispatcher).incident
    [body] = on_call_texts(texts)
    assert body.startswith(
        "Alarma Crítica de la línea de crisis: Nadie disponible en el incidente " + incident.code
    )


@pytest.mark.django_db
def test_a_call_a_down_broker_left_unplaced_is_placed_by_the_sweep(
    dispatcher, on_call, settings, monkeypatch
):
    from dispatch.services import alarms as alarms_service

    settings.DISPATCH_ONCALL_VOICE_ALERT = True
    messaging.calls.clear()
    monkeypatch.setattr(alarms_service, "_enqueue_call", lambda alarm_id: None)  # the broker is down
    incident = send_responders(user=dispatcher).incident
    alarm = incident.alarms.get()
    assert alarm.call_status == Alarm.CallStatus.PENDING and messaging.calls == []
    monkeypatch.undo()
    services.alarms_sweep(now=alarm.on_call_alerted_at + timedelta(seconds=10))
    assert messaging.calls == []  # not yet: the task may still be on its way
    services.alarms_sweep(now=alarm.on_call_alerted_at + timedelta(seconds=31))
    services.alarms_sweep(now=alarm.on_call_alerted_at + timedelta(seconds=46))
    assert [call.to for call in messaging.calls] == [ON_CALL_PHONE]
    messaging.calls.clear()


@pytest.mark.django_db
def test_a_decline_that_leaves_part_of_a_team_raises_no_all_declined_alarm(dispatcher, responders):
    incident = send_responders(user=dispatcher, responders=responders[:2]).incident
    reply(responders[0], "yes")
    reply(responders[1], "no")
    assert alarms(incident) == []
    incident.refresh_from_db()
    assert incident.escalate_at <= timezone.now()  # widened at the next sweep, with its alarm
    services.incidents_escalate_due()
    assert alarms(incident) == [(Alarm.Kind.DEADLINE_PASSED, Alarm.Level.WARNING)]
