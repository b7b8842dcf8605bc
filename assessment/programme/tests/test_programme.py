"""Lessons learned (findings by area beside the dashboard's figures, the dated decision, one
printable report) and the steering committee (members, meetings, decisions linked to roadmap
phases and readiness checks, action items with owners and due dates)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    ActionItem,
    Finding,
    LessonsReview,
    RoadmapPhase,
    SteeringDecision,
    SteeringMember,
)
from assessment.programme import selectors, services
from outreach.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH_AGO = TODAY - datetime.timedelta(days=30)


def test_coordinator_records_findings_and_the_decision_beside_the_periods_figures(client, coordinator):
    EventFactory(held_on=TODAY - datetime.timedelta(days=3), people_reached=40)
    EventFactory(held_on=MONTH_AGO - datetime.timedelta(days=10), people_reached=99)  # outside the period
    client.force_login(coordinator)
    response = client.post(
        reverse("assessment:lessons"),
        {"title": "First month", "first_day": MONTH_AGO.isoformat(), "last_day": TODAY.isoformat()},
    )
    review = LessonsReview.objects.get()
    assert response["Location"] == review.get_absolute_url()

    for area, text in (
        ("outreach", "Tabling at the market reached more people"),
        ("partners", "No night shelter"),
    ):
        client.post(
            reverse("assessment:lessons_finding_add", args=[review.pk]),
            {"area": area, "finding": text, "recommendation": "Keep going"},
        )
    client.post(
        reverse("assessment:lessons_decide", args=[review.pk]),
        {"decision": "change", "decided_on": TODAY.isoformat(), "notes": "Extend hours"},
    )
    review.refresh_from_db()
    assert (review.decision, review.decided_on) == ("change", TODAY)

    page = client.get(review.get_absolute_url())
    sections = {s.area: s for s in page.context["sections"]}
    assert list(sections) == ["calls", "response", "outreach", "volunteers", "partners"]
    outreach_figures = dict(sections["outreach"].figures)
    assert outreach_figures["Events"] == 1 and outreach_figures["People reached"] == 40
    assert [f.finding for f in sections["partners"].findings] == ["No night shelter"]
    html = page.content.decode()
    assert "data-print" in html and "Change" in html and "Extend hours" in html


def test_decisions_and_periods_are_validated():
    review = services.lessons_review_create(title="Q1", first_day=MONTH_AGO, last_day=TODAY, by=None)
    with pytest.raises(ValidationError):
        services.lessons_review_create(title="Bad", first_day=TODAY, last_day=MONTH_AGO, by=None)
    with pytest.raises(ValidationError):
        services.lessons_decide(review=review, decision="maybe", decided_on=TODAY)
    with pytest.raises(ValidationError):
        services.lessons_decide(review=review, decision="stop", decided_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.finding_add(review=review, area="calls", finding="  ", by=None)
    assert not Finding.objects.exists()


def test_steering_meeting_with_attendees_decisions_linked_to_phases_and_checks_and_action_items(
    client, coordinator
):
    client.force_login(coordinator)
    client.post(
        reverse("assessment:steering"),
        {
            "name": "Mina Park",
            "affiliation": "Koreatown Youth Center",
            "community_represented": "Korean-speaking families",
            "term_starts": MONTH_AGO.isoformat(),
        },
    )
    mina = SteeringMember.objects.get()
    former = SteeringMember.objects.create(
        name="Former", term_starts=MONTH_AGO - datetime.timedelta(days=400), term_ends=MONTH_AGO
    )
    response = client.post(
        reverse("assessment:steering_meeting_create"),
        {
            "held_on": TODAY.isoformat(),
            "title": "Launch review",
            "agenda": "1. Readiness",
            "attendees": [former.pk],
        },
    )
    assert response.status_code == 400, "a member whose term ended cannot attend"
    response = client.post(
        reverse("assessment:steering_meeting_create"),
        {
            "held_on": TODAY.isoformat(),
            "title": "Launch review",
            "minutes": "Agreed to wait",
            "attendees": [mina.pk],
        },
    )
    meeting = mina.meetings.get()
    assert response["Location"] == meeting.get_absolute_url()

    launch = RoadmapPhase.objects.get_or_create(kind=RoadmapPhase.Kind.LAUNCH)[0]
    client.post(
        reverse("assessment:steering_decision_add", args=[meeting.pk]),
        {
            "text": "Launch after an MOU is signed",
            "phases": [launch.pk],
            "readiness_checks": ["partner_agreements"],
        },
    )
    decision = SteeringDecision.objects.get()
    assert list(decision.phases.all()) == [launch]
    assert decision.readiness_checks == ["partner_agreements"]
    assert list(selectors.decisions_for_check("partner_agreements")) == [decision]
    bad = client.post(
        reverse("assessment:steering_decision_add", args=[meeting.pk]),
        {"text": "x", "readiness_checks": ["nope"]},
    )
    assert bad.status_code == 400

    due = TODAY - datetime.timedelta(days=1)
    client.post(
        reverse("assessment:steering_action_add", args=[meeting.pk]),
        {"description": "Call the clinic", "owner": mina.pk, "due_on": due.isoformat()},
    )
    item = ActionItem.objects.get()
    page = client.get(reverse("assessment:steering"))
    assert [a.overdue for a in page.context["actions"]] == [True]
    assert (
        "An MOU with at least one mental-health partner"
        in client.get(meeting.get_absolute_url()).content.decode()
    )
    client.post(reverse("assessment:steering_action_done", args=[item.pk]), {"back": "steering"})
    item.refresh_from_db()
    assert item.done_on == TODAY
    assert not client.get(reverse("assessment:steering")).context["actions"]
    with pytest.raises(ValidationError):
        services.action_item_done(item=item)


def test_programme_pages_are_for_coordinators_only(client, dispatcher):
    client.force_login(dispatcher)
    for name in ("assessment:lessons", "assessment:steering", "assessment:steering_meeting_create"):
        assert client.get(reverse(name)).status_code == 403
