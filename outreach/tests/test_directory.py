"""Partner directory: search by service, area, language and open-now; staleness; access."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outreach.models import OpeningHours, Partner
from outreach.selectors import directory_freshness, partner_is_open, partner_search, service_coverage
from outreach.services import partner_mark_verified
from outreach.tests.factories import PartnerFactory, service_type
from volunteers.models import Area, Language

pytestmark = pytest.mark.django_db

MON, TUE, SUN = 0, 1, 6


def local(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


# 2026-03-02 is a Monday (standard time in Los Angeles).
MONDAY = datetime.date(2026, 3, 2)
assert MONDAY.weekday() == MON


def at(day_offset, hour, minute=0):
    day = MONDAY + datetime.timedelta(days=day_offset)
    return local(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def languages():
    return {
        code: Language.objects.get_or_create(code=code, defaults={"name": code})[0]
        for code in ("en", "ko", "es")
    }


@pytest.fixture
def areas():
    return {
        slug: Area.objects.create(name=slug.title(), slug=slug) for slug in ("downtown", "eastside", "harbor")
    }


def names(queryset):
    return sorted(partner.name for partner in queryset)


def test_search_by_service_area_and_language(languages, areas):
    PartnerFactory(
        name="Shelter ES", services=["shelter"], languages=[languages["es"]], areas=[areas["downtown"]]
    )
    PartnerFactory(
        name="Shelter KO",
        services=["shelter", "food"],
        languages=[languages["ko"]],
        areas=[areas["eastside"]],
    )
    PartnerFactory(
        name="Food ES",
        services=["food"],
        languages=[languages["es"], languages["en"]],
        areas=[areas["downtown"]],
    )
    PartnerFactory(name="Closed down", services=["shelter"], is_active=False, languages=[languages["es"]])

    assert names(partner_search(service="shelter")) == ["Shelter ES", "Shelter KO"]
    assert names(partner_search(service=service_type("food"))) == ["Food ES", "Shelter KO"]
    assert names(partner_search(area=areas["downtown"])) == ["Food ES", "Shelter ES"]
    assert names(partner_search(area=areas["eastside"].pk)) == ["Shelter KO"]
    assert names(partner_search(language="es")) == ["Food ES", "Shelter ES"]
    assert names(partner_search(service="shelter", area=areas["downtown"], language="es")) == ["Shelter ES"]
    assert names(partner_search(service="shelter", language="ko", area=areas["downtown"])) == []
    # Several matching rows never duplicate a partner.
    assert partner_search(language="es").count() == 2
    assert names(partner_search(service="shelter", include_inactive=True)) == [
        "Closed down",
        "Shelter ES",
        "Shelter KO",
    ]


def test_language_matches_regional_variants():
    mexican = Language.objects.create(code="es-MX", name="Español (México)")
    PartnerFactory(name="Clinica", languages=[mexican])
    assert names(partner_search(language="es")) == ["Clinica"]
    assert names(partner_search(language="ES-mx")) == ["Clinica"]
    assert names(partner_search(language="e")) == []


def test_free_text_query_matches_name_eligibility_and_service():
    PartnerFactory(name="Rosa's Kitchen", eligibility="Anyone, no ID needed", services=["food"])
    PartnerFactory(name="Bridge Clinic", description="Walk-in medical care", services=["medical-clinic"])
    assert names(partner_search(query="kitchen")) == ["Rosa's Kitchen"]
    assert names(partner_search(query="no id")) == ["Rosa's Kitchen"]
    assert names(partner_search(query="walk-in")) == ["Bridge Clinic"]
    assert names(partner_search(query="Medical clinic")) == ["Bridge Clinic"]


def test_referrals_accepted_first():
    PartnerFactory(name="A no referrals", accepts_referrals=False)
    PartnerFactory(name="B takes referrals")
    assert [p.name for p in partner_search()] == ["B takes referrals", "A no referrals"]


def test_every_partner_carries_a_referral_count():
    PartnerFactory(name="Counted")
    partner = partner_search().get()
    assert partner.referral_count == 0


@pytest.fixture
def hours_partners():
    PartnerFactory(name="Day clinic", hours=[(MON, "09:00", "17:00")])
    PartnerFactory(name="Night shelter", hours=[(MON, "22:00", "06:00")])
    PartnerFactory(name="Sunday night", hours=[(SUN, "22:00", "02:00")])
    PartnerFactory(name="Always open", open_24_7=True)
    PartnerFactory(name="Split hours", hours=[(TUE, "08:00", "12:00"), (TUE, "13:00", "17:00")])
    PartnerFactory(name="No hours")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(0, 8, 59), ["Always open"]),
        (at(0, 9, 0), ["Always open", "Day clinic"]),
        (at(0, 16, 59), ["Always open", "Day clinic"]),
        (at(0, 17, 0), ["Always open"]),
        (at(0, 21, 59), ["Always open"]),
        (at(0, 22, 0), ["Always open", "Night shelter"]),
        (at(0, 23, 30), ["Always open", "Night shelter"]),
        # Past midnight: Tuesday morning is still Monday night's period.
        (at(1, 0, 0), ["Always open", "Night shelter"]),
        (at(1, 5, 59), ["Always open", "Night shelter"]),
        (at(1, 6, 0), ["Always open"]),
        (at(1, 8, 0), ["Always open", "Split hours"]),
        (at(1, 12, 30), ["Always open"]),
        (at(1, 13, 0), ["Always open", "Split hours"]),
        # The week wraps: Sunday 22:00-02:00 covers Monday 01:00.
        (at(0, 1, 0), ["Always open", "Sunday night"]),
        (at(0, 2, 0), ["Always open"]),
        (at(6, 23, 0), ["Always open", "Sunday night"]),
    ],
)
def test_open_now_across_midnight(hours_partners, moment, expected):
    assert names(partner_search(open_now=True, at=moment)) == expected
    # The per-partner check used on pages agrees with the database query.
    partners = Partner.objects.prefetch_related("opening_hours")
    assert sorted(p.name for p in partners if partner_is_open(p, at=moment)) == expected


def test_open_now_uses_the_local_time_zone(hours_partners):
    # 07:30 UTC on Tuesday is 23:30 on Monday in Los Angeles (UTC-8 in March before DST).
    moment = datetime.datetime(2026, 3, 3, 7, 30, tzinfo=datetime.UTC)
    assert names(partner_search(open_now=True, at=moment)) == ["Always open", "Night shelter"]


def test_open_now_defaults_to_the_current_time():
    now = timezone.localtime()
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    PartnerFactory(
        name="Open around now",
        hours=[((now - datetime.timedelta(hours=1)).weekday(), start.isoformat(), end.isoformat())],
    )
    assert names(partner_search(open_now=True)) == ["Open around now"]


def test_hours_cannot_open_and_close_at_the_same_time():
    from django.db import IntegrityError, transaction

    partner = PartnerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.create(partner=partner, weekday=MON, opens_at="09:00", closes_at="09:00")


def test_stale_entries_are_flagged(settings):
    settings.OUTREACH_PARTNER_STALE_DAYS = 180
    today = timezone.localdate()
    fresh = PartnerFactory(last_verified_on=today - datetime.timedelta(days=180), services=["shelter"])
    stale = PartnerFactory(last_verified_on=today - datetime.timedelta(days=181), services=["shelter"])
    never = PartnerFactory(last_verified_on=None, services=["food"])
    PartnerFactory(last_verified_on=None, is_active=False)
    assert (fresh.is_stale, stale.is_stale, never.is_stale) == (False, True, True)

    freshness = directory_freshness()
    assert (freshness.active, freshness.stale, freshness.never_verified, freshness.fresh) == (3, 2, 1, 1)

    coverage = {service.slug: service for service in service_coverage()}
    assert (coverage["shelter"].partner_count, coverage["shelter"].verified_count) == (2, 1)
    assert (coverage["food"].partner_count, coverage["food"].verified_count) == (1, 0)
    assert coverage["legal-aid"].partner_count == 0

    partner_mark_verified(partner=stale)
    stale.refresh_from_db()
    assert stale.last_verified_on == today and not stale.is_stale


def test_service_taxonomy_is_seeded():
    from outreach.models import ServiceType

    slugs = set(ServiceType.objects.values_list("slug", flat=True))
    assert {
        "shelter",
        "mental-health",
        "substance-use",
        "harm-reduction",
        "food",
        "legal-aid",
        "medical-clinic",
        "youth",
        "domestic-violence",
        "benefits-housing",
    } <= slugs


# --- pages and access --------------------------------------------------------------------------


def test_dispatcher_searches_and_reads_the_directory(client, dispatcher, languages):
    PartnerFactory(
        name="Harbor Shelter", services=["shelter"], languages=[languages["es"]], last_verified_on=None
    )
    PartnerFactory(name="Food Bank", services=["food"])
    client.force_login(dispatcher)
    response = client.get(reverse("outreach:partner_list"), {"service": "shelter", "language": "es"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Harbor Shelter" in content and "Food Bank" not in content
    assert "Stale" in content
    assert reverse("outreach:partner_create") not in content  # dispatchers do not edit

    partner = Partner.objects.get(name="Harbor Shelter")
    detail = client.get(partner.get_absolute_url())
    assert detail.status_code == 200
    assert "Never verified" in detail.content.decode()


def test_bad_search_input_is_ignored_not_an_error(client, dispatcher):
    PartnerFactory(name="Anything")
    client.force_login(dispatcher)
    response = client.get(reverse("outreach:partner_list"), {"service": "no-such-service", "area": "abc"})
    assert response.status_code == 200
    assert "Anything" in response.content.decode()


@pytest.mark.parametrize("name", ["partner_create", "partner_edit", "partner_verify"])
def test_dispatchers_cannot_change_the_directory(client, dispatcher, name):
    partner = PartnerFactory()
    client.force_login(dispatcher)
    url = reverse(f"outreach:{name}", args=[] if name == "partner_create" else [partner.pk])
    assert client.post(url).status_code == 403


def test_directory_needs_dispatcher_or_coordinator(client, volunteer_user):
    url = reverse("outreach:partner_list")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(volunteer_user)
    assert client.get(url).status_code == 403


def _hours_management(total=2):
    return {
        "hours-TOTAL_FORMS": str(total),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "50",
    }


def test_coordinator_adds_a_partner_with_overnight_hours(client, coordinator, languages, areas):
    client.force_login(coordinator)
    data = {
        "name": "Overnight Respite",
        "services": [service_type("shelter").pk, service_type("harm-reduction").pk],
        "languages": [languages["es"].pk],
        "areas": [areas["harbor"].pk],
        "phone": "(202) 555-0199",
        "accepts_referrals": "on",
        "is_active": "on",
        "last_verified_on": "2026-03-01",
        **_hours_management(),
        "hours-0-weekday": str(MON),
        "hours-0-opens_at": "21:00",
        "hours-0-closes_at": "07:00",
    }
    response = client.post(reverse("outreach:partner_create"), data)
    assert response.status_code == 302, response.content.decode()
    partner = Partner.objects.get(name="Overnight Respite")
    assert str(partner.phone) == "+12025550199"
    assert sorted(partner.services.values_list("slug", flat=True)) == ["harm-reduction", "shelter"]
    assert [(h.weekday, h.overnight) for h in partner.opening_hours.all()] == [(MON, True)]
    assert names(partner_search(open_now=True, at=at(1, 3), area=areas["harbor"], language="es")) == [
        "Overnight Respite"
    ]

    # Editing replaces services and hours.
    data.update({"services": [service_type("shelter").pk], "hours-0-closes_at": "23:00"})
    response = client.post(reverse("outreach:partner_edit", args=[partner.pk]), data)
    assert response.status_code == 302
    assert list(partner.services.values_list("slug", flat=True)) == ["shelter"]
    assert names(partner_search(open_now=True, at=at(1, 3))) == []


def test_partner_form_errors_are_shown_not_saved(client, coordinator):
    client.force_login(coordinator)
    data = {
        "name": "Bad hours",
        "services": [],
        "phone": "not a phone",
        **_hours_management(),
        "hours-0-weekday": str(MON),
        "hours-0-opens_at": "09:00",
        "hours-0-closes_at": "09:00",
    }
    response = client.post(reverse("outreach:partner_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "services" in form.errors and "phone" in form.errors
    assert response.context["hours"].forms[0].non_field_errors()
    assert not Partner.objects.filter(name="Bad hours").exists()


def test_coordinator_marks_a_partner_verified(client, coordinator):
    partner = PartnerFactory(last_verified_on=None)
    client.force_login(coordinator)
    assert client.get(reverse("outreach:partner_verify", args=[partner.pk])).status_code == 405
    response = client.post(reverse("outreach:partner_verify", args=[partner.pk]))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.last_verified_on == timezone.localdate()


def test_referral_counts_come_from_the_dispatch_referrals(dispatcher):
    """dispatch owns Referral (a FK to Partner with related_name="referrals"); the directory only
    counts them, found through the relation, so outreach never imports dispatch."""
    from django.apps import apps

    if not apps.is_installed("dispatch") or not hasattr(Partner, "referrals"):
        pytest.skip("no app records referrals")
    factories = pytest.importorskip("dispatch.tests.factories")
    Referral = apps.get_model("dispatch", "Referral")
    busy, quiet = PartnerFactory(name="Busy"), PartnerFactory(name="Quiet")
    for _ in range(3):
        Referral.objects.create(triage=factories.claimed(user=dispatcher), partner=busy)
    counts = {p.name: p.referral_count for p in partner_search()}
    assert counts == {"Busy": 3, "Quiet": 0}
    from outreach.selectors import partners_with_referral_counts

    assert partners_with_referral_counts().get(pk=quiet.pk).referral_count == 0
