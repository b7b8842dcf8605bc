"""The dashboard page, its CSV exports and the pilot settings: access, content, queries."""

import csv
import io
import json
from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import PilotSettings
from assessment.pilot.services import pilot_settings_save
from assessment.pilot.tests.factories import local, make_contact, make_incident, make_referral, make_triage
from dispatch.models import Decision, Incident
from hotline.models import Intake, OperatingHours
from hotline.selectors import is_open
from outreach.models import Partner
from outreach.tests.factories import PartnerFactory
from volunteers.models import ShiftAssignment, ShiftRole
from volunteers.tests.factories import (
    AreaFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    TrainingModuleFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("assessment:dashboard")
SETTINGS = reverse("assessment:pilot_settings")
JUNE = "?start=2026-06-01&end=2026-06-30"


def export_url(table: str, query: str = JUNE) -> str:
    return reverse("assessment:pilot_export", args=[table]) + query


@pytest.fixture
def pilot():
    return pilot_settings_save(
        name="Summer pilot 2026",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 8, 31),
        service_areas=[AreaFactory(name="Downtown", slug="downtown")],
        min_dispatchers=1,
        min_responders=2,
    )


def build_contacts(count: int, *, by) -> None:
    """`count` contacts of June with triage, an incident, a referral and a shift, so that every
    query of the page has rows to read."""
    partner = Partner.objects.filter(name="Harbor Shelter").first() or PartnerFactory(name="Harbor Shelter")
    area = AreaFactory(name="Downtown", slug="downtown")
    for index in range(count):
        contact = make_contact(at=local(date(2026, 6, 1 + index % 28), index % 24), area=area)
        triage = make_triage(
            contact, decision=Decision.SEND_RESPONDERS, call_type="welfare-check", area=area, by=by
        )
        incident = make_incident(
            triage, by=by, outcome=Incident.Outcome.REFERRED, events={"accepted": 60, "on_scene": 600}
        )
        make_referral(partner=partner, incident=incident)
    shift = ShiftFactory(
        role=ShiftRole.DISPATCHER, starts_at=local(date(2026, 6, 2), 8), ends_at=local(date(2026, 6, 2), 16)
    )
    ShiftAssignmentFactory(shift=shift, status=ShiftAssignment.Status.ATTENDED)


# --------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("url", [DASHBOARD, SETTINGS, export_url("channels")])
def test_visitors_go_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["dispatcher", "responder", "volunteer_user"])
@pytest.mark.parametrize("url", [DASHBOARD, SETTINGS, export_url("channels")])
def test_only_coordinators_see_the_pilot_pages(client, request, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 403


def test_a_dispatcher_cannot_change_the_hours(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(SETTINGS, {"name": "x", "hours-TOTAL_FORMS": "0", "hours-INITIAL_FORMS": "0"})
    assert response.status_code == 403
    assert not PilotSettings.objects.exists()


# --------------------------------------------------------------------------------------------
# The page


def test_dashboard_defaults_to_the_pilot_period(client, coordinator, pilot):
    client.force_login(coordinator)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    period = response.context["period"]
    assert (period.first_day, period.last_day) == (date(2026, 6, 1), date(2026, 8, 31))
    page = response.content.decode()
    assert "Summer pilot 2026" in page
    assert 'value="2026-06-01"' in page and 'value="2026-08-31"' in page
    assert "the pilot period" in page


def test_dashboard_without_a_pilot_shows_the_last_30_days_and_asks_for_one(client, coordinator):
    client.force_login(coordinator)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["period"].days == 30
    assert SETTINGS in response.content.decode()


def test_dashboard_shows_every_metric_with_its_definition(client, coordinator, pilot, staff_user):
    build_contacts(3, by=staff_user)
    client.force_login(coordinator)
    response = client.get(DASHBOARD + JUNE)
    page = response.content.decode()
    assert response.context["metrics"].contacts == 3
    for slug in (
        "channels",
        "sources",
        "answering",
        "answer_time",
        "voicemails",
        "decisions",
        "call_types",
        "response_times",
        "outcomes",
        "referrals",
        "referral_loop",
        "without_police",
        "repeat_callers",
        "heatmap",
        "areas",
        "volunteers",
        "coverage",
        "training",
    ):
        assert f'id="table-{slug}"' in page, slug
        assert f'id="glossary-{slug}"' in page, slug
        assert export_url(slug).replace("&", "&amp;") in page, slug
    # The share handled without police states its definition on the page itself.
    assert "whose incident, if any, did not end with police requested" in page
    # Charts: the vendored library, the data, and a canvas for each chart.
    assert "vendor/chartjs/chart.umd.min.js" in page
    charts = json.loads(
        page.split('<script id="pilot-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    for slug in charts:
        assert f'data-pilot-chart="{slug}"' in page
    assert charts["channels"]["datasets"][0]["data"] == [3, 0, 0]
    assert charts["heatmap"]["labels"][0] == "00"
    # Links: outreach summary for the same period, the 911 analysis.
    assert reverse("outreach:summary") + "?start=2026-06-01&amp;end=2026-06-30" in page
    assert reverse("assessment:cfs_index") in page


def test_bad_dates_are_a_clear_400(client, coordinator):
    client.force_login(coordinator)
    response = client.get(DASHBOARD + "?start=2026-06-30&end=2026-06-01")
    assert response.status_code == 400
    assert "The last day must not be before the first." in response.content.decode()
    assert client.get(DASHBOARD + "?start=yesterday&end=2026-06-01").status_code == 400
    assert client.get(DASHBOARD + "?start=2020-01-01&end=2026-06-01").status_code == 400  # over 3 years
    assert client.get(export_url("channels", "?start=2026-06-30&end=2026-06-01")).status_code == 400


def test_the_number_of_queries_does_not_grow_with_the_data(client, coordinator, pilot, staff_user):
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as empty:
        assert client.get(DASHBOARD + JUNE).status_code == 200
    build_contacts(2, by=staff_user)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD + JUNE)
    build_contacts(25, by=staff_user)
    with CaptureQueriesContext(connection) as more:
        client.get(DASHBOARD + JUNE)
    assert len(few) == len(more)
    assert len(empty) <= len(few)


def test_the_page_stays_within_a_fixed_number_of_queries(
    client, coordinator, pilot, staff_user, django_assert_max_num_queries
):
    build_contacts(30, by=staff_user)
    client.force_login(coordinator)
    # 33 today: the warm transfers, police unit-hours, diversion evidence and equity sections add a
    # few each (constant in rows: the test above).
    with django_assert_max_num_queries(36):
        assert client.get(DASHBOARD + JUNE).status_code == 200


# --------------------------------------------------------------------------------------------
# CSV


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_of_a_table(client, coordinator, staff_user):
    build_contacts(4, by=staff_user)
    client.force_login(coordinator)
    response = client.get(export_url("decisions"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="pilot-decisions-20260601-20260630.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["Decision", "Contacts", "Share (%)"]
    assert ["Send responders", "4", "100.0"] in rows
    assert ["Phone support only", "0", "0.0"] in rows
    assert rows[-1] == ["All contacts", "4", "100.0"]


def test_csv_export_of_response_times_is_in_seconds(client, coordinator, staff_user):
    build_contacts(2, by=staff_user)
    client.force_login(coordinator)
    rows = read_csv(client.get(export_url("response_times")))
    assert rows[0] == ["Step", "Count", "Median (s)", "90th percentile (s)"]
    assert ["Dispatch to on scene", "2", "600.0", "600.0"] in rows
    assert ["Dispatch to cleared", "0", "", ""] in rows


def test_csv_export_guards_against_spreadsheet_formulas(client, coordinator, staff_user):
    triage = make_triage(make_contact(at=local(date(2026, 6, 3), 9)), decision=Decision.REFER, by=staff_user)
    make_referral(partner=PartnerFactory(name='=HYPERLINK("http://evil.example")'), triage=triage)
    client.force_login(coordinator)
    rows = read_csv(client.get(export_url("referrals")))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'


def test_every_table_exports(client, coordinator, staff_user):
    from assessment.pilot.tables import TABLES

    build_contacts(1, by=staff_user)
    TrainingModuleFactory(title="De-escalation")
    client.force_login(coordinator)
    for slug in TABLES:
        response = client.get(export_url(slug))
        assert response.status_code == 200, slug
        assert len(read_csv(response)) >= 2, slug


def test_unknown_table_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(export_url("passwords")).status_code == 404


# --------------------------------------------------------------------------------------------
# Settings, sharing the hotline's hours


def hours_form(rows, existing=()):
    data = {
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": str(len(existing)),
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"hours-{index}-{key}"] = value
    return data


def test_settings_save_the_pilot_and_the_hotline_hours(client, coordinator):
    downtown = AreaFactory(name="Downtown")
    OperatingHours.objects.create(weekday=6, opens=time(10), closes=time(14))
    client.force_login(coordinator)
    old = OperatingHours.objects.get()
    data = {
        "name": "Summer pilot",
        "starts_on": "2026-06-01",
        "ends_on": "2026-08-31",
        "service_areas": [downtown.pk],
        "min_dispatchers": "1",
        "min_responders": "2",
        **hours_form(
            [
                {"id": str(old.pk), "weekday": "6", "opens": "10:00", "closes": "14:00", "DELETE": "on"},
                {"weekday": "4", "opens": "18:00", "closes": "02:00"},
                {"weekday": "", "opens": "", "closes": ""},
            ],
            existing=[old],
        ),
    }
    response = client.post(SETTINGS, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pilot = PilotSettings.objects.get()
    assert (pilot.name, pilot.starts_on, pilot.ends_on) == (
        "Summer pilot",
        date(2026, 6, 1),
        date(2026, 8, 31),
    )
    assert list(pilot.service_areas.all()) == [downtown]
    assert pilot.updated_by == coordinator
    assert list(OperatingHours.objects.values_list("weekday", "opens", "closes")) == [(4, time(18), time(2))]
    # The hotline now rings in these hours: Friday night past midnight, not Sunday morning.
    assert is_open(local(date(2026, 6, 6), 1, 30))  # Saturday 01:30, the Friday row
    assert not is_open(local(date(2026, 6, 7), 11))  # Sunday 11:00
    assert client.get(SETTINGS).status_code == 200


def test_settings_refuse_bad_input(client, coordinator):
    client.force_login(coordinator)
    base = {"name": "Pilot", "starts_on": "2026-06-01", "min_dispatchers": "1", "min_responders": "0"}
    response = client.post(SETTINGS, {**base, "ends_on": "2026-05-01", **hours_form([])})
    assert response.status_code == 400
    assert "The last day must not be before the first." in response.content.decode()
    twice = hours_form(
        [
            {"weekday": "0", "opens": "09:00", "closes": "17:00"},
            {"weekday": "0", "opens": "09:00", "closes": "12:00"},
        ]
    )
    response = client.post(SETTINGS, {**base, "ends_on": "2026-08-31", **twice})
    assert response.status_code == 400
    assert "Two rows open on the same day at the same time." in response.content.decode()
    assert not PilotSettings.objects.exists()
    assert not OperatingHours.objects.exists()


def test_pilot_settings_are_a_single_row(pilot):
    again = pilot_settings_save(
        name="Extended pilot",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 10, 31),
        service_areas=[],
        min_dispatchers=2,
        min_responders=2,
    )
    assert again.pk == pilot.pk
    assert PilotSettings.objects.count() == 1
    assert PilotSettings.objects.get().ends_on == date(2026, 10, 31)


def test_demo_pilot_is_seeded_once(staff_user):
    from assessment.pilot.demo import seed

    out = io.StringIO()
    seed(stdout=out)
    seed(stdout=out)
    pilot = PilotSettings.objects.get()
    assert pilot.starts_on < timezone.localdate() < pilot.ends_on
    assert Intake.objects.filter(call__call_sid__startswith="CApilotdemo").count() > 0
