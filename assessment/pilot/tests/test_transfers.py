"""Warm transfers on the pilot dashboard: counted by target and outcome, and a call bridged to
911 is not "handled without police"."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from assessment.pilot.selectors import Metrics, Period
from assessment.pilot.tables import TABLES
from assessment.pilot.tests.factories import local, make_contact, make_triage
from dispatch.models import Decision
from hotline.models import CallConference, CallTransfer, Intake

JUNE = Period(date(2026, 6, 1), date(2026, 6, 30))
DAY = date(2026, 6, 12)

pytestmark = pytest.mark.django_db


def transfer(intake: Intake, target: str, outcome: str, label: str = "") -> CallTransfer:
    conference, _created = CallConference.objects.get_or_create(
        call=intake.call, ended_at=None, defaults={"name": f"hotline-call-{intake.call.pk}-1"}
    )
    labels = {"911": "911", "988": "988 Suicide & Crisis Lifeline"}
    return CallTransfer.objects.create(
        conference=conference,
        call=intake.call,
        target=target,
        target_key=target,
        target_label=label or labels[target],
        number=target,
        outcome=outcome,
    )


@pytest.fixture
def contacts(staff_user):
    made = [make_contact(at=local(DAY, 9 + index), caller=f"+1202555030{index}") for index in range(4)]
    for intake in made:
        make_triage(intake, decision=Decision.PHONE_SUPPORT, by=staff_user)
    return made


def test_a_call_bridged_to_911_is_not_handled_without_police(contacts):
    a, b, c, _d = contacts
    transfer(a, "911", CallTransfer.Outcome.ANSWERED)
    transfer(b, "911", CallTransfer.Outcome.NO_ANSWER)  # 911 never took it: still ours
    transfer(c, "988", CallTransfer.Outcome.ANSWERED)  # 988 is not police

    police = Metrics(period=JUNE, pilot=None).without_police
    assert (police.triaged, police.transferred_911, police.escalated_911) == (4, 1, 0)
    assert police.without_police == 3
    assert police.rate == pytest.approx(0.75)


def test_escalated_and_transferred_counts_once(contacts, staff_user):
    escalated = make_contact(at=local(DAY, 15), caller="+12025550399")
    make_triage(escalated, decision=Decision.ESCALATE, by=staff_user)
    transfer(escalated, "911", CallTransfer.Outcome.ANSWERED)
    police = Metrics(period=JUNE, pilot=None).without_police
    assert (police.triaged, police.escalated_911, police.transferred_911) == (5, 1, 0)
    assert police.without_police == 4


def test_the_per_source_police_share_leaves_out_911_transfers_too(contacts):
    transfer(contacts[0], "911", CallTransfer.Outcome.ANSWERED)
    [row] = [r for r in Metrics(period=JUNE, pilot=None).by_source if r.source == Intake.Source.HOTLINE_CALL]
    assert (row.police.triaged, row.police.without_police) == (4, 3)


def test_transfers_by_target_and_outcome(contacts):
    a, b, c, d = contacts
    transfer(a, "911", CallTransfer.Outcome.ANSWERED)
    transfer(b, "988", CallTransfer.Outcome.NO_ANSWER)
    transfer(c, "988", CallTransfer.Outcome.ANSWERED)
    transfer(d, "partner", CallTransfer.Outcome.BUSY, label="Mobile crisis team")
    outside = make_contact(at=local(date(2026, 7, 2), 9), caller="+12025550398")
    transfer(outside, "988", CallTransfer.Outcome.ANSWERED)

    m = Metrics(period=JUNE, pilot=None)
    rows = [(r.label, r.answered, r.no_answer, r.busy, r.failed, r.total) for r in m.transfers]
    assert rows == [
        ("911", 1, 0, 0, 0, 1),
        ("988 Suicide & Crisis Lifeline", 1, 1, 0, 0, 2),
        ("Mobile crisis team", 0, 0, 1, 0, 1),
    ]
    table = TABLES["transfers"](m)
    assert table.totals[1:] == [2, 1, 1, 0, 4]
    police_rows = {str(row[0]): row[1] for row in TABLES["without_police"](m).rows}
    assert police_rows["Call transferred to 911"] == 1


def test_the_dashboard_shows_the_transfers(client, coordinator, contacts):
    transfer(contacts[0], "988", CallTransfer.Outcome.ANSWERED)
    client.force_login(coordinator)
    page = client.get(reverse("assessment:dashboard"), {"start": "2026-06-01", "end": "2026-06-30"})
    assert page.status_code == 200
    assert b'id="table-transfers"' in page.content and b'id="glossary-transfers"' in page.content
    assert b"988 Suicide &amp; Crisis Lifeline" in page.content
