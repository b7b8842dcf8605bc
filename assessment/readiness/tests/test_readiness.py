"""Launch-readiness checks on constructed data, the test call, the protocol approval, the roadmap."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    CfsCategory,
    CfsDataset,
    CfsSlotCount,
    Divertibility,
    HotlineTestCall,
    PilotSettings,
    ProtocolApproval,
    RoadmapMilestone,
    RoadmapPhase,
)
from assessment.readiness import checks, services
from assessment.tests.factories import CfsCallTypeFactory, CfsCityFactory

pytestmark = pytest.mark.django_db


# --- staffing -----------------------------------------------------------------------------------

MONDAY = date(2026, 12, 7)


def local(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def planned_hours(db):
    """Open Mondays 09:00-12:00; the check looks from Monday 07:00 for 14 days: two Mondays."""
    from hotline.models import OperatingHours

    OperatingHours.objects.create(weekday=0, opens=time(9), closes=time(12))
    PilotSettings.objects.create(
        pk=PilotSettings.SINGLETON_PK,
        name="Pilot",
        starts_on=MONDAY,
        ends_on=MONDAY + timedelta(days=90),
        min_dispatchers=1,
        min_responders=1,
    )
    return local(MONDAY, 7)


def book(role: str, day: date, *, trained: bool = True):
    from volunteers.tests.factories import (
        ShiftAssignmentFactory,
        ShiftFactory,
        VolunteerFactory,
        put_on_shift,
    )

    volunteer = VolunteerFactory()
    if trained:
        return put_on_shift(volunteer, role, starts_at=local(day, 8), ends_at=local(day, 13))
    shift = ShiftFactory(role=role, starts_at=local(day, 8), ends_at=local(day, 13))
    return ShiftAssignmentFactory(shift=shift, volunteer=volunteer)


@pytest.fixture
def responder_training(db):
    from volunteers.tests.factories import TrainingModuleFactory

    return TrainingModuleFactory(roles=["responder"])


def test_staffing_passes_when_every_planned_hour_has_trained_people(planned_hours, responder_training):
    for day in (MONDAY, MONDAY + timedelta(days=7)):
        book("dispatcher", day)
        book("responder", day)
    check = checks.staffing_check(now=planned_hours)
    assert check.ok, check.missing
    assert check.fix_url == reverse("volunteers:shift_list")


def test_staffing_lists_the_hours_missing_and_ignores_untrained_volunteers(planned_hours, responder_training):
    book("dispatcher", MONDAY)
    book("dispatcher", MONDAY + timedelta(days=7))
    book("responder", MONDAY)
    book("responder", MONDAY + timedelta(days=7), trained=False)  # no responder training

    check = checks.staffing_check(now=planned_hours)

    assert not check.ok
    assert check.missing[0].startswith("Responder: 3 hours of operation")
    assert any("Mon 14 Dec 2026, 09:00: 0 of 1" in item for item in check.missing)
    assert not any(item.startswith("Dispatcher") for item in check.missing)


def test_staffing_without_shifts_or_settings_fails(db):
    check = checks.staffing_check(now=local(MONDAY, 7))
    assert not check.ok
    assert "No pilot settings yet" in check.missing[0]
    assert any(item.startswith("Dispatcher: ") for item in check.missing)


# --- screening protocol -------------------------------------------------------------------------


def test_protocol_must_be_approved_and_a_new_version_needs_approval_again(client, coordinator):
    from dispatch.models import ProtocolVersion

    current = ProtocolVersion.objects.order_by("-number").first() or ProtocolVersion.objects.create(number=1)
    assert not checks.protocol_check().ok
    assert f"version {current.number}" in checks.protocol_check().missing[0]

    client.force_login(coordinator)
    response = client.post(reverse("assessment:readiness_protocol_approve"), {"number": current.number})
    assert response.status_code == 302
    assert checks.protocol_check().ok
    assert ProtocolApproval.objects.get().approved_by == coordinator

    ProtocolVersion.objects.create(number=current.number + 1)
    assert not checks.protocol_check().ok
    with pytest.raises(ValueError, match="current"):
        services.protocol_approve(number=current.number, by=coordinator)


# --- partner directory --------------------------------------------------------------------------


def test_partner_directory_needs_a_verified_partner_for_each_service_type():
    from outreach.models import ServiceType
    from outreach.tests.factories import PartnerFactory

    slugs = list(ServiceType.objects.values_list("slug", flat=True))
    assert slugs, "service types are seeded by a migration"
    check = checks.partner_directory_check()
    assert not check.ok and len(check.missing) == len(slugs)

    PartnerFactory(services=slugs)
    assert checks.partner_directory_check().ok

    stale = timezone.localdate() - timedelta(days=3650)
    PartnerFactory.reset_sequence(100)
    from outreach.models import Partner

    Partner.objects.update(last_verified_on=stale)
    check = checks.partner_directory_check()
    assert not check.ok
    assert "no partner verified recently" in check.missing[0]
    assert check.fix_url == reverse("outreach:partner_list")


# --- hotline answering --------------------------------------------------------------------------


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = "12345678901234567890123456789012"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = "+12025550100"
    settings.HOTLINE_VERIFY_SIGNATURES = True
    settings.FALLBACK_NUMBER = ""
    return settings


def test_test_call_goes_through_the_real_webhook_and_leaves_no_call(client, coordinator, twilio_settings):
    from hotline.models import Call, Intake

    assert not checks.hotline_check().ok
    client.force_login(coordinator)
    response = client.post(reverse("assessment:readiness_test_call"))
    assert response.status_code == 302

    result = HotlineTestCall.objects.get()
    assert result.succeeded, result.detail
    assert result.placed_by == coordinator
    assert not Call.objects.exists() and not Intake.objects.exists()
    assert checks.hotline_check().ok


def test_failed_or_old_test_calls_do_not_pass(coordinator, twilio_settings):
    twilio_settings.ALLOWED_HOSTS = ["testserver"]  # the webhook host is refused
    failed = services.hotline_test_call_place(by=coordinator)
    assert not failed.succeeded
    assert "HTTP 400" in failed.detail
    check = checks.hotline_check()
    assert not check.ok and "latest test call failed" in check.missing[-1]

    twilio_settings.HOTLINE_NUMBER = ""
    assert "HOTLINE_NUMBER is not set" in services.hotline_test_call_place(by=coordinator).detail

    HotlineTestCall.objects.all().delete()
    HotlineTestCall.objects.create(succeeded=True, placed_at=timezone.now() - timedelta(days=8))
    check = checks.hotline_check()
    assert not check.ok and "more than 7 days ago" in check.missing[0]


# --- community-needs survey ---------------------------------------------------------------------


def test_survey_must_be_closed_with_enough_responses(settings):
    from outreach.models import Survey, SurveyResponse
    from outreach.tests.factories import SurveyFactory

    settings.READINESS_MIN_SURVEY_RESPONSES = 3
    Survey.objects.all().delete()  # a draft survey may be seeded
    assert checks.survey_check().missing == ["No community-needs survey yet."]
    survey = SurveyFactory(title_en="Community needs 2026", status=Survey.Status.OPEN)
    for n in range(3):
        SurveyResponse.objects.create(survey=survey, submission=f"s{n}", language="en")
    check = checks.survey_check()
    assert not check.ok
    assert check.missing == ["Community needs 2026: Open, 3 of 3 responses."]

    survey.status = Survey.Status.CLOSED
    survey.save()
    assert checks.survey_check().ok

    settings.READINESS_MIN_SURVEY_RESPONSES = 4
    assert not checks.survey_check().ok


# --- call-type analysis -------------------------------------------------------------------------


def test_call_type_analysis_needs_a_dataset_with_every_call_type_mapped():
    assert "No 911 calls-for-service dataset" in checks.call_type_analysis_check().missing[0]

    city = CfsCityFactory(name="Springfield")
    dataset = CfsDataset.objects.create(city=city, name="CAD 2025", timezone="America/Chicago", row_count=2)
    category = CfsCategory.objects.create(name="Welfare", slug="welfare")
    mapped = CfsCallTypeFactory(city=city, category=category, divertibility=Divertibility.DIVERTIBLE)
    unmapped = CfsCallTypeFactory(city=city, key="SUSP PERSON")
    CfsCallTypeFactory(city=city, key="NEVER CALLED")  # not in the dataset: does not count
    for call_type in (mapped, unmapped):
        CfsSlotCount.objects.create(dataset=dataset, call_type=call_type, weekday=0, hour=1, calls=1)

    check = checks.call_type_analysis_check()
    assert not check.ok
    assert check.missing == [
        "CAD 2025: 1 call type is not mapped to a category and divertibility.",
        "SUSP PERSON",
    ]
    assert check.fix_url == reverse("assessment:cfs_call_types", args=[city.pk])

    unmapped.category = category
    unmapped.divertibility = Divertibility.NOT_DIVERTIBLE
    unmapped.save()
    assert checks.call_type_analysis_check().ok


# --- pages --------------------------------------------------------------------------------------


def test_readiness_page_shows_every_check_with_its_fix_link(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("assessment:readiness"))
    assert response.status_code == 200
    keys = [check.key for check in response.context["checks"]]
    assert keys == [
        "staffing",
        "protocol",
        "partners",
        "partner_agreements",
        "hotline",
        "survey",
        "call_types",
    ]
    assert not response.context["ready"]
    html = response.content.decode()
    for check in response.context["checks"]:
        assert f'href="{check.fix_url}"' in html


def test_readiness_and_roadmap_are_for_coordinators_only(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get(reverse("assessment:readiness")).status_code == 403
    assert client.get(reverse("assessment:roadmap")).status_code == 403
    assert client.post(reverse("assessment:readiness_test_call")).status_code == 403
    assert not HotlineTestCall.objects.exists()


def test_roadmap_has_six_phases_coordinators_edit_with_milestones(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("assessment:roadmap"))
    assert [p.kind for p in page.context["phases"]] == [
        "set_up",
        "research",
        "map",
        "recruit",
        "launch",
        "assess",
    ]
    launch = RoadmapPhase.objects.get(kind="launch")
    url = reverse("assessment:roadmap_phase_edit", args=[launch.pk])
    bad = client.post(url, {"starts_on": "2027-03-01", "ends_on": "2027-02-01", "status": "planned"})
    assert bad.status_code == 200 and "cannot end before it starts" in bad.content.decode()
    ok = client.post(
        url,
        {
            "starts_on": "2027-02-01",
            "ends_on": "2027-03-01",
            "status": "in_progress",
            "owner": coordinator.pk,
        },
    )
    assert ok.status_code == 302
    launch.refresh_from_db()
    assert (launch.status, launch.owner, launch.ends_on) == ("in_progress", coordinator, date(2027, 3, 1))

    created = client.post(
        reverse("assessment:roadmap_milestone_create", args=[launch.pk]),
        {"title": "First shift goes live", "due_on": "2027-02-01", "owner": coordinator.pk},
    )
    assert created.status_code == 302
    milestone = RoadmapMilestone.objects.get()
    assert milestone.phase == launch and milestone.done_on is None
    client.post(
        reverse("assessment:roadmap_milestone_edit", args=[launch.pk, milestone.pk]),
        {"title": milestone.title, "due_on": "2027-02-01", "done_on": "2027-02-02"},
    )
    milestone.refresh_from_db()
    assert milestone.done_on == date(2027, 2, 2)
    assert "First shift goes live" in client.get(reverse("assessment:roadmap")).content.decode()


def test_in_the_demo_the_test_call_runs_the_simulator_and_reports_it(client, coordinator, settings):
    """DEBUG with no Twilio credentials and no HOTLINE_NUMBER: what `make run` gives a newcomer."""
    from hotline.models import Call

    settings.DEBUG = True
    settings.HOTLINE_NUMBER = ""
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    settings.FALLBACK_NUMBER = ""
    client.force_login(coordinator)
    assert "Demo mode" in client.get(reverse("assessment:readiness")).content.decode()
    response = client.post(reverse("assessment:readiness_test_call"), follow=True)
    result = HotlineTestCall.objects.get()
    assert result.succeeded, result.detail
    assert "simulated call to +12025550100" in result.detail
    assert "HOTLINE_NUMBER" not in result.detail
    assert "Test call answered" in response.content.decode()
    assert not Call.objects.exists()

    settings.DEBUG = False  # a real install still needs its number
    assert "HOTLINE_NUMBER is not set" in services.hotline_test_call_place(by=coordinator).detail


def test_the_test_call_reports_in_the_coordinators_language(client, coordinator, settings):
    settings.DEBUG = True
    settings.HOTLINE_NUMBER = ""
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    settings.FALLBACK_NUMBER = ""
    client.force_login(coordinator)
    response = client.post(reverse("assessment:readiness_test_call"), follow=True, HTTP_ACCEPT_LANGUAGE="ko")
    page = response.content.decode()
    assert "언어 선택 안내로 응답했습니다" in page
    assert "answered with the language menu" not in page
