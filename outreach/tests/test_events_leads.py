"""Events, leads and their conversion into volunteers; focus groups; the outreach summary."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from outreach.models import Event, FocusGroup, Lead, Theme
from outreach.selectors import (
    conversions_by_event_kind,
    event_signup_url,
    events_by_kind_and_month,
    events_with_counts,
    lead_signup_url,
    leads_with_conversion,
    themes_summary,
)
from outreach.tests.factories import EventFactory, FocusGroupFactory, LeadFactory, PartnerFactory
from volunteers.models import Volunteer
from volunteers.services import Application, volunteer_apply, volunteer_approve
from volunteers.tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def applicant(**fields):
    return VolunteerFactory(status=Volunteer.Status.APPLICANT, user=None, **fields)


def approved(**fields):
    fields.setdefault("status", Volunteer.Status.ACTIVE)
    return VolunteerFactory(approved_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), **fields)


def query(url):
    parts = urlsplit(url)
    return parts, {key: values[0] for key, values in parse_qs(parts.query).items()}


def test_lead_link_prefills_the_sign_up_and_attributes_the_event():
    event = EventFactory(kind=Event.Kind.TABLING)
    lead = LeadFactory(
        event=event,
        first_name="Luis",
        last_name="Ortega",
        email="luis@example.org",
        phone="+12025550177",
        language="es",
    )
    parts, params = query(lead_signup_url(lead))
    assert f"{parts.scheme}://{parts.netloc}" == settings.PUBLIC_BASE_URL
    assert parts.path == reverse("volunteers:signup")
    assert params == {
        "ref": event.code,
        "lead": lead.reference,
        "first_name": "Luis",
        "last_name": "Ortega",
        "email": "luis@example.org",
        "phone": "+12025550177",
        "lang": "es",
    }
    assert query(event_signup_url(event))[1] == {"ref": event.code}
    # Codes are opaque and distinct.
    assert len({event.code, lead.reference, EventFactory().code, LeadFactory().reference}) == 4


def test_lead_without_event_or_phone_has_a_shorter_link():
    lead = LeadFactory(event=None, phone="", email="x@example.org")
    params = query(lead_signup_url(lead))[1]
    assert "ref" not in params and "phone" not in params and params["lead"] == lead.reference


def test_a_tabling_lead_becomes_an_approved_volunteer_and_the_summary_counts_it(client, coordinator):
    client.force_login(coordinator)
    event = EventFactory(
        kind=Event.Kind.TABLING, title="Farmers' market", people_reached=120, held_on=D(2026, 5, 9)
    )
    response = client.post(
        reverse("outreach:lead_create"),
        {
            "event": event.pk,
            "first_name": "Mina",
            "last_name": "Seo",
            "email": "mina@example.org",
            "phone": "",
            "language": "ko",
            "interest": "dispatcher",
        },
    )
    assert response.status_code == 302
    lead = Lead.objects.get(email="mina@example.org")
    detail = client.get(lead.get_absolute_url())
    signup_url = detail.context["signup_url"]
    assert signup_url in detail.content.decode().replace("&amp;", "&")

    # The person opens the link: the sign-up page shows their details.
    parts, params = query(signup_url)
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert "mina@example.org" in page.content.decode()

    # They apply through the volunteers app with the attribution the link carries.
    volunteer = volunteer_apply(
        application=Application(
            first_name=params["first_name"],
            last_name=params["last_name"],
            phone="+12025550166",
            email=params["email"],
            preferred_language=params["lang"],
            source_code=params["ref"],
            lead_reference=params["lead"],
        )
    )
    row = _row(conversions_by_event_kind(), "tabling")
    assert (row["leads"], row["leads_applied"], row["leads_approved"], row["signups"]) == (1, 1, 0, 1)
    assert client.get(lead.get_absolute_url()).context["volunteer"] == volunteer

    volunteer_approve(volunteer=volunteer, by=coordinator, roles=["dispatcher"])
    summary = client.get(reverse("outreach:summary"))
    assert summary.status_code == 200
    row = _row(summary.context["conversions"], "tabling")
    assert (row["events"], row["reached"], row["leads"], row["leads_applied"], row["leads_approved"]) == (
        1,
        120,
        1,
        1,
        1,
    )
    assert (row["signups"], row["signups_approved"], str(row["lead_conversion"])) == (1, 1, "100.0")
    assert summary.context["totals"]["leads_approved"] == 1
    assert leads_with_conversion().get(pk=lead.pk).approved is True


def _row(rows, kind):
    return next(row for row in rows if row["kind"] == kind)


def test_conversions_by_event_kind_on_constructed_data():
    tabling_a = EventFactory(kind=Event.Kind.TABLING, held_on=D(2026, 4, 1), people_reached=100)
    tabling_b = EventFactory(kind=Event.Kind.TABLING, held_on=D(2026, 4, 20), people_reached=50)
    talk = EventFactory(kind=Event.Kind.PRESENTATION, held_on=D(2026, 5, 2), people_reached=30)
    old = EventFactory(kind=Event.Kind.CANVASSING, held_on=D(2025, 12, 1), people_reached=70)

    leads_a = [LeadFactory(event=tabling_a) for _ in range(4)]
    leads_b = [LeadFactory(event=tabling_b) for _ in range(2)]
    talk_lead = LeadFactory(event=talk)
    LeadFactory(event=old)
    LeadFactory(event=None)  # not from an event: not in any row

    applicant(lead_reference=leads_a[0].reference, source_code=tabling_a.code)
    approved(lead_reference=leads_a[1].reference, source_code=tabling_a.code)
    # Approved once, inactive now: still a conversion.
    approved(
        lead_reference=leads_b[0].reference, source_code=tabling_b.code, status=Volunteer.Status.INACTIVE
    )
    applicant(source_code=tabling_b.code)  # walked up with the event's link, no lead
    approved(source_code=talk.code)
    approved(lead_reference=talk_lead.reference, source_code=talk.code)
    approved(source_code="someone-elses-code")
    approved(lead_reference="unknown-lead")

    rows = conversions_by_event_kind()
    tabling = _row(rows, "tabling")
    assert (tabling["events"], tabling["reached"]) == (2, 150)
    assert (tabling["leads"], tabling["leads_applied"], tabling["leads_approved"]) == (6, 3, 2)
    assert (tabling["signups"], tabling["signups_approved"]) == (4, 2)
    assert str(tabling["lead_conversion"]) == "33.3"
    talk_row = _row(rows, "presentation")
    assert (
        talk_row["leads"],
        talk_row["leads_applied"],
        talk_row["leads_approved"],
        talk_row["signups"],
        talk_row["signups_approved"],
    ) == (1, 1, 1, 2, 2)
    assert _row(rows, "canvassing")["leads"] == 1
    assert _row(rows, "social_media") == {**_row(rows, "social_media"), "events": 0, "leads": 0, "signups": 0}

    # A date range keeps the events held in it.
    rows = conversions_by_event_kind(start=D(2026, 4, 10), end=D(2026, 4, 30))
    tabling = _row(rows, "tabling")
    assert (
        tabling["events"],
        tabling["reached"],
        tabling["leads"],
        tabling["leads_approved"],
        tabling["signups"],
    ) == (1, 50, 2, 1, 2)
    assert _row(rows, "presentation")["events"] == 0

    counted = events_with_counts().get(pk=tabling_a.pk)
    assert (
        counted.lead_count,
        counted.leads_applied,
        counted.leads_approved,
        counted.signups,
        counted.signups_approved,
    ) == (4, 2, 1, 2, 1)


def test_events_and_reach_by_kind_and_month():
    EventFactory(kind=Event.Kind.TABLING, held_on=D(2026, 4, 1), people_reached=100)
    EventFactory(kind=Event.Kind.TABLING, held_on=D(2026, 4, 30), people_reached=50)
    EventFactory(kind=Event.Kind.SOCIAL_MEDIA, held_on=D(2026, 4, 15), people_reached=900)
    EventFactory(kind=Event.Kind.TABLING, held_on=D(2026, 5, 1), people_reached=20)
    rows = [(row["month"], row["kind"], row["events"], row["reached"]) for row in events_by_kind_and_month()]
    assert rows == [
        (D(2026, 4, 1), "social_media", 1, 900),
        (D(2026, 4, 1), "tabling", 2, 150),
        (D(2026, 5, 1), "tabling", 1, 20),
    ]
    assert len(events_by_kind_and_month(start=D(2026, 5, 1))) == 1


def test_summary_page(client, coordinator):
    EventFactory(
        kind=Event.Kind.PARTNER_TRAINING, held_on=D(2026, 3, 3), people_reached=12, partner=PartnerFactory()
    )
    FocusGroupFactory(audience="unhoused", participants=6)
    client.force_login(coordinator)
    response = client.get(reverse("outreach:summary"))
    assert response.status_code == 200
    assert [row["reached"] for row in response.context["month_rows"]] == [12]
    assert response.context["chart"]["labels"] == ["March 2026"]
    content = response.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in content and 'id="reach-chart"' in content
    assert any(s.slug == "community-needs" for s in response.context["surveys"])
    assert response.context["focus_groups"][0]["participants"] == 6
    # A reversed range is a form error, not a crash.
    bad = client.get(reverse("outreach:summary"), {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_coordinator_records_an_event(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("outreach:event_create"),
        {
            "kind": "canvassing",
            "title": "Door knocking",
            "held_on": "2026-06-01",
            "place": "Elm St",
            "people_reached": "45",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get(title="Door knocking")
    assert event.created_by == coordinator and event.code
    page = client.get(event.get_absolute_url())
    assert event_signup_url(event) in page.content.decode().replace("&amp;", "&")
    assert (
        client.post(
            reverse("outreach:event_create"),
            {"kind": "tabling", "title": "x", "held_on": "2026-06-01", "people_reached": "-3"},
        ).status_code
        == 200
    )
    assert (
        client.get(reverse("outreach:event_list"), {"kind": "canvassing"}).context["page"].paginator.count
        == 1
    )


def test_a_lead_needs_an_email_or_a_phone(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("outreach:lead_create"), {"first_name": "Nobody", "language": "en", "interest": "unsure"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "summary",
        "event_list",
        "event_create",
        "lead_list",
        "lead_create",
        "focus_group_list",
        "focus_group_create",
    ],
)
def test_outreach_records_are_for_coordinators(client, dispatcher, name):
    client.force_login(dispatcher)
    assert client.get(reverse(f"outreach:{name}")).status_code == 403
    client.logout()
    assert client.get(reverse(f"outreach:{name}")).status_code == 302


def test_focus_groups_with_themes_summary(client, coordinator):
    client.force_login(coordinator)
    base = {"held_on": "2026-02-10", "audience": "residents", "facilitator": "Cora", "participants": "9"}
    response = client.post(
        reverse("outreach:focus_group_create"),
        {
            **base,
            "title": "East side",
            "themes_text": "Distrust of police, language access, distrust of police,  ",
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("outreach:focus_group_create"),
        {
            **base,
            "title": "Providers",
            "audience": "providers",
            "participants": "5",
            "themes_text": "DISTRUST OF POLICE, wait times",
        },
    )
    assert sorted(Theme.objects.values_list("name", flat=True)) == [
        "Distrust of police",
        "language access",
        "wait times",
    ]
    summary = [(t.name, t.sessions, t.participants) for t in themes_summary()]
    assert summary == [("Distrust of police", 2, 14), ("language access", 1, 9), ("wait times", 1, 5)]

    group = FocusGroup.objects.get(title="East side")
    client.post(
        reverse("outreach:focus_group_edit", args=[group.pk]),
        {**base, "title": "East side", "themes_text": "wait times"},
    )
    assert list(group.themes.values_list("name", flat=True)) == ["wait times"]
    page = client.get(reverse("outreach:focus_group_list"))
    assert page.status_code == 200
    assert [(t.name, t.sessions) for t in page.context["themes"]] == [
        ("wait times", 2),
        ("Distrust of police", 1),
    ]
