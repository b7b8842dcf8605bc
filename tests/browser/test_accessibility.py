"""Every page of every role, in English, Korean and Spanish, passes axe-core's WCAG 2.1 A and AA
rules in headless Chromium (Debian's /usr/bin/chromium) against a live server with the demo data
(`manage.py seed_demo`): anonymous visitors, volunteers, responders, dispatchers, coordinators.

A failure lists each rule, the page and the selectors of the failing elements.
"""

from __future__ import annotations

import io

import pytest

from .accessibility import axe_report, axe_scan
from .journey import JOURNEY, PASSWORD, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

LANGUAGES = ("en", "ko", "es")


def seed_demo(settings) -> None:
    """The demo users (password: journey.PASSWORD) and every app's demo records."""
    from django.core.management import call_command

    reseed("volunteers", "outreach", "assessment")
    settings.DEBUG = True  # seed_demo refuses to run without it
    settings.DEMO_PASSWORD = PASSWORD
    try:
        call_command("seed_demo", stdout=io.StringIO())
    finally:
        settings.DEBUG = False


def pages_of(role: str) -> list[str]:
    """The paths a person of `role` can open from the menu and the pages those lead to."""
    from django.urls import reverse

    from assessment.models import CfsCity, CfsDataset, CfsImportJob, RoadmapPhase
    from dispatch.models import Incident, IncidentResponder
    from dispatch.selectors import responder_token
    from hotline.models import HandoffPartner, Intake
    from outreach.models import Event, FocusGroup, Lead, Partner, Survey
    from volunteers.models import Shift, TrainingSession, Volunteer

    if role == "anonymous":
        survey = Survey.objects.filter(status=Survey.Status.OPEN).order_by("pk").first()
        assignment = IncidentResponder.objects.select_related("incident", "volunteer").first()
        return [
            reverse("home"),
            reverse("login"),
            reverse("password_reset"),
            reverse("volunteers:signup"),
            reverse("volunteers:signup_done"),
            reverse("outreach:survey_respond", args=[survey.slug]),
            reverse("outreach:survey_thanks", args=[survey.slug]),
            reverse(
                "dispatch:responder",
                args=[responder_token(incident=assignment.incident, volunteer=assignment.volunteer)],
            ),
            "/no-such-page/",
        ]
    if role == "volunteer":
        return [
            reverse("volunteers:my_shifts"),
            reverse("volunteers:open_shifts"),
            reverse("volunteers:my_training"),
            reverse("volunteers:my_profile"),
            reverse("volunteers:two_factor_setup"),
            reverse("password_change"),
        ]
    if role == "responder":
        return [
            reverse("dispatch:my_incidents"),
            reverse("dispatch:field_contact"),
            reverse("volunteers:my_shifts"),
            reverse("volunteers:my_training"),
        ]
    if role == "dispatcher":
        intake = Intake.objects.order_by("pk").first()
        incident = Incident.objects.order_by("pk").first()
        # The triage form of an intake the dispatcher has claimed (once: claiming is idempotent
        # for the same dispatcher only while it is theirs).
        waiting = Intake.objects.filter(status__in=Intake.OPEN_STATUSES).order_by("pk").first()
        if waiting.status != Intake.Status.IN_TRIAGE:
            from django.contrib.auth import get_user_model

            from dispatch.services import triage_claim

            triage_claim(intake=waiting, user=get_user_model().objects.get(username="dispatcher"))
        return [
            reverse("dispatch:intake", args=[waiting.pk]),
            reverse("dispatch:console"),
            reverse("hotline:call_list"),
            reverse("hotline:intake_detail", args=[intake.pk]),
            reverse("dispatch:incident", args=[incident.pk]),
            reverse("dispatch:protocol"),
            reverse("outreach:partner_list"),
            reverse("outreach:partner_detail", args=[Partner.objects.order_by("pk").first().pk]),
            reverse("volunteers:my_shifts"),
        ]
    assert role == "coordinator"
    city = CfsCity.objects.order_by("pk").first()
    pages = [
        reverse("assessment:dashboard"),
        reverse("assessment:pilot_settings"),
        reverse("assessment:cfs_index"),
        reverse("assessment:cfs_upload"),
        reverse("assessment:readiness"),
        reverse("assessment:roadmap"),
        reverse("volunteers:volunteer_list"),
        reverse("volunteers:review_queue"),
        reverse("volunteers:volunteer_detail", args=[Volunteer.objects.order_by("pk").first().pk]),
        reverse("volunteers:training_overview"),
        reverse("volunteers:module_create"),
        reverse("volunteers:session_create"),
        reverse("volunteers:shift_list"),
        reverse("volunteers:shift_create"),
        reverse("volunteers:shift_detail", args=[Shift.objects.order_by("pk").first().pk]),
        reverse("volunteers:coverage"),
        reverse("outreach:summary"),
        reverse("outreach:survey_list"),
        reverse("outreach:survey_create"),
        reverse("outreach:focus_group_list"),
        reverse("outreach:event_list"),
        reverse("outreach:lead_list"),
        reverse("outreach:partner_create"),
        reverse("outreach:event_create"),
        reverse("outreach:lead_create"),
        reverse("outreach:focus_group_create"),
        reverse("hotline:handoff_keys"),
        reverse("dispatch:referral_api"),
        reverse("dispatch:protocol_edit"),
        reverse("audit:entries"),
    ]
    survey = Survey.objects.order_by("pk").first()
    pages += [
        reverse("outreach:survey_detail", args=[survey.pk]),
        reverse("outreach:survey_results", args=[survey.pk]),
        reverse("outreach:survey_edit", args=[survey.pk]),
        reverse("outreach:question_create", args=[survey.pk]),
    ]
    for model, name in (
        (FocusGroup, "outreach:focus_group_detail"),
        (Event, "outreach:event_detail"),
        (Lead, "outreach:lead_detail"),
        (TrainingSession, "volunteers:training_session_detail"),
        (RoadmapPhase, "assessment:roadmap_phase_edit"),
        (CfsDataset, "assessment:cfs_analysis"),
        (CfsImportJob, "assessment:cfs_job"),
        (HandoffPartner, "hotline:handoff_webhooks"),
    ):
        first = model.objects.order_by("pk").first()
        if first is not None:
            pages.append(reverse(name, args=[first.pk]))
    if city is not None:
        pages += [
            reverse("assessment:cfs_call_types", args=[city.pk]),
            reverse("assessment:cfs_column_mapping", args=[city.pk]),
        ]
    return pages


def scan_pages(browser, base_url: str, *, role: str, language: str) -> list[dict]:
    page = new_page(browser)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    with screenshot_on_failure(f"accessibility-{role}-{language}", page):
        if role != "anonymous":
            log_in(page, base_url, role, next_path="/")
        violations = []
        for path in pages_of(role):
            page.goto(base_url + path)
            page.wait_for_load_state("load")
            assert page.get_attribute("html", "lang") == language, path
            violations += axe_scan(page)
    page.context.close()
    return violations


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "responder", "dispatcher", "coordinator"])
def test_every_page_of_a_role_passes_wcag_21_aa_in_every_language(browser, live_server, settings, role):
    seed_demo(settings)
    violations = []
    for language in LANGUAGES:
        violations += scan_pages(browser, live_server.url, role=role, language=language)
    assert not violations, axe_report(violations)
