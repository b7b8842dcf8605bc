"""Police unit-hours avoided: handled-without-police contacts per hotline call type x the police
time on scene of the 911 calls they stand in for; the settings page, the dashboard and the CSV."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment.models import CfsCallType, CfsCategory, PoliceTimeMapping
from assessment.pilot.selectors import Metrics, Period
from assessment.pilot.selectors.police_time import FROM_CALL_TYPE, FROM_CATEGORY, FROM_DEFAULT, FROM_MINUTES
from assessment.pilot.services import pilot_settings_save, police_time_settings_save
from assessment.pilot.tests.factories import local, make_contact, make_triage
from assessment.services import cfs_dataset_import
from assessment.tests.factories import write_csv
from dispatch.models import CallType, Decision

pytestmark = pytest.mark.django_db

JUNE = Period(date(2026, 6, 1), date(2026, 6, 30))
HEADER = ["Time", "Nature", "Dispatched", "Arrived", "Cleared"]


@pytest.fixture
def pilot():
    return pilot_settings_save(
        name="Summer pilot 2026",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 8, 31),
        service_areas=[],
        min_dispatchers=1,
        min_responders=2,
    )


@pytest.fixture
def police_data(tmp_path):
    """911 calls: WELFARE CHECK 30 and 50 minutes on scene (mean 40), NOISE 15 minutes."""
    rows = [
        HEADER,
        [
            "2019-03-01 10:00:00",
            "WELFARE CHECK",
            "2019-03-01 10:01:00",
            "2019-03-01 10:10:00",
            "2019-03-01 10:40:00",
        ],
        [
            "2019-03-01 11:00:00",
            "WELFARE CHECK",
            "2019-03-01 11:01:00",
            "2019-03-01 11:10:00",
            "2019-03-01 12:00:00",
        ],
        ["2019-03-01 12:00:00", "NOISE", "2019-03-01 12:01:00", "2019-03-01 12:10:00", "2019-03-01 12:25:00"],
    ]
    return cfs_dataset_import(path=write_csv(tmp_path / "police.csv", rows), dataset_name="police").dataset


def _contacts(staff_user):
    """June: 3 welfare checks handled without police, 1 escalated to 911; 2 noise; 1 youth."""
    for index, (call_type, decision) in enumerate(
        [
            ("welfare-check", Decision.PHONE_SUPPORT),
            ("welfare-check", Decision.PHONE_SUPPORT),
            ("welfare-check", Decision.SEND_RESPONDERS),
            ("welfare-check", Decision.ESCALATE),
            ("noise-quality-of-life", Decision.PHONE_SUPPORT),
            ("noise-quality-of-life", Decision.PHONE_SUPPORT),
            ("youth", Decision.PHONE_SUPPORT),
        ]
    ):
        contact = make_contact(at=local(date(2026, 6, 2 + index), 10))
        make_triage(contact, decision=decision, call_type=call_type, by=staff_user)


def _map(pilot, dataset, **by_slug):
    mappings = {}
    for slug, (key, category, minutes) in by_slug.items():
        mappings[CallType.objects.get(slug=slug).pk] = (key, category, minutes)
    return police_time_settings_save(dataset=dataset, cost_per_unit_hour=Decimal("120.00"), mappings=mappings)


def test_unit_hours_avoided_come_from_the_911_call_type_or_category_or_minutes(
    pilot, police_data, staff_user, settings
):
    settings.PILOT_POLICE_MINUTES_DEFAULT = 0
    _contacts(staff_user)
    category = CfsCategory.objects.create(name="Quality of life", slug="quality-of-life-test")
    CfsCallType.objects.filter(city=police_data.city, key="NOISE").update(category=category)
    _map(
        pilot,
        police_data,
        **{"welfare-check": ("WELFARE CHECK", None, None), "noise-quality-of-life": ("", category, 5)},
    )
    pilot.refresh_from_db()
    result = Metrics(period=JUNE, pilot=pilot).police_time
    by_slug = {CallType.objects.get(pk=row.call_type_id).slug: row for row in result.rows}
    assert by_slug["welfare-check"].without_police == 3
    assert by_slug["welfare-check"].basis == FROM_CALL_TYPE
    assert by_slug["welfare-check"].unit_hours == pytest.approx(3 * 40 / 60)
    assert by_slug["noise-quality-of-life"].basis == FROM_CATEGORY  # the category's time wins over minutes
    assert by_slug["noise-quality-of-life"].unit_hours == pytest.approx(2 * 15 / 60)
    assert by_slug["youth"].hours_per_contact is None  # no mapping, no default: left out
    assert result.contacts_without_time == 1
    assert result.unit_hours == pytest.approx(2 + 0.5)
    assert result.cost == pytest.approx(2.5 * 120)


def test_minutes_and_the_configured_default_stand_in_without_911_data(pilot, staff_user, settings):
    settings.PILOT_POLICE_MINUTES_DEFAULT = 30
    _contacts(staff_user)
    _map(pilot, None, **{"welfare-check": ("", None, 20)})
    pilot.refresh_from_db()
    result = Metrics(period=JUNE, pilot=pilot).police_time
    by_slug = {CallType.objects.get(pk=row.call_type_id).slug: row for row in result.rows}
    assert (by_slug["welfare-check"].basis, by_slug["welfare-check"].unit_hours) == (FROM_MINUTES, 1.0)
    assert (by_slug["youth"].basis, by_slug["youth"].unit_hours) == (FROM_DEFAULT, 0.5)


def test_mapping_needs_a_pilot_a_dataset_and_known_call_types(pilot, police_data):
    welfare = CallType.objects.get(slug="welfare-check").pk
    with pytest.raises(ValidationError):
        police_time_settings_save(
            dataset=None, cost_per_unit_hour=None, mappings={welfare: ("WELFARE CHECK", None, None)}
        )
    with pytest.raises(ValidationError):
        police_time_settings_save(
            dataset=police_data, cost_per_unit_hour=None, mappings={welfare: ("NOPE", None, None)}
        )
    assert not PoliceTimeMapping.objects.exists()


def test_the_settings_page_saves_the_mapping(client, coordinator, pilot, police_data):
    client.force_login(coordinator)
    url = reverse("assessment:pilot_police_time")
    assert client.get(url).status_code == 200
    response = client.post(url, {"police_time_dataset": police_data.pk, "cost_per_unit_hour": "95.50"})
    assert response.status_code == 302
    welfare = CallType.objects.get(slug="welfare-check").pk
    page = client.get(url).content.decode()
    assert "WELFARE CHECK" in page  # the dataset's call types are offered now
    response = client.post(
        url,
        {
            "police_time_dataset": police_data.pk,
            "cost_per_unit_hour": "95.50",
            f"cfs_{welfare}": "WELFARE CHECK",
        },
    )
    assert response.status_code == 302
    mapping = PoliceTimeMapping.objects.get()
    assert (mapping.hotline_call_type_id, mapping.cfs_call_type_key) == (welfare, "WELFARE CHECK")
    response = client.post(url, {"police_time_dataset": police_data.pk, f"minutes_{welfare}": "0"})
    assert response.status_code == 400


def test_the_dashboard_and_its_csv_show_the_unit_hours_avoided(
    client, coordinator, pilot, police_data, staff_user
):
    _contacts(staff_user)
    _map(pilot, police_data, **{"welfare-check": ("WELFARE CHECK", None, None)})
    client.force_login(coordinator)
    query = "?start=2026-06-01&end=2026-06-30"
    page = client.get(reverse("assessment:dashboard") + query).content.decode()
    assert 'id="metric-police_time"' in page
    assert "Police unit-hours avoided" in page
    assert 'href="#glossary-police_time"' in page
    assert "Cost at 120" in page
    response = client.get(reverse("assessment:pilot_export", args=["police_time"]) + query)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Police unit-hours avoided (h)"
    welfare = next(row for row in rows if row[0] == "Welfare check")
    assert welfare[1] == "3"
    assert float(welfare[-1]) == pytest.approx(2.0)
