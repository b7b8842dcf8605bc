"""Follow-ups: scheduled by a phone-support decision or an outcome at the call type's hours,
claimed like intakes, attempted by call or text, with a result that may reschedule; a person
who declined gets none; the list, the page and the console's overdue count."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from dispatch import services
from dispatch.models import Decision, FollowUp, Incident, Triage, parse_follow_up_hours
from dispatch.tests.factories import SEND_ANSWERS, call_type, claimed, send_responders
from hotline import messaging
from hotline.tests.factories import IntakeFactory
from volunteers.tests.factories import VolunteerFactory


def phone_support(*, user, intake=None, what="Check they reached the shelter", **kwargs) -> Triage:
    triage = claimed(intake, user=user)
    return services.triage_decide(
        triage=triage,
        user=user,
        raw_answers=SEND_ANSWERS,
        decision=Decision.PHONE_SUPPORT,
        override_reason="They only wanted to talk",
        follow_up_what=what,
        **kwargs,
    )


@pytest.fixture
def dispatcher_with_phone(db):
    return VolunteerFactory(user__roles=("Volunteer", "Dispatcher"), user__username="dphone").user


def test_follow_up_hours_are_parsed_sorted_and_validated():
    assert parse_follow_up_hours("72, 24,24") == [24, 72]
    assert parse_follow_up_hours("") == []
    from django.core.exceptions import ValidationError

    for bad in ("0", "abc", "24,-1", "99999"):
        with pytest.raises(ValidationError):
            parse_follow_up_hours(bad)


@pytest.mark.django_db
class TestScheduling:
    def test_phone_support_schedules_at_24_and_72_hours_by_default(self, dispatcher):
        before = timezone.now()
        triage = phone_support(user=dispatcher)
        rows = list(triage.follow_ups.order_by("due_at"))
        assert [round((r.due_at - before).total_seconds() / 3600) for r in rows] == [24, 72]
        assert all(
            r.what_to_do == "Check they reached the shelter" and r.created_by == dispatcher for r in rows
        )

    def test_the_call_types_hours_are_used(self, dispatcher):
        welfare = call_type("welfare-check")
        welfare.follow_up_hours = "4"
        welfare.save()
        triage = phone_support(user=dispatcher)
        assert triage.call_type == welfare
        assert triage.follow_ups.count() == 1

    def test_no_follow_up_unless_asked(self, dispatcher):
        triage = phone_support(user=dispatcher, what=None)
        assert not triage.follow_ups.exists()

    def test_no_follow_up_without_a_number_to_call(self, dispatcher):
        triage = phone_support(user=dispatcher, intake=IntakeFactory(caller=""))
        assert not triage.follow_ups.exists()

    def test_a_decline_is_kept_and_respected_for_later_contacts_from_the_number(self, dispatcher):
        first = phone_support(
            user=dispatcher, follow_up_declined=True, intake=IntakeFactory(caller="+12025550111")
        )
        assert first.follow_up_declined and not first.follow_ups.exists()
        later = phone_support(user=dispatcher, intake=IntakeFactory(caller="+12025550111"))
        assert not later.follow_ups.exists()
        other = phone_support(user=dispatcher, intake=IntakeFactory(caller="+12025550112"))
        assert other.follow_ups.count() == 2

    def test_an_outcome_with_follow_up_needed_schedules_them_for_the_incident(self, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        services.incident_record_outcome(
            incident=incident,
            data=services.OutcomeInput(
                outcome=Incident.Outcome.RESOLVED, follow_up_needed=True, follow_up_notes="Ask about housing"
            ),
            by=dispatcher,
        )
        rows = list(FollowUp.objects.filter(incident=incident))
        assert len(rows) == 2 and {r.what_to_do for r in rows} == {"Ask about housing"}
        # Recording the outcome again does not double them.
        services.incident_record_outcome(
            incident=incident,
            data=services.OutcomeInput(
                outcome=Incident.Outcome.RESOLVED, follow_up_needed=True, follow_up_notes="Ask about housing"
            ),
            by=dispatcher,
        )
        assert FollowUp.objects.filter(incident=incident).count() == 2

    def test_declining_at_the_outcome_cancels_what_is_waiting(self, dispatcher, responders):
        incident = send_responders(user=dispatcher, responders=responders[:1]).incident
        data = services.OutcomeInput(
            outcome=Incident.Outcome.RESOLVED, follow_up_needed=True, follow_up_notes="x"
        )
        services.incident_record_outcome(incident=incident, data=data, by=dispatcher)
        services.incident_record_outcome(
            incident=incident,
            data=services.OutcomeInput(outcome=Incident.Outcome.RESOLVED, follow_up_declined=True),
            by=dispatcher,
        )
        assert set(FollowUp.objects.filter(incident=incident).values_list("status", flat=True)) == {
            "cancelled"
        }
        assert Triage.objects.get(pk=incident.triage_id).follow_up_declined


@pytest.mark.django_db
class TestWorkingAFollowUp:
    def test_claim_is_exclusive_and_release_gives_it_back(self, dispatcher, make_user):
        follow_up = phone_support(user=dispatcher).follow_ups.first()
        other = make_user("Dispatcher", username="other")
        services.follow_up_claim(follow_up=follow_up, user=dispatcher)
        with pytest.raises(services.FollowUpTaken):
            services.follow_up_claim(follow_up=follow_up, user=other)
        with pytest.raises(services.DispatchError):
            services.follow_up_release(follow_up=follow_up, user=other)
        services.follow_up_release(follow_up=follow_up, user=dispatcher)
        assert services.follow_up_claim(follow_up=follow_up, user=other).claimed_by == other

    def test_a_volunteer_cannot_claim(self, dispatcher, make_user):
        follow_up = phone_support(user=dispatcher).follow_ups.first()
        with pytest.raises(services.DispatchError):
            services.follow_up_claim(follow_up=follow_up, user=make_user("Volunteer", username="v"))

    def test_no_answer_reschedules_the_next_try(self, dispatcher):
        follow_up = phone_support(user=dispatcher).follow_ups.first()
        services.follow_up_claim(follow_up=follow_up, user=dispatcher)
        at = timezone.now() + timedelta(hours=3)
        services.follow_up_record_result(
            follow_up=follow_up, user=dispatcher, result="no_answer", method="call", reschedule_at=at
        )
        assert (
            follow_up.status == "done" and follow_up.result == "no_answer" and follow_up.done_by == dispatcher
        )
        following = FollowUp.objects.get(rescheduled_from=follow_up)
        assert following.due_at == at and following.status == "scheduled" and following.what_to_do

    def test_the_result_needs_the_claim_and_a_future_time(self, dispatcher):
        follow_up = phone_support(user=dispatcher).follow_ups.first()
        with pytest.raises(services.DispatchError):
            services.follow_up_record_result(follow_up=follow_up, user=dispatcher, result="reached")
        services.follow_up_claim(follow_up=follow_up, user=dispatcher)
        with pytest.raises(services.DispatchError):
            services.follow_up_record_result(
                follow_up=follow_up,
                user=dispatcher,
                result="reached",
                reschedule_at=timezone.now() - timedelta(minutes=1),
            )
        assert FollowUp.objects.get(pk=follow_up.pk).status == "scheduled"

    def test_declined_result_cancels_the_rest_and_blocks_new_ones(self, dispatcher):
        triage = phone_support(user=dispatcher, intake=IntakeFactory(caller="+12025550123"))
        first, second = triage.follow_ups.order_by("due_at")
        services.follow_up_claim(follow_up=first, user=dispatcher)
        services.follow_up_record_result(follow_up=first, user=dispatcher, result="declined")
        second.refresh_from_db()
        assert second.status == "cancelled"
        assert not phone_support(
            user=dispatcher, intake=IntakeFactory(caller="+12025550123")
        ).follow_ups.exists()

    def test_call_rings_the_dispatcher_through_the_hotline_number(self, dispatcher_with_phone):
        messaging.calls.clear()
        follow_up = phone_support(user=dispatcher_with_phone).follow_ups.first()
        services.follow_up_claim(follow_up=follow_up, user=dispatcher_with_phone)
        services.follow_up_call(
            follow_up=follow_up,
            user=dispatcher_with_phone,
            dispatcher_phone=str(dispatcher_with_phone.volunteer.phone),
        )
        assert len(messaging.calls) == 1
        assert follow_up.method == "call" and follow_up.attempted_at is not None

    def test_text_goes_to_the_person_and_joins_their_conversation(self, dispatcher, texts):
        triage = phone_support(user=dispatcher)
        follow_up = triage.follow_ups.first()
        services.follow_up_claim(follow_up=follow_up, user=dispatcher)
        services.follow_up_text(follow_up=follow_up, user=dispatcher, body="How are you doing today?")
        assert texts[-1].to == str(triage.intake.caller) and "How are you" in texts[-1].body
        assert triage.intake.messages.filter(direction="out").exists()
        assert follow_up.method == "text"


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_one_winner(make_user):
    from dispatch.tests.factories import ensure_seeded

    ensure_seeded()
    owner = make_user("Dispatcher", username="owner")
    follow_up = phone_support(user=owner).follow_ups.first()
    racers = [make_user("Dispatcher", username=f"r{i}") for i in range(4)]
    barrier = threading.Barrier(len(racers))
    results: list[str] = []

    def race(user):
        try:
            barrier.wait()
            services.follow_up_claim(follow_up=FollowUp.objects.get(pk=follow_up.pk), user=user)
            results.append("won")
        except services.FollowUpTaken:
            results.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("won") == 1 and results.count("taken") == 3


@pytest.mark.django_db
class TestPages:
    def test_list_views_and_audit(self, client, dispatcher):
        triage = phone_support(user=dispatcher)
        overdue = triage.follow_ups.order_by("due_at").first()
        FollowUp.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(hours=1))
        client.force_login(dispatcher)
        page = client.get(reverse("dispatch:follow_ups") + "?view=overdue").content.decode()
        assert reverse("dispatch:follow_up", args=[overdue.pk]) in page
        assert page.count('href="/dispatch/follow-ups/') >= 1
        all_page = client.get(reverse("dispatch:follow_ups") + "?view=all").content.decode()
        assert all_page.count("Intake #") == 2
        mine = client.get(reverse("dispatch:follow_ups") + "?view=mine").content.decode()
        assert "No follow-ups here." in mine
        assert AuditEntry.objects.filter(what="follow-up list", actor=dispatcher).exists()

    def test_console_shows_the_overdue_count_linking_to_the_list(self, client, dispatcher):
        triage = phone_support(user=dispatcher)
        triage.follow_ups.update(due_at=timezone.now() - timedelta(minutes=5))
        client.force_login(dispatcher)
        page = client.get(reverse("dispatch:console")).content.decode()
        assert "2 follow-ups overdue" in page and "?view=overdue" in page

    def test_page_shows_the_number_and_is_audited(self, client, dispatcher):
        triage = phone_support(user=dispatcher)
        follow_up = triage.follow_ups.first()
        client.force_login(dispatcher)
        page = client.get(reverse("dispatch:follow_up", args=[follow_up.pk])).content.decode()
        assert str(triage.intake.caller) in page and "Take this follow-up" in page
        assert AuditEntry.objects.filter(what="follow-up page", actor=dispatcher).exists()

    def test_claim_then_record_result_through_the_forms(self, client, dispatcher):
        follow_up = phone_support(user=dispatcher).follow_ups.first()
        client.force_login(dispatcher)
        client.post(reverse("dispatch:follow_up_claim", args=[follow_up.pk]))
        response = client.post(
            reverse("dispatch:follow_up_result", args=[follow_up.pk]),
            {"result": "connected", "method": "call", "notes": "Went to the clinic"},
        )
        assert response.status_code == 302
        follow_up.refresh_from_db()
        assert follow_up.result == "connected" and follow_up.result_notes == "Went to the clinic"

    def test_result_form_refuses_reschedule_after_decline(self, client, dispatcher):
        follow_up = phone_support(user=dispatcher).follow_ups.first()
        services.follow_up_claim(follow_up=follow_up, user=dispatcher)
        client.force_login(dispatcher)
        response = client.post(
            reverse("dispatch:follow_up_result", args=[follow_up.pk]),
            {
                "result": "declined",
                "reschedule_at": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert response.status_code == 400
        assert FollowUp.objects.get(pk=follow_up.pk).status == "scheduled"

    def test_decide_form_schedules_and_records_a_decline(self, client, dispatcher):
        from dispatch.tests.test_triage import form_data

        client.force_login(dispatcher)
        triage = claimed(user=dispatcher)
        client.post(
            reverse("dispatch:intake_decide", args=[triage.intake_id]),
            form_data(
                SEND_ANSWERS,
                decision=Decision.PHONE_SUPPORT,
                override_reason="Talk only",
                follow_up="on",
                follow_up_what="Call about food bank",
            ),
        )
        assert triage.follow_ups.count() == 2
        other = claimed(user=dispatcher)
        client.post(
            reverse("dispatch:intake_decide", args=[other.intake_id]),
            form_data(
                SEND_ANSWERS,
                decision=Decision.PHONE_SUPPORT,
                override_reason="Talk only",
                follow_up="on",
                follow_up_declined="on",
            ),
        )
        other.refresh_from_db()
        assert other.decision == Decision.PHONE_SUPPORT
        assert other.follow_up_declined and not other.follow_ups.exists()
