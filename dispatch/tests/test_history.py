"""The search of past intakes and incidents: filters, pages, the audit trail and its cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, AuditTarget
from dispatch import services
from dispatch.models import Decision
from dispatch.tests.factories import SEND_ANSWERS, call_type, claimed, send_responders
from hotline.models import Intake
from hotline.tests.factories import IntakeFactory
from volunteers.tests.factories import AreaFactory

URL = "dispatch:history"


def _found(client, **params) -> set[int]:
    response = client.get(reverse(URL), params)
    assert response.status_code == 200, response.content.decode()[:500]
    content = response.content.decode()
    return {int(part.split('"', 1)[0]) for part in content.split('id="history-intake-')[1:]}


@pytest.fixture
def past(db, dispatcher, responders):
    """Five past contacts: a welfare check sent to responders and resolved, a phone-support
    call, a referral-free no-action text, one from last month and one in another area."""
    riverside = AreaFactory(name="Riverside", slug="riverside")
    hills = AreaFactory(name="Hills", slug="hills")
    sent = send_responders(
        user=dispatcher,
        intake=IntakeFactory(caller="+12025550143", area=riverside),
        responders=responders[:1],
    )
    services.incident_record_outcome(
        incident=sent.incident, data=services.OutcomeInput(outcome="resolved_on_scene"), by=dispatcher
    )
    support = claimed(IntakeFactory(caller="+12025550143", area=hills), user=dispatcher)
    services.triage_decide(
        triage=support,
        user=dispatcher,
        raw_answers={**SEND_ANSWERS, "call_type": "homelessness"},
        decision=Decision.PHONE_SUPPORT,
        override_reason="She only wanted to talk.",
    )
    text = IntakeFactory(channel=Intake.Channel.SMS, caller="+12025550188", status=Intake.Status.CLOSED)
    old = IntakeFactory(caller="+12025550199", created_at=timezone.now() - timedelta(days=40))
    return {"sent": sent, "support": support, "text": text, "old": old, "riverside": riverside}


@pytest.mark.django_db
class TestHistorySearch:
    def test_without_terms_every_intake_newest_first(self, client, dispatcher, past):
        client.force_login(dispatcher)
        content = client.get(reverse(URL)).content.decode()
        order = [int(p.split('"', 1)[0]) for p in content.split('id="history-intake-')[1:]]
        assert order[0] == past["text"].pk and order[-1] == past["old"].pk and len(order) == 4
        assert "4 intakes found." in content
        assert past["sent"].incident.code in content and "Resolved on scene" in content
        assert "+12025550143" in content  # the whole number: this page is for dispatchers, and audited
        assert "no-store" in client.get(reverse(URL))["Cache-Control"]

    def test_each_filter_narrows_the_list(self, client, dispatcher, past):
        client.force_login(dispatcher)
        sent, support = past["sent"].intake_id, past["support"].intake_id
        assert _found(client, caller="(202) 555-0143") == {sent, support}
        assert _found(client, caller="+1 202 555 0143", outcome="incident:resolved_on_scene") == {sent}
        assert _found(client, outcome="decision:phone_support") == {support}
        assert _found(client, call_type=call_type("homelessness").pk) == {support}
        assert _found(client, area=past["riverside"].pk) == {sent}
        code = past["sent"].incident.code
        assert _found(client, code=code.lower()) == {sent}
        assert _found(client, code=code[1:3]) >= {sent}
        today = timezone.localdate()
        assert _found(client, date_from=today.isoformat()) == {sent, support, past["text"].pk}
        old_day = timezone.localtime(past["old"].created_at).date()
        assert _found(client, date_from=old_day.isoformat(), date_to=old_day.isoformat()) == {past["old"].pk}

    def test_date_to_includes_the_whole_local_day(self, client, dispatcher, settings):
        settings.TIME_ZONE = "America/New_York"
        late = IntakeFactory(created_at=datetime(2026, 3, 10, 23, 59, tzinfo=ZoneInfo("America/New_York")))
        client.force_login(dispatcher)
        assert _found(client, date_from="2026-03-10", date_to="2026-03-10") == {late.pk}
        assert _found(client, date_from="2026-03-11") == set()

    def test_bad_terms_are_said_and_show_nothing(self, client, dispatcher, past):
        client.force_login(dispatcher)
        response = client.get(
            reverse(URL), {"caller": "12", "date_from": "2026-05-02", "date_to": "2026-05-01"}
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert "Enter a whole phone number" in content and "before the start date" in content
        assert "history-intake-" not in content
        assert not AuditEntry.objects.filter(what="past intakes search").exists()

    def test_pages_keep_the_terms_and_each_shown_page_is_audited(self, client, dispatcher, settings):
        settings.DISPATCH_HISTORY_PAGE_SIZE = 3
        intakes = [IntakeFactory(caller="+12025550143") for _ in range(7)]
        IntakeFactory(caller="+12025550999")
        client.force_login(dispatcher)
        first = client.get(reverse(URL), {"caller": "+12025550143"}).content.decode()
        assert "Page 1 of 3" in first and "caller=%2B12025550143&amp;page=2" in first
        assert _found(client, caller="+12025550143", page=3) == {intakes[0].pk}
        entries = AuditEntry.objects.filter(what="past intakes search", actor=dispatcher).order_by("pk")
        assert [e.targets_count for e in entries] == [3, 1]
        assert set(AuditTarget.objects.filter(entry=entries.last()).values_list("object_id", flat=True)) == {
            intakes[0].pk
        }
        assert all(e.subject == "hotline.intake" and e.action == "viewed" for e in entries)
        assert "0143" not in " ".join(e.what + e.path for e in entries)

    def test_a_page_costs_a_fixed_number_of_queries(
        self, client, dispatcher, responders, django_assert_max_num_queries
    ):
        for n in range(60):
            IntakeFactory(caller=f"+1202555{5000 + n}", area=AreaFactory(slug=f"area-{n % 3}"))
        for _ in range(3):
            send_responders(user=dispatcher, responders=responders[:1], team_size=1)
        client.force_login(dispatcher)
        client.get(reverse(URL))
        # Session, user, roles, the onboarding gate, count, the page's rows, the form's call types
        # and areas; the audit entry and its targets (in a savepoint).
        with django_assert_max_num_queries(12):
            response = client.get(reverse(URL))
        assert response.content.decode().count('id="history-intake-') == 50

    def test_responders_and_volunteers_cannot_search(self, client, responders, make_user):
        client.force_login(responders[0].user)
        assert client.get(reverse(URL)).status_code == 403
        client.force_login(make_user("Volunteer"))
        assert client.get(reverse(URL)).status_code == 403

    def test_the_console_links_to_the_search(self, client, dispatcher):
        client.force_login(dispatcher)
        assert reverse(URL) in client.get(reverse("dispatch:console")).content.decode()


@pytest.mark.django_db
def test_the_search_uses_the_created_at_index(dispatcher):
    from django.db import connection

    from dispatch.selectors import past_intakes

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = past_intakes(date_from=timezone.localdate()).explain()
    assert "hotline_intake_created_idx" in plan
