import threading
import time as clock
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from volunteers.models import Shift, ShiftAssignment, ShiftRole
from volunteers.services import (
    ShiftFull,
    ShiftSeries,
    VolunteerError,
    assignment_cancel,
    assignment_mark,
    shift_create_series,
    shift_sign_up,
)
from volunteers.tests.factories import (
    ShiftFactory,
    TrainingModuleFactory,
    VolunteerFactory,
    put_on_shift,
)

LA = ZoneInfo("America/Los_Angeles")


def dispatcher_volunteer(**fields):
    """An active volunteer in the Dispatcher group (qualified when no module is required)."""
    return VolunteerFactory(user__roles=["Volunteer", "Dispatcher"], **fields)


def future_shift(**fields):
    return ShiftFactory(**{"starts_at": timezone.now() + timedelta(days=2), **fields})


@pytest.mark.django_db
def test_a_month_of_weekday_evening_shifts_in_one_form(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("volunteers:shift_create"),
        {
            "role": "dispatcher",
            "date_from": "2026-06-01",
            "date_until": "2026-06-30",
            "weekdays": ["0", "1", "2", "3", "4"],
            "start_time": "18:00",
            "end_time": "02:00",
            "capacity": "2",
            "minimum_staffing": "2",
        },
    )
    assert response.status_code == 302
    shifts = list(Shift.objects.order_by("starts_at"))
    assert len(shifts) == 22  # June 2026 has 22 weekdays
    first = shifts[0]
    assert timezone.localtime(first.starts_at) == datetime(2026, 6, 1, 18, 0, tzinfo=LA)
    assert timezone.localtime(first.ends_at) == datetime(2026, 6, 2, 2, 0, tzinfo=LA), "crosses midnight"
    assert all(timezone.localtime(s.starts_at).weekday() < 5 for s in shifts)
    assert {(s.capacity, s.minimum_staffing, s.role, s.created_by) for s in shifts} == {
        (2, 2, "dispatcher", coordinator)
    }
    again = client.post(
        reverse("volunteers:shift_create"),
        {
            "role": "dispatcher",
            "date_from": "2026-06-01",
            "date_until": "2026-06-30",
            "weekdays": ["0", "1", "2", "3", "4"],
            "start_time": "18:00",
            "end_time": "02:00",
            "capacity": "2",
            "minimum_staffing": "2",
        },
        follow=True,
    )
    assert "22 already existed" in again.content.decode()
    assert Shift.objects.count() == 22


@pytest.mark.django_db
def test_single_shift_and_local_times_across_dst(coordinator):
    created, _skipped = shift_create_series(
        series=ShiftSeries(
            role=ShiftRole.RESPONDER,
            date_from=date(2026, 3, 7),
            date_until=date(2026, 3, 8),
            start_time=time(22),
            end_time=time(6),
        ),
        by=coordinator,
    )
    assert [s.duration for s in created] == [timedelta(hours=7), timedelta(hours=8)]
    assert timezone.localtime(created[0].ends_at).time() == time(6)
    single, _ = shift_create_series(
        series=ShiftSeries(
            role=ShiftRole.RESPONDER,
            date_from=date(2026, 4, 1),
            date_until=date(2026, 4, 1),
            start_time=time(9),
            end_time=time(13),
        ),
        by=coordinator,
    )
    assert len(single) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_time": "18:00", "end_time": "18:00"}, "end_time"),
        ({"date_until": "2026-05-01"}, "date_until"),
        ({"minimum_staffing": "5"}, "minimum_staffing"),
        ({"capacity": "0"}, "capacity"),
        ({"role": "driver"}, "role"),
    ],
)
def test_shift_form_errors(client, coordinator, overrides, field):
    client.force_login(coordinator)
    data = {
        "role": "dispatcher",
        "date_from": "2026-06-01",
        "start_time": "09:00",
        "end_time": "17:00",
        "capacity": "2",
        "minimum_staffing": "1",
        **overrides,
    }
    response = client.post(reverse("volunteers:shift_create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_too_long_series_is_refused(client, coordinator):
    client.force_login(coordinator)
    data = {
        "role": "dispatcher",
        "date_from": "2026-01-01",
        "date_until": "2027-12-31",
        "start_time": "09:00",
        "end_time": "17:00",
        "capacity": "2",
        "minimum_staffing": "1",
    }
    response = client.post(reverse("volunteers:shift_create"), data)
    assert response.status_code == 400 and "more than" in response.content.decode()
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_database_keeps_end_after_start():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        ShiftFactory(starts_at=timezone.now(), ends_at=timezone.now() - timedelta(hours=1))


@pytest.mark.django_db
def test_sign_up_rules():
    TrainingModuleFactory(roles=[ShiftRole.DISPATCHER])
    shift = future_shift(capacity=1)
    untrained = dispatcher_volunteer()
    with pytest.raises(VolunteerError, match="missing training"):
        shift_sign_up(shift=shift, volunteer=untrained)
    responder_only = VolunteerFactory(user__roles=["Volunteer", "Responder"])
    with pytest.raises(VolunteerError, match="not approved"):
        shift_sign_up(shift=shift, volunteer=responder_only)
    ready = dispatcher_volunteer()
    put_on_shift(ready, ShiftRole.DISPATCHER)  # qualifies them
    shift_sign_up(shift=shift, volunteer=ready)
    with pytest.raises(VolunteerError, match="already on this shift"):
        shift_sign_up(shift=shift, volunteer=ready)
    other = dispatcher_volunteer()
    put_on_shift(other, ShiftRole.DISPATCHER)
    with pytest.raises(ShiftFull):
        shift_sign_up(shift=shift, volunteer=other)
    overlapping = ShiftFactory(starts_at=shift.starts_at + timedelta(hours=1), capacity=3)
    with pytest.raises(VolunteerError, match="another shift"):
        shift_sign_up(shift=overlapping, volunteer=ready)
    started = ShiftFactory(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(VolunteerError, match="already started"):
        shift_sign_up(shift=started, volunteer=other)


@pytest.mark.django_db
def test_open_shifts_page_lists_qualified_roles_and_signs_up(client):
    volunteer = dispatcher_volunteer()
    dispatch = future_shift(role=ShiftRole.DISPATCHER)
    future_shift(role=ShiftRole.RESPONDER, starts_at=timezone.now() + timedelta(days=3))
    full = future_shift(role=ShiftRole.DISPATCHER, capacity=1, starts_at=timezone.now() + timedelta(days=4))
    ShiftAssignment.objects.create(shift=full, volunteer=dispatcher_volunteer())
    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:open_shifts"))
    assert list(page.context["shifts"]) == [dispatch]
    response = client.post(reverse("volunteers:shift_sign_up", args=[dispatch.pk]))
    assert response.status_code == 302
    assert ShiftAssignment.objects.filter(shift=dispatch, volunteer=volunteer, status="booked").exists()
    assert dispatch.pk not in [s.pk for s in client.get(reverse("volunteers:open_shifts")).context["shifts"]]
    my = client.get(reverse("volunteers:my_shifts"))
    assert [a.shift for a, _can_cancel in my.context["upcoming"]] == [dispatch]


@pytest.mark.django_db
def test_cancel_up_to_the_configured_cutoff(client, settings):
    settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS = 24
    volunteer = dispatcher_volunteer()
    later = ShiftAssignment.objects.create(
        shift=ShiftFactory(starts_at=timezone.now() + timedelta(hours=30)), volunteer=volunteer
    )
    soon = ShiftAssignment.objects.create(
        shift=ShiftFactory(starts_at=timezone.now() + timedelta(hours=20)), volunteer=volunteer
    )
    client.force_login(volunteer.user)
    client.post(reverse("volunteers:assignment_cancel", args=[later.pk]))
    response = client.post(reverse("volunteers:assignment_cancel", args=[soon.pk]), follow=True)
    later.refresh_from_db()
    soon.refresh_from_db()
    assert later.status == ShiftAssignment.Status.CANCELLED and later.cancelled_at
    assert soon.status == ShiftAssignment.Status.BOOKED
    assert "24 hours" in response.content.decode()
    assignment_cancel(assignment=soon, by_coordinator=True)
    soon.refresh_from_db()
    assert soon.status == ShiftAssignment.Status.CANCELLED, "coordinators may cancel later"
    # The freed place can be taken again.
    shift_sign_up(shift=later.shift, volunteer=volunteer)


@pytest.mark.django_db
def test_coordinator_assigns_and_marks_attendance(client, coordinator):
    volunteer = dispatcher_volunteer()
    shift = future_shift()
    client.force_login(coordinator)
    client.post(reverse("volunteers:shift_assign", args=[shift.pk]), {"volunteer": volunteer.pk})
    assignment = ShiftAssignment.objects.get(shift=shift, volunteer=volunteer)
    assert assignment.assigned_by == coordinator
    response = client.post(
        reverse("volunteers:assignment_update", args=[assignment.pk]), {"action": "attended"}, follow=True
    )
    assert "once the shift has started" in response.content.decode()
    now = timezone.now()
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=1)
    )
    client.post(reverse("volunteers:assignment_update", args=[assignment.pk]), {"action": "no_show"})
    assignment.refresh_from_db()
    assert assignment.status == ShiftAssignment.Status.NO_SHOW
    assignment_mark(assignment=assignment, status=ShiftAssignment.Status.ATTENDED)
    assignment.refresh_from_db()
    assert assignment.attended
    detail = client.get(shift.get_absolute_url())
    assert detail.status_code == 200 and volunteer.full_name in detail.content.decode()
    list_page = client.get(reverse("volunteers:volunteer_list"))
    row = next(v for v in list_page.context["page"].object_list if v.pk == volunteer.pk)
    assert row.hours_served == timedelta(hours=4)
    volunteer_page = client.get(reverse("volunteers:my_shifts"))
    assert volunteer_page.status_code == 200  # coordinators without a profile get the explanation


@pytest.mark.django_db
def test_hours_are_shown_to_the_volunteer(client):
    volunteer = dispatcher_volunteer()
    start = timezone.now() - timedelta(days=2)
    ShiftAssignment.objects.create(
        shift=ShiftFactory(starts_at=start, ends_at=start + timedelta(hours=6)),
        volunteer=volunteer,
        status=ShiftAssignment.Status.ATTENDED,
    )
    client.force_login(volunteer.user)
    response = client.get(reverse("volunteers:my_shifts"))
    assert response.context["hours"] == 6.0
    assert "6.0" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_volunteers_racing_for_the_last_place_exactly_one_gets_it(monkeypatch):
    from volunteers.services import shifts

    check = shifts.is_qualified

    def slow_check(*args, **kwargs):
        # Widen the window between reading the shift and booking, so that without the row
        # lock both racers would count the same free place.
        result = check(*args, **kwargs)
        clock.sleep(0.3)
        return result

    monkeypatch.setattr(shifts, "is_qualified", slow_check)
    shift = future_shift(capacity=2)
    ShiftAssignment.objects.create(shift=shift, volunteer=dispatcher_volunteer())
    racers = [dispatcher_volunteer(), dispatcher_volunteer()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(volunteer):
        try:
            barrier.wait()
            shift_sign_up(shift=shift, volunteer=volunteer)
            outcomes.append("booked")
        except ShiftFull:
            outcomes.append("full")
        except Exception as exc:  # recorded so the assertion shows it
            outcomes.append(repr(exc))
        finally:
            close_old_connections()
            connection.close()

    for _round in range(3):
        threads = [threading.Thread(target=race, args=(v,)) for v in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["booked", "full"]
        assert ShiftAssignment.objects.filter(shift=shift, status="booked").count() == 2
        ShiftAssignment.objects.filter(shift=shift, volunteer__in=racers).delete()
        outcomes.clear()


@pytest.mark.django_db
def test_signing_up_inside_the_cancellation_cutoff_asks_to_confirm_first(client, settings):
    settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS = 12
    volunteer = dispatcher_volunteer()
    soon = future_shift(role=ShiftRole.DISPATCHER, starts_at=timezone.now() + timedelta(hours=5))
    later = future_shift(role=ShiftRole.DISPATCHER, starts_at=timezone.now() + timedelta(days=3))
    client.force_login(volunteer.user)
    listing = client.get(reverse("volunteers:open_shifts")).content.decode()
    assert listing.count("once signed up, you cannot cancel it yourself") == 1

    # The first post only warns: nothing is booked yet.
    warning = client.post(reverse("volunteers:shift_sign_up", args=[soon.pk]))
    assert warning.status_code == 200
    page = warning.content.decode()
    assert "less than 12 hours" in page and "cannot cancel it yourself" in page
    assert 'name="confirm" value="1"' in page
    assert not ShiftAssignment.objects.filter(volunteer=volunteer).exists()

    # Confirming signs up.
    confirmed = client.post(reverse("volunteers:shift_sign_up", args=[soon.pk]), {"confirm": "1"})
    assert confirmed.status_code == 302
    assert ShiftAssignment.objects.filter(shift=soon, volunteer=volunteer, status="booked").exists()

    # A shift outside the cut-off needs no confirmation.
    assert client.post(reverse("volunteers:shift_sign_up", args=[later.pk])).status_code == 302
    assert ShiftAssignment.objects.filter(shift=later, volunteer=volunteer).exists()
