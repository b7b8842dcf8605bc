"""Field-initiated contacts: a responder on shift opens an incident for someone they meet."""

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.models import CallType, Incident, IncidentResponder, Notification
from dispatch.tests.factories import responder_on_shift
from hotline.models import Intake
from volunteers.tests.factories import AreaFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def test_responder_opens_a_field_contact_and_records_the_outcome(client, texts):
    volunteer = responder_on_shift()
    area = AreaFactory()
    call_type = CallType.objects.filter(is_active=True).first()
    client.force_login(volunteer.user)
    assert "Someone I met in the field" in client.get(reverse("dispatch:my_incidents")).content.decode()

    response = client.post(
        reverse("dispatch:field_contact"),
        {
            "call_type": call_type.pk,
            "area": area.pk,
            "language": "es",
            "location": "Bus shelter, 14th & Park",
            "details": "Older man, confused, cold.",
        },
    )

    incident = Incident.objects.get()
    assert response.status_code == 302
    intake = incident.triage.intake
    assert (intake.source, intake.channel, intake.status) == (
        "field_initiated",
        "field",
        Intake.Status.CLOSED,
    )
    assert (incident.call_type, incident.area, incident.language) == (call_type, area, "es")
    assert incident.status == Incident.Status.ON_SCENE and incident.escalate_at is None
    team = IncidentResponder.objects.get(incident=incident)
    assert (team.volunteer, team.status) == (volunteer, IncidentResponder.Status.ACCEPTED)
    assert not Notification.objects.exists() and texts == []  # nobody texted

    # The same responder page and outcome form as any call-out.
    page = client.get(response["Location"])
    assert page.status_code == 200 and "outcome" in page.content.decode()
    act = client.post(response["Location"] + "act/", {"action": "outcome", "outcome": "resolved_on_scene"})
    assert act.status_code == 302
    incident.refresh_from_db()
    assert incident.outcome == "resolved_on_scene"

    # Not escalated by the sweep.
    assert services.incidents_escalate_due() == 0


def test_only_responders_on_shift_open_field_contacts(client):
    off_shift = VolunteerFactory(user__roles=("Volunteer", "Responder"))
    client.force_login(off_shift.user)
    response = client.post(reverse("dispatch:field_contact"), {"location": "Corner store"})
    assert response.status_code == 200
    assert "Only a responder on shift" in response.content.decode()
    assert not Incident.objects.exists() and not Intake.objects.exists()


def test_the_form_requires_where(client):
    volunteer = responder_on_shift()
    client.force_login(volunteer.user)
    response = client.post(reverse("dispatch:field_contact"), {"details": "?"})
    assert response.status_code == 200 and response.context["form"].errors["location"]
    assert not Incident.objects.exists()


def test_volunteers_without_the_responder_role_cannot(client, volunteer_user):
    client.force_login(volunteer_user)
    assert client.get(reverse("dispatch:field_contact")).status_code == 403
