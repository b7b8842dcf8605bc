"""Claims, the triage page, decisions through the form, caller history and the access log."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from dispatch import services
from dispatch.models import Decision, Incident, Referral, Triage
from dispatch.tests.factories import SEND_ANSWERS, claimed, ensure_seeded, send_responders
from hotline.models import Intake
from hotline.tests.factories import IntakeFactory
from outreach.models import Partner


def form_data(answers: dict, **extra) -> dict:
    data = {f"q_{key}": value for key, value in answers.items()}
    data.update(extra)
    return data


@pytest.mark.django_db
class TestClaims:
    def test_claim_moves_the_intake_into_triage_with_the_current_protocol(self, dispatcher):
        intake = IntakeFactory(status=Intake.Status.NEEDS_CALLBACK)
        triage = services.triage_claim(intake=intake, user=dispatcher)
        intake.refresh_from_db()
        assert triage.claimed_by == dispatcher and triage.protocol.number == 1
        assert intake.status == Intake.Status.IN_TRIAGE

    def test_a_second_dispatcher_is_told_who_has_it(self, dispatcher, make_user):
        other = make_user("Dispatcher", username="other", first_name="Olga", last_name="Ruiz")
        intake = IntakeFactory()
        services.triage_claim(intake=intake, user=dispatcher)
        with pytest.raises(services.ClaimTaken) as error:
            services.triage_claim(intake=intake, user=other)
        assert error.value.holder == dispatcher
        assert Triage.objects.get(intake=intake).claimed_by == dispatcher

    def test_claiming_again_is_harmless(self, dispatcher):
        intake = IntakeFactory()
        first = services.triage_claim(intake=intake, user=dispatcher)
        assert services.triage_claim(intake=intake, user=dispatcher).pk == first.pk

    def test_release_restores_the_status_and_keeps_answers(self, dispatcher, make_user):
        intake = IntakeFactory(status=Intake.Status.NEEDS_CALLBACK)
        triage = claimed(intake, user=dispatcher)
        services.triage_save_answers(triage=triage, user=dispatcher, raw_answers={"weapon": "no"})
        services.triage_release(triage=triage, user=dispatcher)
        intake.refresh_from_db()
        assert intake.status == Intake.Status.NEEDS_CALLBACK
        other = make_user("Dispatcher", username="other")
        again = services.triage_claim(intake=intake, user=other)
        assert again.claimed_by == other and again.answers == {"weapon": "no"}

    def test_only_the_holder_or_a_coordinator_releases(self, dispatcher, make_user, coordinator):
        other = make_user("Dispatcher", username="other")
        triage = claimed(user=dispatcher)
        with pytest.raises(services.DispatchError):
            services.triage_release(triage=triage, user=other)
        services.triage_release(triage=triage, user=coordinator)
        assert Triage.objects.get(pk=triage.pk).claimed_by is None

    def test_hand_over_to_another_dispatcher(self, dispatcher, make_user, volunteer_user):
        other = make_user("Dispatcher", username="other")
        triage = claimed(user=dispatcher)
        with pytest.raises(services.DispatchError):
            services.triage_hand_over(triage=triage, user=dispatcher, to=volunteer_user)
        services.triage_hand_over(triage=triage, user=dispatcher, to=other)
        assert Triage.objects.get(pk=triage.pk).claimed_by == other
        with pytest.raises(services.DispatchError):
            services.triage_save_answers(triage=triage, user=dispatcher, raw_answers={"weapon": "no"})

    def test_closed_intakes_cannot_be_claimed(self, dispatcher):
        with pytest.raises(services.DispatchError):
            services.triage_claim(intake=IntakeFactory(status=Intake.Status.CLOSED), user=dispatcher)

    def test_claim_through_the_console(self, client, dispatcher, make_user):
        intake = IntakeFactory()
        client.force_login(dispatcher)
        response = client.post(reverse("dispatch:intake_claim", args=[intake.pk]))
        assert response.status_code == 302 and response.url == reverse("dispatch:intake", args=[intake.pk])
        other = make_user("Dispatcher", username="other", first_name="Olga")
        client.force_login(other)
        response = client.post(reverse("dispatch:intake_claim", args=[intake.pk]), follow=True)
        assert f"{dispatcher.get_full_name()} is already triaging this intake" in response.content.decode()
        page = client.get(reverse("dispatch:intake", args=[intake.pk])).content.decode()
        assert "is triaging this intake" in page and 'id="triage-form"' not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real claim race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_claim_race_has_exactly_one_winner(make_user):
    """Eight dispatchers press "claim" on the same intake at the same moment."""
    ensure_seeded()
    users = [make_user("Dispatcher", username=f"racer{n}") for n in range(8)]
    intakes = [IntakeFactory() for _ in range(5)]
    for intake in intakes:
        barrier = threading.Barrier(len(users))
        winners, losers, errors = [], [], []

        def attempt(user, intake=intake, barrier=barrier, winners=winners, losers=losers, errors=errors):
            try:
                barrier.wait()
                services.triage_claim(intake=Intake.objects.get(pk=intake.pk), user=user)
                winners.append(user)
            except services.ClaimTaken:
                losers.append(user)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(winners) == 1 and len(losers) == len(users) - 1
        triage = Triage.objects.get(intake=intake)
        assert triage.claimed_by == winners[0]


@pytest.mark.django_db
class TestTriagePage:
    def test_page_records_the_view_and_is_never_cached(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        response = client.get(reverse("dispatch:intake", args=[triage.intake_id]))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert str(triage.intake.caller) in response.content.decode()
        view = AuditEntry.objects.get(action="viewed")
        assert (view.subject, view.object_id, view.actor, view.path) == (
            "hotline.intake",
            triage.intake_id,
            dispatcher,
            response.request["PATH_INFO"],
        )
        client.get(reverse("dispatch:intake", args=[triage.intake_id]))
        assert AuditEntry.objects.filter(action="viewed", targets__object_id=triage.intake_id).count() == 2

    def test_live_recommendation_keeps_answers(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        url = reverse("dispatch:intake_recommendation", args=[triage.intake_id])
        response = client.post(url, form_data({"weapon": "yes"}), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert 'data-recommendation="escalate_911"' in response.content.decode()
        triage.refresh_from_db()
        assert triage.answers == {"weapon": "yes"} and triage.danger_flagged
        response = client.post(url, form_data({**SEND_ANSWERS}), HTTP_HX_REQUEST="true")
        assert 'data-recommendation="send_responders"' in response.content.decode()

    def test_live_recommendation_refuses_a_non_holder(self, client, dispatcher, make_user):
        triage = claimed(user=dispatcher)
        client.force_login(make_user("Dispatcher", username="other"))
        response = client.post(
            reverse("dispatch:intake_recommendation", args=[triage.intake_id]), form_data({"weapon": "no"})
        )
        content = response.content.decode()
        assert 'role="alert"' in content and "is already triaging this intake" in content
        triage.refresh_from_db()
        assert triage.answers == {}

    def test_form_shows_an_error_for_an_override_without_reason(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        response = client.post(
            reverse("dispatch:intake_decide", args=[triage.intake_id]),
            form_data(SEND_ANSWERS, decision=Decision.PHONE_SUPPORT),
        )
        assert response.status_code == 400
        assert "write the reason" in response.content.decode()
        assert Triage.objects.get(pk=triage.pk).decision == ""

    def test_danger_yes_send_needs_reason_and_confirmation(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        url = reverse("dispatch:intake_decide", args=[triage.intake_id])
        answers = {**SEND_ANSWERS, "weapon": "yes"}
        response = client.post(url, form_data(answers, decision=Decision.SEND_RESPONDERS))
        assert response.status_code == 400
        content = response.content.decode()
        assert "needs a written reason" in content and "Confirm that you override" in content
        response = client.post(
            url,
            form_data(
                answers,
                decision=Decision.SEND_RESPONDERS,
                override_reason="The knife was handed to the caller's neighbour; the person is calm.",
                danger_confirmed="on",
                team_size="2",
            ),
        )
        assert response.status_code == 302
        triage.refresh_from_db()
        assert triage.decision == Decision.SEND_RESPONDERS and triage.danger_flagged
        assert triage.override_reason.startswith("The knife")

    def test_send_responders_through_the_form_opens_an_incident(self, client, dispatcher, responders):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        response = client.post(
            reverse("dispatch:intake_decide", args=[triage.intake_id]),
            form_data(SEND_ANSWERS, decision=Decision.SEND_RESPONDERS, team_size="2", details="Knock twice."),
        )
        incident = Incident.objects.get(triage=triage)
        assert response.status_code == 302 and response.url == incident.get_absolute_url()
        assert incident.location == SEND_ANSWERS["location"] and incident.details == "Knock twice."
        assert incident.call_type.slug == "welfare-check"
        assert incident.responders.count() == 3
        triage.intake.refresh_from_db()
        assert triage.intake.status == Intake.Status.CLOSED

    def test_dispatcher_may_pick_responders(self, client, dispatcher, responders):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        client.post(
            reverse("dispatch:intake_decide", args=[triage.intake_id]),
            form_data(SEND_ANSWERS, decision=Decision.SEND_RESPONDERS, responders=[responders[1].pk]),
        )
        incident = Incident.objects.get(triage=triage)
        assert list(incident.responders.values_list("volunteer", flat=True)) == [responders[1].pk]

    def test_send_responders_needs_a_location(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        answers = {k: v for k, v in SEND_ANSWERS.items() if k != "location"}
        response = client.post(
            reverse("dispatch:intake_decide", args=[triage.intake_id]),
            form_data(answers, decision=Decision.SEND_RESPONDERS),
        )
        assert response.status_code == 400 and "need a location" in response.content.decode()

    def test_referral_to_a_partner(self, client, dispatcher):
        partner = Partner.objects.create(name="Eastside Food Bank")
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        answers = {**SEND_ANSWERS, "call_type": "resources-information"}
        url = reverse("dispatch:intake_decide", args=[triage.intake_id])
        response = client.post(url, form_data(answers, decision=Decision.REFER))
        assert response.status_code == 400 and "Choose the partner" in response.content.decode()
        response = client.post(url, form_data(answers, decision=Decision.REFER, referral_partner=partner.pk))
        assert response.status_code == 302
        referral = Referral.objects.get()
        assert referral.partner == partner and referral.triage == triage
        assert partner.referrals.count() == 1

    def test_partner_search_filters(self, client, dispatcher):
        Partner.objects.create(name="Eastside Food Bank", description="groceries")
        Partner.objects.create(name="Harbor Shelter")
        client.force_login(dispatcher)
        response = client.get(reverse("dispatch:partners"), {"ps-query": "food"})
        content = response.content.decode()
        assert "Eastside Food Bank" in content and "Harbor Shelter" not in content

    def test_escalation_through_the_form(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        url = reverse("dispatch:intake_decide", args=[triage.intake_id])
        response = client.post(url, form_data({"violence": "yes"}, decision=Decision.ESCALATE))
        assert response.status_code == 400 and "Say who took the hand-off" in response.content.decode()
        response = client.post(
            url,
            form_data({"violence": "yes"}, decision=Decision.ESCALATE, handoff_to="911", handoff_done="on"),
        )
        assert response.status_code == 302
        triage.refresh_from_db()
        assert triage.handoff_to == "911" and abs(triage.handoff_at - timezone.now()) < timedelta(minutes=1)

    def test_no_action_for_a_hang_up(self, client, dispatcher):
        triage = claimed(user=dispatcher)
        client.force_login(dispatcher)
        response = client.post(
            reverse("dispatch:intake_decide", args=[triage.intake_id]),
            form_data({}, decision=Decision.NO_ACTION),
        )
        assert response.status_code == 302
        assert Triage.objects.get(pk=triage.pk).decision == Decision.NO_ACTION


@pytest.mark.django_db
class TestCallerHistory:
    def test_earlier_contacts_in_90_days_are_counted(self, client, dispatcher):
        caller = "+12025550143"
        now = timezone.now()
        IntakeFactory(caller=caller, created_at=now - timedelta(days=120), status=Intake.Status.CLOSED)
        recent = IntakeFactory(
            caller=caller, created_at=now - timedelta(days=30), status=Intake.Status.CLOSED
        )
        IntakeFactory(caller=caller, created_at=now - timedelta(days=2), status=Intake.Status.CLOSED)
        IntakeFactory(caller="+12025550199", created_at=now - timedelta(days=1))
        # The recent contact was triaged: its call type and outcome show.
        send_responders(
            user=dispatcher, intake=IntakeFactory(caller=caller, created_at=now - timedelta(days=20))
        )
        current = IntakeFactory(caller=caller)
        from dispatch.selectors import caller_history

        history = caller_history(current)
        assert history.count == 3
        assert recent in history.contacts
        client.force_login(dispatcher)
        page = client.get(reverse("dispatch:intake", args=[current.pk])).content.decode()
        assert "3 earlier contacts from this number in 90 days" in page
        assert "Welfare check" in page

    def test_unknown_number_has_no_history(self, dispatcher):
        from dispatch.selectors import caller_history

        IntakeFactory(caller="")
        assert caller_history(IntakeFactory(caller="")).count == 0
