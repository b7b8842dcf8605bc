"""Every coordinator page renders; demo data loads twice without changing anything."""

import io

import pytest
from django.urls import reverse

from outreach import demo
from outreach.models import Event, FocusGroup, Lead, Partner, Survey, SurveyResponse
from outreach.tests.factories import (
    EventFactory,
    FocusGroupFactory,
    LeadFactory,
    PartnerFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db


def test_every_coordinator_page_renders(client, coordinator, django_assert_max_num_queries):
    partner = PartnerFactory(hours=[(0, "09:00", "17:00")])
    event = EventFactory(partner=partner)
    lead = LeadFactory(event=event)
    group = FocusGroupFactory()
    survey = Survey.objects.get(slug="community-needs")
    question = survey.questions.first()
    client.force_login(coordinator)
    urls = [
        reverse("outreach:summary"),
        reverse("outreach:partner_list"),
        reverse("outreach:partner_create"),
        reverse("outreach:partner_detail", args=[partner.pk]),
        reverse("outreach:partner_edit", args=[partner.pk]),
        reverse("outreach:survey_list"),
        reverse("outreach:survey_create"),
        reverse("outreach:survey_detail", args=[survey.pk]),
        reverse("outreach:survey_edit", args=[survey.pk]),
        reverse("outreach:question_create", args=[survey.pk]),
        reverse("outreach:question_edit", args=[survey.pk, question.pk]),
        reverse("outreach:survey_results", args=[survey.pk]),
        survey.get_public_url(),  # a coordinator's preview of the draft
        reverse("outreach:focus_group_list"),
        reverse("outreach:focus_group_create"),
        reverse("outreach:focus_group_detail", args=[group.pk]),
        reverse("outreach:focus_group_edit", args=[group.pk]),
        reverse("outreach:event_list"),
        reverse("outreach:event_create"),
        reverse("outreach:event_detail", args=[event.pk]),
        reverse("outreach:event_edit", args=[event.pk]),
        reverse("outreach:lead_list"),
        reverse("outreach:lead_create"),
        reverse("outreach:lead_detail", args=[lead.pk]),
        reverse("outreach:lead_edit", args=[lead.pk]),
    ]
    for url in urls:
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert response.status_code == 200, url
    assert "Outreach" in client.get(reverse("outreach:summary")).content.decode()  # nav link in base.html


def test_pages_in_korean(client, coordinator):
    client.force_login(coordinator)
    client.cookies["django_language"] = "ko"
    content = client.get(reverse("outreach:partner_list")).content.decode()
    assert "협력 기관 목록" in content


def test_question_edit_of_another_survey_is_404(client, coordinator):
    survey = Survey.objects.get(slug="community-needs")
    foreign = QuestionFactory()
    client.force_login(coordinator)
    assert client.get(reverse("outreach:question_edit", args=[survey.pk, foreign.pk])).status_code == 404


def counts():
    return tuple(model.objects.count() for model in (Partner, Event, Lead, FocusGroup, SurveyResponse))


def test_demo_data_is_idempotent():
    out = io.StringIO()
    demo.seed(stdout=out)
    first = counts()
    assert first[0] >= 6 and first[1] >= 1 and first[2] >= 1 and first[4] >= 3
    assert Partner.objects.filter(last_verified_on__isnull=True).exists()  # some are stale
    assert Survey.objects.get(slug="community-needs").is_open
    demo.seed(stdout=out)
    assert counts() == first
