"""Debriefs after closed incidents (coordinators only read them), critical-incident check-ins
due within 48 hours, and hours per volunteer per week against the cap."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dispatch import debriefs
from dispatch.models import Debrief, Incident, IncidentResponder, WellbeingCheckIn
from dispatch.tests.factories import responder_on_shift, send_responders
from volunteers.models import ShiftAssignment
from volunteers.tests.factories import ShiftFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_incident(dispatcher):
    alex, sam = responder_on_shift(first_name="Alex"), responder_on_shift(first_name="Sam")
    incident = send_responders(user=dispatcher, responders=[alex, sam]).incident
    IncidentResponder.objects.filter(incident=incident).update(status=IncidentResponder.Status.ACCEPTED)
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.CLOSED, outcome="resolved", closed_at=timezone.now()
    )
    incident.refresh_from_db()
    return incident, alex, sam


def test_a_team_member_debriefs_once_and_asking_to_talk_creates_a_check_in(client, closed_incident):
    incident, alex, _sam = closed_incident
    client.force_login(alex.user)
    mine = client.get(reverse("dispatch:my_incidents")).content.decode()
    assert reverse("dispatch:debrief", args=[incident.pk]) in mine
    response = client.post(
        reverse("dispatch:debrief", args=[incident.pk]),
        {"went_well": "We kept it calm", "was_hard": "The cold", "wants_to_talk": "yes"},
    )
    assert response.status_code == 302
    debrief = Debrief.objects.get()
    assert (debrief.volunteer, debrief.wants_to_talk) == (alex, True)
    check_in = WellbeingCheckIn.objects.get()
    assert check_in.reason == "asked" and check_in.volunteer == alex
    assert timedelta(hours=47) < check_in.due_at - timezone.now() <= timedelta(hours=48)
    # Once only; the form then says it was sent, and the pending list drops it.
    again = client.get(reverse("dispatch:debrief", args=[incident.pk]))
    assert again.context["already"]
    with pytest.raises(ValidationError):
        debriefs.debrief_submit(
            incident=incident, volunteer=alex, went_well="", was_hard="", wants_to_talk=False
        )
    assert (
        reverse("dispatch:debrief", args=[incident.pk])
        not in client.get(reverse("dispatch:my_incidents")).content.decode()
    )


def test_debriefs_are_for_the_team_of_a_closed_incident_and_read_only_by_coordinators(
    client, closed_incident, dispatcher, coordinator
):
    incident, alex, _sam = closed_incident
    outsider = responder_on_shift(first_name="Kim")
    client.force_login(outsider.user)
    assert client.get(reverse("dispatch:debrief", args=[incident.pk])).status_code == 404
    debriefs.debrief_submit(
        incident=incident, volunteer=alex, went_well="ok", was_hard="secret", wants_to_talk=False
    )

    for user in (alex.user, dispatcher):
        client.force_login(user)
        assert client.get(reverse("dispatch:wellbeing")).status_code == 403
    client.force_login(coordinator)
    assert "secret" in client.get(reverse("dispatch:wellbeing")).content.decode()

    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.DISPATCHED, outcome="")
    incident.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        debriefs.debrief_submit(
            incident=incident, volunteer=_sam, went_well="", was_hard="", wants_to_talk=False
        )


def test_critical_flag_makes_check_ins_shown_due_then_overdue_until_done(
    client, closed_incident, dispatcher, coordinator
):
    incident, alex, sam = closed_incident
    client.force_login(dispatcher)
    response = client.post(
        reverse("dispatch:incident_flag_critical", args=[incident.pk]), {"note": "Overdose"}
    )
    assert response.status_code == 302
    client.post(
        reverse("dispatch:incident_flag_critical", args=[incident.pk])
    )  # flagging twice: no duplicates
    check_ins = WellbeingCheckIn.objects.filter(reason="critical")
    assert {c.volunteer for c in check_ins} == {alex, sam}

    client.force_login(coordinator)
    page = client.get(reverse("dispatch:wellbeing"))
    assert page.context["overview"].overdue_count == 0
    assert "data-due" in page.content.decode()

    late = check_ins.get(volunteer=alex)
    WellbeingCheckIn.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - timedelta(hours=50), due_at=timezone.now() - timedelta(hours=2)
    )
    page = client.get(reverse("dispatch:wellbeing"))
    assert page.context["overview"].overdue_count == 1
    assert "data-overdue" in page.content.decode()

    client.post(reverse("dispatch:check_in_done", args=[late.pk]), {"note": "Called, doing ok"})
    late.refresh_from_db()
    assert late.done_by == coordinator and late.outcome_note == "Called, doing ok"
    assert [
        c.volunteer for c in client.get(reverse("dispatch:wellbeing")).context["overview"].open_check_ins
    ] == [sam]
    with pytest.raises(ValidationError):
        debriefs.check_in_done(check_in=late, by=coordinator)


def test_weekly_hours_warn_above_the_configured_cap(client, coordinator, settings):
    settings.WELLBEING_WEEKLY_HOURS_CAP = 10
    busy, steady = VolunteerFactory(first_name="Busy"), VolunteerFactory(first_name="Steady")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time())) + timedelta(
        hours=8
    )
    for day in range(3):
        shift = ShiftFactory(
            starts_at=start + timedelta(days=day), ends_at=start + timedelta(days=day, hours=4)
        )
        ShiftAssignment.objects.create(shift=shift, volunteer=busy)
    shift = ShiftFactory(starts_at=start, ends_at=start + timedelta(hours=6))
    ShiftAssignment.objects.create(shift=shift, volunteer=steady)
    cancelled = ShiftFactory(starts_at=start, ends_at=start + timedelta(hours=8))
    ShiftAssignment.objects.create(shift=cancelled, volunteer=steady, status=ShiftAssignment.Status.CANCELLED)
    last_week = ShiftFactory(
        starts_at=start - timedelta(days=7), ends_at=start - timedelta(days=7) + timedelta(hours=9)
    )
    ShiftAssignment.objects.create(shift=last_week, volunteer=steady)

    client.force_login(coordinator)
    hours = client.get(reverse("dispatch:wellbeing")).context["overview"].hours
    assert [(row.volunteer.first_name, row.hours, row.over_cap) for row in hours] == [
        ("Busy", 12.0, True),
        ("Steady", 6.0, False),
    ]

    # Last week's hours served: the page goes back a week (any day of it names the week).
    page = client.get(reverse("dispatch:wellbeing"), {"week": (monday - timedelta(days=3)).isoformat()})
    assert [(row.volunteer.first_name, row.hours) for row in page.context["overview"].hours] == [
        ("Steady", 9.0)
    ]
    assert page.context["overview"].week_start == monday - timedelta(days=7)
    assert f"?week={monday.isoformat()}#hours" in page.content.decode()
    assert client.get(reverse("dispatch:wellbeing"), {"week": "last week"}).status_code == 400


def test_coordinators_are_emailed_about_a_critical_flag_at_once_and_again_when_overdue(
    client, closed_incident, dispatcher, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    """The flag is not only a line on a page nobody opened: every coordinator is emailed as soon
    as a dispatcher flags the incident, once; and once more when the 48 hours pass."""
    from dispatch.tasks import check_ins_prompt

    incident, alex, sam = closed_incident
    coordinator.email = "cora@example.org"
    coordinator.save(update_fields=["email"])
    client.force_login(dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dispatch:incident_flag_critical", args=[incident.pk]), {"note": "Overdose"}
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["cora@example.org"]
    assert "2" in mail.subject
    assert incident.code in mail.body and str(alex) in mail.body and str(sam) in mail.body
    assert reverse("dispatch:wellbeing") in mail.body

    # Running again (beat's sweep, a duplicated task) sends nothing new.
    assert check_ins_prompt.delay().get() == 0
    assert len(mailoutbox) == 1

    # Overdue: one reminder; a check-in done before then is left out of it.
    done = WellbeingCheckIn.objects.get(volunteer=sam)
    debriefs.check_in_done(check_in=done, by=coordinator)
    later = timezone.now() + timedelta(hours=49)
    assert debriefs.check_ins_prompt(now=later) == 1
    assert len(mailoutbox) == 2
    assert str(alex) in mailoutbox[1].body and str(sam) not in mailoutbox[1].body
    assert debriefs.check_ins_prompt(now=later + timedelta(hours=1)) == 0


def test_a_failed_email_leaves_the_check_in_to_the_next_run(closed_incident, coordinator, monkeypatch):
    incident, _alex, _sam = closed_incident
    coordinator.email = "cora@example.org"
    coordinator.save(update_fields=["email"])
    debriefs.incident_flag_critical(incident=incident, by=coordinator)  # no on-commit in this test

    def refuse(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(debriefs, "send_mail", refuse)
    with pytest.raises(OSError):
        debriefs.check_ins_prompt()
    assert not WellbeingCheckIn.objects.filter(announced_at__isnull=False).exists()
    monkeypatch.undo()
    assert debriefs.check_ins_prompt() == 2
