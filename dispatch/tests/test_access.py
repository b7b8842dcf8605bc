"""Who may see what: every dispatch URL for every role, and the responder's signed link."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.urls import reverse

from audit.models import AuditEntry
from dispatch.models import Notification
from dispatch.selectors import RESPONDER_LINK_SALT, responder_path
from dispatch.tests.factories import claimed, send_responders
from hotline.tests.factories import IntakeFactory

ROLES = ("anonymous", "volunteer", "responder", "dispatcher", "coordinator")


@pytest.fixture
def users(make_user, dispatcher, coordinator, responder, volunteer_user):
    return {
        "anonymous": None,
        "volunteer": volunteer_user,
        "responder": responder,
        "dispatcher": dispatcher,
        "coordinator": coordinator,
    }


@pytest.fixture
def world(dispatcher, responders):
    """An intake in the queue, a claimed one, and an open incident."""
    triage = send_responders(user=dispatcher)
    notification = Notification.objects.filter(incident=triage.incident).first()
    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.FAILED)
    return {
        "intake": IntakeFactory(),
        "claimed": claimed(user=dispatcher).intake,
        "incident": triage.incident,
        "notification": notification,
    }


def pages(world):
    """(method, url, roles allowed) for every dispatch URL except the responder's link."""
    intake, incident = world["intake"].pk, world["incident"].pk
    dispatchers = {"dispatcher", "coordinator"}
    return [
        ("get", reverse("dispatch:console"), dispatchers),
        ("get", reverse("dispatch:queue"), dispatchers),
        ("get", reverse("dispatch:intake", args=[intake]), dispatchers),
        ("post", reverse("dispatch:intake_claim", args=[intake]), dispatchers),
        ("post", reverse("dispatch:intake_release", args=[world["claimed"].pk]), dispatchers),
        ("post", reverse("dispatch:intake_hand_over", args=[world["claimed"].pk]), dispatchers),
        ("post", reverse("dispatch:intake_recommendation", args=[world["claimed"].pk]), dispatchers),
        ("get", reverse("dispatch:intake_candidates", args=[world["claimed"].pk]), dispatchers),
        ("post", reverse("dispatch:intake_decide", args=[world["claimed"].pk]), dispatchers),
        ("get", reverse("dispatch:partners"), dispatchers),
        ("get", reverse("dispatch:incident", args=[incident]), dispatchers),
        ("get", reverse("dispatch:incident_live", args=[incident]), dispatchers),
        ("post", reverse("dispatch:incident_status", args=[incident]), dispatchers),
        ("post", reverse("dispatch:incident_note", args=[incident]), dispatchers),
        ("post", reverse("dispatch:incident_outcome", args=[incident]), dispatchers),
        ("post", reverse("dispatch:incident_close", args=[incident]), dispatchers),
        ("post", reverse("dispatch:incident_cancel", args=[incident]), dispatchers),
        ("post", reverse("dispatch:incident_notify_more", args=[incident]), dispatchers),
        ("post", reverse("dispatch:notification_resend", args=[world["notification"].pk]), dispatchers),
        ("get", reverse("dispatch:protocol"), dispatchers),
        ("get", reverse("dispatch:protocol_version", args=[1]), dispatchers),
        ("get", reverse("dispatch:protocol_edit"), {"coordinator"}),
        ("post", reverse("dispatch:protocol_edit"), {"coordinator"}),
        ("get", reverse("dispatch:my_incidents"), {"responder", "coordinator"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_dispatch_url_answers_by_role(client, users, world, role):
    user = users[role]
    if user is not None:
        client.force_login(user)
    for method, url, allowed in pages(world):
        response = getattr(client, method)(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response.url, (method, url)
        elif role in allowed:
            assert response.status_code not in (403, 404, 405), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/accounts/login/" not in response.url
        else:
            assert response.status_code == 403, (method, url, role, response.status_code)


@pytest.mark.django_db
def test_caller_numbers_are_not_shown_to_responders(client, dispatcher, responders):
    triage = send_responders(user=dispatcher)
    assignment = triage.incident.responders.first()
    client.force_login(assignment.volunteer.user)
    page = client.get(responder_path(incident=triage.incident, volunteer=assignment.volunteer))
    assert page.status_code == 200
    assert str(triage.intake.caller) not in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    # The responder saw the incident, not the intake: no intake view, one incident view by them.
    assert not AuditEntry.objects.filter(subject="hotline.intake").exists()
    entry = AuditEntry.objects.get(subject="dispatch.incident", action="viewed")
    assert (entry.actor, entry.object_id) == (assignment.volunteer.user, triage.incident.pk)
    assert entry.actor_label.startswith("responder link")


@pytest.mark.django_db
class TestResponderLink:
    def test_a_forged_or_tampered_link_is_refused(self, client, dispatcher, responders):
        triage = send_responders(user=dispatcher)
        volunteer = triage.incident.responders.first().volunteer
        path = responder_path(incident=triage.incident, volunteer=volunteer)
        token = path.rstrip("/").split("/")[-1]
        other = responders[-1] if responders[-1] != volunteer else responders[0]
        forged = token.replace(f".{volunteer.pk}.", f".{other.pk}.", 1)
        assert forged != token
        assert client.get(reverse("dispatch:responder", args=[forged])).status_code == 404
        assert client.get(reverse("dispatch:responder", args=["nonsense"])).status_code == 404
        assert (
            client.post(reverse("dispatch:responder_action", args=[forged]), {"action": "accept"}).status_code
            == 404
        )

    def test_a_link_expires(self, client, dispatcher, responders, settings, monkeypatch):
        triage = send_responders(user=dispatcher)
        volunteer = triage.incident.responders.first().volunteer
        path = responder_path(incident=triage.incident, volunteer=volunteer)
        assert client.get(path).status_code == 200
        later = time.time() + settings.DISPATCH_RESPONDER_LINK_MAX_AGE + 60
        monkeypatch.setattr(signing.time, "time", lambda: later)
        assert client.get(path).status_code == 404

    def test_a_link_for_someone_not_called_out_is_refused(self, client, dispatcher, responders):
        triage = send_responders(user=dispatcher, responders=responders[:1])
        token = signing.TimestampSigner(salt=RESPONDER_LINK_SALT).sign(
            f"{triage.incident.pk}.{responders[2].pk}"
        )
        assert client.get(reverse("dispatch:responder", args=[token])).status_code == 404

    @pytest.mark.parametrize("how", ["volunteer deactivated", "account deactivated", "stood down"])
    def test_a_link_stops_at_once_when_the_responder_is_out(self, client, dispatcher, responders, how):
        from dispatch.services import incident_cancel
        from volunteers.services import volunteer_deactivate

        triage = send_responders(user=dispatcher)
        assignment = triage.incident.responders.first()
        volunteer = assignment.volunteer
        path = responder_path(incident=triage.incident, volunteer=volunteer)
        assert client.get(path).status_code == 200
        if how == "volunteer deactivated":
            volunteer_deactivate(volunteer=volunteer, by=dispatcher)
        elif how == "account deactivated":  # in the admin, say
            type(volunteer.user).objects.filter(pk=volunteer.user_id).update(is_active=False)
        else:
            incident_cancel(incident=triage.incident, by=dispatcher, reason="duplicate")
        assert client.get(path).status_code == 404
        assert client.post(path + "act/", {"action": "accept"}).status_code == 404
        assignment.refresh_from_db()
        assert assignment.status != "accepted"

    def test_a_link_signed_before_a_deactivation_never_works_again(self, client, dispatcher, responders):
        from volunteers.services import volunteer_deactivate, volunteer_reactivate

        triage = send_responders(user=dispatcher)
        volunteer = triage.incident.responders.first().volunteer
        old = responder_path(incident=triage.incident, volunteer=volunteer)
        volunteer_deactivate(volunteer=volunteer, by=dispatcher)
        volunteer_reactivate(volunteer=volunteer, by=dispatcher)
        volunteer.refresh_from_db()
        assert client.get(old).status_code == 404
        assert client.get(responder_path(incident=triage.incident, volunteer=volunteer)).status_code == 200

    def test_status_buttons_need_a_place_on_the_team(self, client, dispatcher, responders):
        triage = send_responders(user=dispatcher, team_size=1)
        first, second = triage.incident.responders.all()[:2]
        first_path = responder_path(incident=triage.incident, volunteer=first.volunteer)
        second_path = responder_path(incident=triage.incident, volunteer=second.volunteer)
        client.post(first_path + "act/", {"action": "accept"})
        response = client.post(second_path + "act/", {"action": "en_route"})
        assert response.status_code == 403
        client.post(second_path + "act/", {"action": "accept"})
        second.refresh_from_db()
        assert second.status == "team_full"
        assert client.post(second_path + "act/", {"action": "on_scene"}).status_code == 403
        assert client.post(first_path + "act/", {"action": "en_route"}).status_code == 302
        triage.incident.refresh_from_db()
        assert triage.incident.status == "en_route"
