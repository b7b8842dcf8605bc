"""Incidents: opened by "send responders", timeline, outcome, closing and cancelling."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from dispatch import services
from dispatch.models import Incident, IncidentEvent, IncidentResponder, Notification, Referral
from dispatch.selectors import responder_path
from dispatch.tests.factories import SEND_ANSWERS, committing, responder_on_shift, send_responders
from outreach.models import Partner
from volunteers.tests.factories import TrainingCompletionFactory, TrainingModuleFactory


def kinds(incident) -> list[str]:
    return list(incident.events.values_list("kind", flat=True))


@pytest.mark.django_db
class TestOpening:
    def test_send_responders_opens_an_incident_with_one_outbox_row_per_responder(
        self, dispatcher, responders, texts
    ):
        triage = send_responders(user=dispatcher)
        incident = triage.incident
        assert incident.status == Incident.Status.DISPATCHED and len(incident.code) == 4
        assert incident.team_size == 2
        assert incident.responders.count() == 3
        rows = Notification.objects.filter(incident=incident, kind=Notification.Kind.DISPATCH)
        assert rows.count() == 3
        # Celery is eager in unit tests: the rows were sent after the commit.
        assert set(rows.values_list("status", flat=True)) == {Notification.Status.SENT}
        assert sorted(t.to for t in texts) == sorted(str(v.phone) for v in responders)
        assert all(f"YES {incident.code}" in t.body and "/dispatch/r/" in t.body for t in texts)
        assert kinds(incident) == [IncidentEvent.Kind.DISPATCHED]

    def test_candidates_are_trained_for_the_call_type_and_speakers_come_first(self, dispatcher):
        module = TrainingModuleFactory(qualifies_for_call_types=["mental-health"])
        untrained = responder_on_shift(languages=["en"])
        trained_en = responder_on_shift(languages=["en"])
        trained_ko = responder_on_shift(languages=["ko"])
        for volunteer in (trained_en, trained_ko):
            TrainingCompletionFactory(volunteer=volunteer, module=module)
        answers = {**SEND_ANSWERS, "call_type": "mental-health", "language": "ko"}
        triage = send_responders(user=dispatcher, answers=answers)
        called = list(triage.incident.responders.order_by("pk").values_list("volunteer", flat=True))
        assert called == [trained_ko.pk, trained_en.pk]
        assert untrained.pk not in called

    def test_responders_on_an_open_team_are_not_called_again(self, dispatcher, responders):
        first = send_responders(user=dispatcher, team_size=1).incident
        services.responder_answer(
            assignment=first.responders.get(volunteer=responders[0]), accept=True, via_sms=False
        )
        second = send_responders(user=dispatcher).incident
        assert responders[0].pk not in set(second.responders.values_list("volunteer", flat=True))

    def test_no_candidate_escalates_at_once(self, dispatcher):
        incident = send_responders(user=dispatcher).incident
        assert incident.responders.count() == 0
        assert incident.escalate_at <= incident.opened_at

    def test_codes_are_unique(self, dispatcher, responders):
        codes = {send_responders(user=dispatcher, responders=[]).incident.code for _ in range(10)}
        assert len(codes) == 10


@pytest.mark.django_db
class TestTimelineAndOutcome:
    def test_dispatcher_journey_to_a_closed_incident(self, client, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher).incident
        client.force_login(dispatcher)
        url = reverse("dispatch:incident", args=[incident.pk])
        page = client.get(url)
        assert page.status_code == 200 and incident.code in page.content.decode()
        for status in ("en_route", "on_scene"):
            client.post(reverse("dispatch:incident_status", args=[incident.pk]), {"status": status})
        client.post(
            reverse("dispatch:incident_note", args=[incident.pk]), {"note": "Person sitting on the bench."}
        )
        response = client.post(reverse("dispatch:incident_close", args=[incident.pk]), follow=True)
        assert "Record the outcome before closing" in response.content.decode()
        response = client.post(
            reverse("dispatch:incident_outcome", args=[incident.pk]), {"outcome": "transported"}
        )
        assert response.status_code == 400 and "Say who transported" in response.content.decode()
        client.post(
            reverse("dispatch:incident_outcome", args=[incident.pk]),
            {
                "outcome": "transported",
                "transported_by": "Responders, to the Eastside respite centre",
                "follow_up_needed": "on",
                "follow_up_notes": "Call back tomorrow",
            },
        )
        client.post(reverse("dispatch:incident_status", args=[incident.pk]), {"status": "cleared"})
        texts.clear()
        with committing():
            client.post(reverse("dispatch:incident_close", args=[incident.pk]))
        incident.refresh_from_db()
        assert incident.status == Incident.Status.CLOSED and incident.closed_by == dispatcher
        assert incident.outcome == "transported" and incident.follow_up_needed
        assert kinds(incident) == [
            "dispatched",
            "en_route",
            "on_scene",
            "note",
            "outcome",
            "cleared",
            "closed",
        ]
        events = incident.events.filter(kind="en_route").first()
        assert events.actor == dispatcher
        # The three responders texted (none answered) are told it is over.
        assert len(texts) == 3 and all(incident.code in t.body and "closed" in t.body for t in texts)

    def test_status_never_moves_back(self, dispatcher):
        incident = send_responders(user=dispatcher).incident
        services.incident_record_status(incident=incident, status="on_scene", by=dispatcher)
        services.incident_record_status(incident=incident, status="en_route", by=dispatcher)
        incident.refresh_from_db()
        assert incident.status == "on_scene"
        assert kinds(incident)[-2:] == ["on_scene", "en_route"]

    def test_closed_needs_outcome_in_the_database(self, dispatcher):
        incident = send_responders(user=dispatcher).incident
        with pytest.raises(IntegrityError), transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(status="closed")

    def test_referral_outcome_names_the_partner(self, dispatcher):
        partner = Partner.objects.create(name="Harbor Shelter")
        incident = send_responders(user=dispatcher).incident
        with pytest.raises(services.DispatchError):
            services.incident_record_outcome(
                incident=incident, data=services.OutcomeInput(outcome="referred"), by=dispatcher
            )
        services.incident_record_outcome(
            incident=incident,
            data=services.OutcomeInput(outcome="referred", referral=services.ReferralChoice(partner=partner)),
            by=dispatcher,
        )
        assert Referral.objects.get().incident == incident
        assert partner.referrals.count() == 1

    def test_cancel_texts_the_team_and_stands_down_the_others(self, client, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher).incident
        accepted = incident.responders.first()
        services.responder_answer(assignment=accepted, accept=True, via_sms=False)
        texts.clear()
        client.force_login(dispatcher)
        response = client.post(reverse("dispatch:incident_cancel", args=[incident.pk]), {"reason": ""})
        assert response.status_code == 400
        with committing():
            client.post(
                reverse("dispatch:incident_cancel", args=[incident.pk]),
                {"reason": "Caller's brother arrived."},
            )
        incident.refresh_from_db()
        assert incident.status == Incident.Status.CANCELLED
        assert len(texts) == 3 and all("cancelled" in t.body for t in texts)
        statuses = set(incident.responders.values_list("status", flat=True))
        assert statuses == {IncidentResponder.Status.ACCEPTED, IncidentResponder.Status.STOOD_DOWN}
        with pytest.raises(services.DispatchError):
            services.incident_record_status(incident=incident, status="on_scene", by=dispatcher)

    def test_dispatcher_can_text_more_responders(self, client, dispatcher, responders, texts):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        texts.clear()
        client.force_login(dispatcher)
        with committing():
            client.post(
                reverse("dispatch:incident_notify_more", args=[incident.pk]),
                {"responders": [responders[1].pk]},
            )
        assert [t.to for t in texts] == [str(responders[1].phone)]
        assert incident.responders.count() == 2


@pytest.mark.django_db
class TestResponderPage:
    def test_responder_accepts_goes_and_records_the_outcome_from_the_link(
        self, client, dispatcher, responders
    ):
        incident = send_responders(user=dispatcher).incident
        volunteer = incident.responders.first().volunteer
        path = responder_path(incident=incident, volunteer=volunteer)
        page = client.get(path).content.decode()
        assert "Yes, I am going" in page
        assert SEND_ANSWERS["location"] not in page  # only the team sees where
        client.post(path + "act/", {"action": "accept"})
        page = client.get(path).content.decode()
        assert SEND_ANSWERS["location"] in page and "En route" in page
        client.post(path + "act/", {"action": "en_route"})
        client.post(path + "act/", {"action": "on_scene"})
        client.post(path + "act/", {"action": "note", "note": "Talking with her now."})
        response = client.post(path + "act/", {"action": "outcome", "outcome": "resolved_on_scene"})
        assert response.status_code == 302
        client.post(path + "act/", {"action": "cleared"})
        incident.refresh_from_db()
        assert incident.status == "cleared" and incident.outcome == "resolved_on_scene"
        assert incident.events.filter(volunteer=volunteer).count() == 6
        assert client.post(path + "act/", {"action": "bogus"}).status_code == 400

    def test_the_polled_panel_enables_close_once_a_responder_records_the_outcome(
        self, client, dispatcher, responders
    ):
        incident = send_responders(user=dispatcher).incident
        live = reverse("dispatch:incident_live", args=[incident.pk])
        client.force_login(dispatcher)
        before = client.get(live).content.decode()
        assert 'hx-swap-oob="true"' in before and "Record the outcome first." in before
        services.incident_record_outcome(
            incident=incident,
            data=services.OutcomeInput(outcome="resolved_on_scene"),
            volunteer=incident.responders.first().volunteer,
        )
        after = client.get(live).content.decode()
        assert "Record the outcome first." not in after and "Outcome recorded: " in after
        assert 'id="close-button" disabled' not in after.replace("  ", " ")

    def test_signed_in_responder_sees_their_call_outs(self, client, dispatcher, responders):
        incident = send_responders(user=dispatcher).incident
        volunteer = responders[0]
        client.force_login(volunteer.user)
        page = client.get(reverse("dispatch:my_incidents")).content.decode()
        assert incident.code in page and responder_path(incident=incident, volunteer=volunteer) in page
