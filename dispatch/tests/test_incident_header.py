"""The incident page's header (status, team accepted of needed) follows the polled timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.tests.factories import send_responders


@pytest.mark.django_db
def test_the_polled_fragment_carries_the_header_and_team_count_out_of_band(client, dispatcher, responders):
    incident = send_responders(user=dispatcher, responders=responders[:2]).incident
    client.force_login(dispatcher)
    page = client.get(incident.get_absolute_url()).content.decode()
    # The page itself has one header, not marked out-of-band.
    assert page.count('id="incident-header"') == 1 and page.count('id="team-count"') == 1
    assert 'id="incident-header" hx-swap-oob' not in page
    assert "Team 0 of 2" in page

    live = reverse("dispatch:incident_live", args=[incident.pk])
    before = client.get(live).content.decode()
    header = before.split('id="incident-header" hx-swap-oob="true"', 1)[1].split('id="timeline"')[0]
    assert "Dispatched" in header and "Team 0 of 2" in header
    assert 'id="team-count" hx-swap-oob="true">0 of 2<' in before

    services.responder_answer(assignment=incident.responders.first(), accept=True, via_sms=True)
    services.incident_record_status(
        incident=incident, status="en_route", volunteer=incident.responders.first().volunteer
    )
    after = client.get(live).content.decode()
    header = after.split('id="incident-header" hx-swap-oob="true"', 1)[1].split('id="timeline"')[0]
    assert 'id="incident-status">En route<' in header and "Team 1 of 2" in header
    assert 'id="team-count" hx-swap-oob="true">1 of 2<' in after


@pytest.mark.django_db
def test_a_cancelled_incident_header_updates_too(client, dispatcher, responders):
    incident = send_responders(user=dispatcher, responders=responders[:1], team_size=1).incident
    services.incident_cancel(incident=incident, by=dispatcher, reason="Duplicate of another call.")
    client.force_login(dispatcher)
    content = client.get(reverse("dispatch:incident_live", args=[incident.pk])).content.decode()
    header = content.split('id="incident-header" hx-swap-oob="true"', 1)[1]
    assert 'text-bg-secondary" id="incident-status">Cancelled<' in header
