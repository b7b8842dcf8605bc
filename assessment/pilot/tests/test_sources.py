"""The dashboard narrowed to some sources, and the key figures side by side per source, on
constructed data with exact expected numbers."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.pilot import tables
from assessment.pilot.selectors import Metrics, Period, Stats
from assessment.pilot.tests.factories import (
    local,
    make_call,
    make_contact,
    make_incident,
    make_referral,
    make_triage,
    utc,
)
from assessment.pilot.tests.test_views import build_contacts, read_csv
from dispatch.models import Decision, Incident
from hotline.models import Call, Intake
from outreach.tests.factories import PartnerFactory
from volunteers.models import ShiftAssignment, ShiftRole
from volunteers.tests.factories import ShiftAssignmentFactory, ShiftFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 10)
JUNE = Period(date(2026, 6, 1), date(2026, 6, 30))
NOW = utc(2026, 9, 1, 12)
CHOSEN = (Intake.Source.TRANSFER_911, Intake.Source.FIELD_INITIATED)


def metrics(period: Period = JUNE) -> Metrics:
    return Metrics(period=period, pilot=None, now=NOW)


def voice(hour: int, *, answered_after: float, source: str = "") -> Intake:
    at = local(DAY, hour)
    call = make_call(started_at=at, answered_after=answered_after)
    return make_contact(at=at, call=call, source=source)


@pytest.fixture
def mixed_sources(staff_user):
    """Seven contacts of June 10 from one number, from five sources, and one call that never
    became a contact:

    - hotline call, answered in 10 s, responders sent, on scene after 10 min, police requested;
    - hotline call, answered in 30 s, phone support;
    - transfer from 911, answered in 20 s, responders sent, on scene after 5 min, referred;
    - transfer from 911, answered in 40 s, escalated to 911;
    - text, referred at triage;
    - field-initiated, responders sent, on scene after 2 min;
    - request from police or 311, answered in 5 s, never triaged;
    - an inbound call abandoned at the language menu (no contact, no source).
    """
    shelter = PartnerFactory(name="Harbor Shelter")
    by = staff_user
    a = make_triage(voice(8, answered_after=10), decision=Decision.SEND_RESPONDERS, by=by)
    make_incident(a, by=by, events={"on_scene": 600}, outcome=Incident.Outcome.POLICE_REQUESTED)
    make_triage(voice(9, answered_after=30), decision=Decision.PHONE_SUPPORT, by=by)
    c = make_triage(
        voice(10, answered_after=20, source=Intake.Source.TRANSFER_911),
        decision=Decision.SEND_RESPONDERS,
        by=by,
    )
    incident = make_incident(c, by=by, events={"on_scene": 300}, outcome=Incident.Outcome.REFERRED)
    make_referral(partner=shelter, incident=incident)
    make_triage(
        voice(11, answered_after=40, source=Intake.Source.TRANSFER_911), decision=Decision.ESCALATE, by=by
    )
    text = make_contact(at=local(DAY, 12), channel=Intake.Channel.SMS, call=None)
    make_referral(partner=shelter, triage=make_triage(text, decision=Decision.REFER, by=by))
    field = make_contact(at=local(DAY, 13), channel=Intake.Channel.IN_PERSON, call=None)
    f = make_triage(field, decision=Decision.SEND_RESPONDERS, by=by)
    make_incident(f, by=by, events={"on_scene": 120}, outcome=Incident.Outcome.RESOLVED)
    voice(14, answered_after=5, source=Intake.Source.POLICE_311_REQUEST)
    make_call(started_at=local(DAY, 15), outcome=Call.Outcome.ABANDONED)


def figures(m: Metrics) -> dict[str, tuple]:
    return {
        row.source: (
            row.contacts,
            row.triaged,
            row.sent_responders,
            row.police.rate,
            row.time_to_answer,
            row.incidents,
            row.on_scene,
        )
        for row in m.by_source
    }


def test_key_figures_side_by_side_for_every_source(mixed_sources):
    assert figures(metrics()) == {
        "hotline_call": (2, 2, 1, 0.5, Stats(2, 20.0, 28.0), 1, Stats(1, 600.0, 600.0)),
        "text": (1, 1, 0, 1.0, Stats(), 0, Stats()),
        "transfer_911": (2, 2, 1, 0.5, Stats(2, 30.0, 38.0), 1, Stats(1, 300.0, 300.0)),
        "police_311_request": (1, 0, 0, None, Stats(1, 5.0, 5.0), 0, Stats()),
        "partner": (0, 0, 0, None, Stats(), 0, Stats()),
        "field_initiated": (1, 1, 1, 1.0, Stats(), 1, Stats(1, 120.0, 120.0)),
    }


def test_by_source_table_and_its_totals(mixed_sources):
    table = tables.by_source_table(metrics())
    assert [column.csv_label for column in table.columns] == [
        "Source",
        "Contacts",
        "Triaged",
        "Sent responders",
        "Handled without police (%)",
        "Median time to answer (s)",
        "Incidents",
        "Median dispatch to on scene (s)",
    ]
    lines = table.csv_rows()
    assert lines[1] == ["Hotline call", "2", "2", "1", "50.0", "20.0", "1", "600.0"]
    assert lines[2] == ["Text message", "1", "1", "0", "100.0", "", "0", ""]
    assert lines[4] == ["Request from police or 311", "1", "0", "0", "", "5.0", "0", ""]
    # Every contact once; the median time to answer over all five answered calls (5, 10, 20, 30,
    # 40 s), the on-scene median over all three incidents (120, 300, 600 s).
    assert lines[-1] == ["All sources", "7", "6", "3", "66.7", "20.0", "3", "300.0"]


def test_every_contact_metric_follows_the_source_filter(mixed_sources):
    m = metrics(Period(JUNE.first_day, JUNE.last_day, sources=CHOSEN))
    assert m.contacts == 3
    assert m.sources == {
        "hotline_call": 0,
        "text": 0,
        "transfer_911": 2,
        "police_311_request": 0,
        "partner": 0,
        "field_initiated": 1,
    }
    assert m.channels == {"voice": 2, "sms": 0, "field": 1}
    assert m.decisions[Decision.SEND_RESPONDERS] == 2 and m.decisions[Decision.ESCALATE] == 1
    assert m.decisions[Decision.PHONE_SUPPORT] == 0 and m.decisions[Decision.REFER] == 0
    police = m.without_police
    assert (police.triaged, police.escalated_911, police.police_requested) == (3, 1, 0)
    assert police.rate == pytest.approx(2 / 3)
    # Calls: only the two transfers (the abandoned call has no source).
    assert m.answering.calls == 2 and m.answering.within == {15: 0, 20: 1}
    assert m.answering.time_to_answer == Stats(2, 30.0, 38.0)
    assert m.chain.incidents == 2
    assert m.chain.steps["on_scene"] == Stats(2, 210.0, 282.0)
    assert m.outcomes[Incident.Outcome.REFERRED] == 1 and m.outcomes[Incident.Outcome.POLICE_REQUESTED] == 0
    assert [(row.partner, row.from_triage, row.from_incident) for row in m.referrals] == [
        ("Harbor Shelter", 0, 1)
    ]
    assert (m.repeat_callers.numbers, m.repeat_callers.contacts, m.repeat_callers.total_contacts) == (1, 3, 3)
    assert m.heatmap[DAY.weekday()][10] == 1 and m.heatmap[DAY.weekday()][8] == 0
    assert sum(map(sum, m.heatmap)) == 3
    assert [row.source for row in m.by_source] == list(CHOSEN)


def test_the_unfiltered_figures_count_every_contact_and_call(mixed_sources):
    m = metrics()
    assert m.contacts == 7
    assert m.answering.calls == 6  # five contacts' calls and the abandoned one
    assert m.chain.incidents == 3
    assert (m.repeat_callers.numbers, m.repeat_callers.contacts) == (1, 7)
    assert sum(row.total for row in m.referrals) == 2


def test_a_source_with_too_few_contacts_has_no_repeat_caller(mixed_sources):
    m = metrics(Period(JUNE.first_day, JUNE.last_day, sources=(Intake.Source.TRANSFER_911,)))
    assert (m.repeat_callers.numbers, m.repeat_callers.contacts) == (0, 0)
    assert m.chain.steps["on_scene"] == Stats(1, 300.0, 300.0)


def test_volunteer_figures_are_not_per_source(mixed_sources):
    shift = ShiftFactory(role=ShiftRole.DISPATCHER, starts_at=local(DAY, 8), ends_at=local(DAY, 12))
    ShiftAssignmentFactory(shift=shift, status=ShiftAssignment.Status.ATTENDED)
    everyone = metrics()
    narrowed = metrics(Period(JUNE.first_day, JUNE.last_day, sources=CHOSEN))
    assert narrowed.volunteers.hours == everyone.volunteers.hours == 4.0
    assert narrowed.volunteers.served == everyone.volunteers.served == 1


# --------------------------------------------------------------------------------------------
# The page, the CSV exports and the printed report


def page_url(query: str) -> str:
    return reverse("assessment:dashboard") + query


NARROWED = "?start=2026-06-01&end=2026-06-30&source=transfer_911&source=field_initiated"


def test_the_page_narrowed_to_some_sources_says_so(client, coordinator, mixed_sources):
    client.force_login(coordinator)
    response = client.get(page_url(NARROWED))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["metrics"].contacts == 3
    # Stated where the printed report shows it (the form itself is not printed).
    assert "Only contacts from: Transfer from 911, Field-initiated." in page
    assert "Volunteer, shift coverage and training figures are not per source" in page
    assert 'id="volunteers-not-per-source"' in page
    # The boxes ticked, and every CSV link keeps the filter.
    assert re.search(r'value="transfer_911" id="[^"]+" checked', page)
    assert not re.search(r'value="hotline_call" id="[^"]+" checked', page)
    assert "start=2026-06-01&amp;end=2026-06-30&amp;source=transfer_911&amp;source=field_initiated" in page
    by_source = response.context["tables"]["by_source"]
    assert [row[0] for row in by_source.rows] == ["Transfer from 911", "Field-initiated"]
    assert by_source.totals[:4] == ["All chosen sources", 3, 3, 2]


def test_the_unfiltered_page_states_no_filter(client, coordinator, mixed_sources):
    client.force_login(coordinator)
    response = client.get(page_url("?start=2026-06-01&end=2026-06-30"))
    page = response.content.decode()
    assert "Only contacts from" not in page
    assert 'id="volunteers-not-per-source"' not in page
    assert response.context["metrics"].contacts == 7
    assert len(response.context["tables"]["by_source"].rows) == len(Intake.Source.values)


def test_ticking_every_source_is_no_filter(client, coordinator, mixed_sources):
    client.force_login(coordinator)
    every = "".join(f"&source={source}" for source in Intake.Source.values)
    response = client.get(page_url("?start=2026-06-01&end=2026-06-30" + every))
    assert response.context["period"].sources == ()
    assert response.context["metrics"].answering.calls == 6  # the abandoned call is kept


def test_sources_alone_keep_the_default_period(client, coordinator, mixed_sources):
    client.force_login(coordinator)
    response = client.get(page_url("?source=text"))
    assert response.status_code == 200
    period = response.context["period"]
    assert period.sources == ("text",) and period.days == 30


def test_an_unknown_source_is_a_clear_400(client, coordinator):
    client.force_login(coordinator)
    response = client.get(page_url("?start=2026-06-01&end=2026-06-30&source=carrier-pigeon"))
    assert response.status_code == 400
    assert (
        "Select a valid choice. carrier-pigeon is not one of the available choices."
        in response.content.decode()
    )
    export = client.get(
        reverse("assessment:pilot_export", args=["by_source"]) + "?start=2026-06-01&end=2026-06-30&source=x"
    )
    assert export.status_code == 400


def test_csv_exports_honour_and_state_the_filter(client, coordinator, mixed_sources):
    client.force_login(coordinator)
    response = client.get(reverse("assessment:pilot_export", args=["by_source"]) + NARROWED)
    assert response.status_code == 200
    assert (
        'filename="pilot-by-source-20260601-20260630-transfer-911-field-initiated.csv"'
        in response["Content-Disposition"]
    )
    rows = read_csv(response)
    assert rows[1] == ["Transfer from 911", "2", "2", "1", "50.0", "30.0", "1", "300.0"]
    assert rows[2] == ["Field-initiated", "1", "1", "1", "100.0", "", "1", "120.0"]
    assert rows[3] == ["All chosen sources", "3", "3", "2", "66.7", "30.0", "2", "210.0"]
    assert rows[-1] == ["Sources: Transfer from 911, Field-initiated"]
    decisions = read_csv(client.get(reverse("assessment:pilot_export", args=["decisions"]) + NARROWED))
    assert ["Send responders", "2", "66.7"] in decisions
    assert ["All contacts", "3", "100.0"] in decisions
    volunteers = read_csv(client.get(reverse("assessment:pilot_export", args=["volunteers"]) + NARROWED))
    assert volunteers[-2:] == [
        ["Sources: Transfer from 911, Field-initiated"],
        ["These figures are not per source: they count every volunteer, shift and module."],
    ]
    unfiltered = read_csv(
        client.get(
            reverse("assessment:pilot_export", args=["by_source"]) + "?start=2026-06-01&end=2026-06-30"
        )
    )
    assert unfiltered[-1] == ["All sources", "7", "6", "3", "66.7", "20.0", "3", "300.0"]


def counted(queries: CaptureQueriesContext) -> int:
    # The hours of operation are cached per process for a few seconds (hotline.selectors): the
    # first page of a test reads them, the next may not.
    return sum("hotline_operatinghours" not in query["sql"] for query in queries.captured_queries)


def test_the_filter_adds_no_query(client, coordinator, staff_user, mixed_sources):
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as everything:
        assert client.get(page_url("?start=2026-06-01&end=2026-06-30")).status_code == 200
    with CaptureQueriesContext(connection) as narrowed:
        assert client.get(page_url(NARROWED)).status_code == 200
    build_contacts(12, by=staff_user)
    with CaptureQueriesContext(connection) as more:
        assert client.get(page_url(NARROWED)).status_code == 200
    assert counted(everything) == counted(narrowed) == counted(more)


# --------------------------------------------------------------------------------------------
# Korean and Spanish


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        (
            "ko",
            ["주요 수치", "연락과 전화", "출처별 주요 수치", "경찰 없이 처리한 비율", "근무 충족률", "정의"],
        ),
        (
            "es",
            [
                "Cifras clave",
                "Contactos y llamadas",
                "Cifras clave por origen",
                "Proporción atendida sin policía",
                "Cobertura de turnos",
                "Definiciones",
            ],
        ),
    ],
)
def test_the_dashboard_speaks_korean_and_spanish(client, coordinator, mixed_sources, language, headings):
    client.force_login(coordinator)
    response = client.get(page_url(NARROWED), headers={"accept-language": language})
    assert response.status_code == 200
    page = response.content.decode()
    for heading in headings:
        assert heading in page, heading
    assert "Key figures" not in page and "Contacts and calls" not in page
    # The source filter is stated in the language too.
    statement = {"ko": "다음 출처의 연락만:", "es": "Solo contactos de:"}[language]
    assert statement in page


def test_a_korean_csv_export_is_translated(client, coordinator, mixed_sources):
    client.force_login(coordinator)
    response = client.get(
        reverse("assessment:pilot_export", args=["by_source"]) + NARROWED, headers={"accept-language": "ko"}
    )
    rows = read_csv(response)
    assert rows[0][:3] == ["출처", "연락 수", "분류됨"]
    assert rows[-1][0].startswith("출처: ")
