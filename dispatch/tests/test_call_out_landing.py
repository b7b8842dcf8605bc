"""A responder who signs in while called out lands on the call-out, not on their shifts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.selectors import responder_path
from dispatch.tests.factories import send_responders

PASSWORD = "correct-horse-battery"  # volunteers.tests.factories.UserFactory's password


def _sign_in(client, user) -> str:
    """Sign in through the login form (no `next`) and follow to where the person lands."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    return response.redirect_chain[-1][0]


@pytest.mark.django_db
class TestCallOutLanding:
    def test_one_open_call_out_lands_on_its_page(self, client, dispatcher, responders):
        volunteer = responders[0]
        incident = send_responders(user=dispatcher, responders=[volunteer], team_size=1).incident
        assert _sign_in(client, volunteer.user) == responder_path(incident=incident, volunteer=volunteer)

    def test_a_team_member_lands_on_the_incident_they_are_on(self, client, dispatcher, responders):
        volunteer = responders[0]
        incident = send_responders(user=dispatcher, responders=[volunteer], team_size=1).incident
        services.responder_answer(assignment=incident.responders.get(), accept=True, via_sms=True)
        landed = _sign_in(client, volunteer.user)
        assert landed == responder_path(incident=incident, volunteer=volunteer)
        assert incident.code in client.get(landed).content.decode()

    def test_several_call_outs_land_on_my_call_outs(self, client, dispatcher, responders):
        volunteer = responders[0]
        send_responders(user=dispatcher, responders=[volunteer, responders[1]])
        send_responders(user=dispatcher, responders=[volunteer, responders[2]])
        assert _sign_in(client, volunteer.user) == reverse("dispatch:my_incidents")

    def test_without_an_open_call_out_a_responder_lands_on_their_shifts(self, client, dispatcher, responders):
        volunteer = responders[0]
        incident = send_responders(user=dispatcher, responders=[volunteer], team_size=1).incident
        services.incident_cancel(incident=incident, by=dispatcher, reason="The caller called back: all fine.")
        assert _sign_in(client, volunteer.user) == reverse("volunteers:my_shifts")

    def test_a_declined_call_out_is_not_a_landing(self, client, dispatcher, responders):
        volunteer = responders[0]
        incident = send_responders(user=dispatcher, responders=[volunteer], team_size=1).incident
        services.responder_answer(assignment=incident.responders.get(), accept=False, via_sms=True)
        assert _sign_in(client, volunteer.user) == reverse("volunteers:my_shifts")

    def test_a_next_page_still_wins(self, client, dispatcher, responders):
        volunteer = responders[0]
        send_responders(user=dispatcher, responders=[volunteer], team_size=1)
        response = client.post(
            reverse("login") + "?next=" + reverse("volunteers:my_training"),
            {"username": volunteer.user.username, "password": PASSWORD},
        )
        assert response["Location"] == reverse("volunteers:my_training")
