from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from volunteers.models import ShiftAssignment, ShiftRole, TrainingCompletion, Volunteer
from volunteers.selectors import (
    is_qualified,
    on_shift_now,
    qualified_for_call_type,
    volunteer_by_phone,
    volunteer_hours,
    volunteer_search,
)
from volunteers.tests.factories import (
    AreaFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    TrainingCompletionFactory,
    TrainingModuleFactory,
    VolunteerFactory,
    put_on_shift,
)

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


def local(*args, fold=0):
    return datetime(*args, tzinfo=LA, fold=fold)


def test_on_shift_now_returns_volunteer_on_a_covering_shift():
    module = TrainingModuleFactory(roles=[ShiftRole.DISPATCHER])
    on = VolunteerFactory()
    put_on_shift(on, ShiftRole.DISPATCHER)
    off = VolunteerFactory()
    put_on_shift(off, ShiftRole.DISPATCHER, starts_at=timezone.now() + timedelta(hours=2))
    other_role = VolunteerFactory()
    put_on_shift(other_role, ShiftRole.RESPONDER)
    assert on.completions.filter(module=module).exists(), "put_on_shift qualifies the volunteer"
    assert on_shift_now(ShiftRole.DISPATCHER) == [on]
    assert on_shift_now(ShiftRole.RESPONDER) == [other_role]


def test_on_shift_now_at_the_edges_of_a_shift():
    volunteer = VolunteerFactory()
    start = local(2026, 5, 4, 18, 0)
    end = local(2026, 5, 5, 2, 0)  # crosses midnight
    put_on_shift(volunteer, ShiftRole.DISPATCHER, starts_at=start, ends_at=end)
    assert on_shift_now(ShiftRole.DISPATCHER, at=start - timedelta(microseconds=1)) == []
    assert on_shift_now(ShiftRole.DISPATCHER, at=start) == [volunteer]
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 5, 5, 0, 30)) == [volunteer]
    assert on_shift_now(ShiftRole.DISPATCHER, at=end - timedelta(microseconds=1)) == [volunteer]
    assert on_shift_now(ShiftRole.DISPATCHER, at=end) == [], "the end is exclusive"


def test_on_shift_now_across_spring_forward():
    # 2026-03-08 02:00 PST becomes 03:00 PDT: a 01:00-04:00 shift lasts two real hours.
    volunteer = VolunteerFactory()
    start, end = local(2026, 3, 8, 1, 0), local(2026, 3, 8, 4, 0)
    assignment = put_on_shift(volunteer, ShiftRole.RESPONDER, starts_at=start, ends_at=end)
    assert assignment.shift.duration == timedelta(hours=2)
    assert on_shift_now(ShiftRole.RESPONDER, at=local(2026, 3, 8, 1, 59)) == [volunteer]
    assert on_shift_now(ShiftRole.RESPONDER, at=local(2026, 3, 8, 3, 0)) == [volunteer]
    assert on_shift_now(ShiftRole.RESPONDER, at=datetime(2026, 3, 8, 10, 59, tzinfo=ZoneInfo("UTC"))) == [
        volunteer
    ]
    assert on_shift_now(ShiftRole.RESPONDER, at=local(2026, 3, 8, 4, 0)) == []


def test_on_shift_now_across_fall_back():
    # 2026-11-01 01:00-02:00 happens twice; a shift ending at the first 01:30 is over by the second.
    volunteer = VolunteerFactory()
    start, end = local(2026, 10, 31, 22, 0), local(2026, 11, 1, 1, 30, fold=0)
    put_on_shift(volunteer, ShiftRole.DISPATCHER, starts_at=start, ends_at=end)
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 11, 1, 1, 15, fold=0)) == [volunteer]
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 11, 1, 1, 15, fold=1)) == []
    night = VolunteerFactory()
    put_on_shift(
        night, ShiftRole.DISPATCHER, starts_at=local(2026, 11, 1, 0, 0), ends_at=local(2026, 11, 1, 3, 0)
    )
    # 00:00 PDT to 03:00 PST is four real hours.
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 11, 1, 1, 45, fold=1)) == [night]


def test_on_shift_now_requires_qualification_and_expired_training_stops_it():
    module = TrainingModuleFactory(roles=[ShiftRole.DISPATCHER], validity_days=365)
    volunteer = VolunteerFactory()
    shift = ShiftFactory(
        role=ShiftRole.DISPATCHER, starts_at=local(2026, 6, 30, 20), ends_at=local(2026, 7, 1, 4)
    )
    ShiftAssignmentFactory(shift=shift, volunteer=volunteer)
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 6, 30, 21)) == [], "untrained"
    TrainingCompletion.objects.create(
        volunteer=volunteer, module=module, completed_on=date(2025, 7, 1), expires_on=date(2026, 7, 1)
    )
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 6, 30, 23, 59)) == [volunteer]
    assert is_qualified(volunteer, ShiftRole.DISPATCHER, at=local(2026, 6, 30, 23, 59))
    # The training expires at local midnight starting 2026-07-01, in the middle of the shift.
    assert on_shift_now(ShiftRole.DISPATCHER, at=local(2026, 7, 1, 0, 0)) == []
    assert not is_qualified(volunteer, ShiftRole.DISPATCHER, at=local(2026, 7, 1, 0, 0))
    assert is_qualified(volunteer, ShiftRole.RESPONDER, at=local(2026, 7, 1)), (
        "responders need no module here"
    )


def test_on_shift_now_excludes_inactive_cancelled_and_no_show():
    for status, assignment_status in [
        (Volunteer.Status.INACTIVE, ShiftAssignment.Status.BOOKED),
        (Volunteer.Status.ACTIVE, ShiftAssignment.Status.CANCELLED),
        (Volunteer.Status.ACTIVE, ShiftAssignment.Status.NO_SHOW),
    ]:
        volunteer = VolunteerFactory(status=status)
        assignment = put_on_shift(volunteer, ShiftRole.DISPATCHER)
        assignment.status = assignment_status
        assignment.save(update_fields=["status"])
    assert on_shift_now(ShiftRole.DISPATCHER) == []


def test_on_shift_now_prefers_language_then_area_and_annotates(django_assert_num_queries):
    TrainingModuleFactory(roles=[ShiftRole.RESPONDER])
    area = AreaFactory()
    plain = VolunteerFactory(last_name="Adams", languages=["en"])
    local_only = VolunteerFactory(last_name="Baker", languages=["en"], areas=[area])
    korean = VolunteerFactory(last_name="Choi", languages=["ko", "en"])
    korean_local = VolunteerFactory(last_name="Diaz", languages=["ko"])
    for volunteer in (plain, local_only, korean):
        put_on_shift(volunteer, ShiftRole.RESPONDER)
    put_on_shift(korean_local, ShiftRole.RESPONDER, area=area)  # covers the area through its shift
    with django_assert_num_queries(1):
        result = on_shift_now(ShiftRole.RESPONDER, language="ko", area=area)
        flags = [(v.last_name, v.speaks_language, v.covers_area) for v in result]
    assert flags == [
        ("Diaz", True, True),
        ("Choi", True, False),
        ("Baker", False, True),
        ("Adams", False, False),
    ]
    assert [v.last_name for v in on_shift_now(ShiftRole.RESPONDER, area=area.pk)][:2] == ["Baker", "Diaz"]
    unsorted = on_shift_now(ShiftRole.RESPONDER)
    assert [v.last_name for v in unsorted] == ["Adams", "Baker", "Choi", "Diaz"]
    assert not any(v.speaks_language or v.covers_area for v in unsorted)


def test_on_shift_now_filters_by_call_type_training():
    module = TrainingModuleFactory(qualifies_for_call_types=["mental-health"])
    trained, untrained = VolunteerFactory(), VolunteerFactory()
    put_on_shift(trained, ShiftRole.RESPONDER)
    put_on_shift(untrained, ShiftRole.RESPONDER)
    TrainingCompletionFactory(volunteer=trained, module=module)
    assert on_shift_now(ShiftRole.RESPONDER, call_type="mental-health") == [trained]
    assert len(on_shift_now(ShiftRole.RESPONDER, call_type="welfare-check")) == 2, "no module needed"
    assert qualified_for_call_type(trained, "mental-health")
    assert not qualified_for_call_type(untrained, "mental-health")


def test_on_shift_now_rejects_naive_datetime_and_unknown_role():
    with pytest.raises(ValueError):
        on_shift_now(ShiftRole.DISPATCHER, at=datetime(2026, 1, 1, 12))  # noqa: DTZ001
    with pytest.raises(ValueError):
        on_shift_now("Dispatcher")


def test_volunteer_by_phone_any_status_and_format():
    volunteer = VolunteerFactory(phone="+12025550123", status=Volunteer.Status.INACTIVE)
    assert volunteer_by_phone("+12025550123") == volunteer
    assert volunteer_by_phone("(202) 555-0123") == volunteer
    assert volunteer_by_phone("+12025550199") is None
    assert volunteer_by_phone("not a number") is None
    assert volunteer_by_phone("") is None


def test_volunteer_hours_count_attended_shifts_only():
    volunteer = VolunteerFactory()
    start = timezone.now() - timedelta(days=3)
    ShiftAssignmentFactory(
        volunteer=volunteer,
        shift=ShiftFactory(starts_at=start, ends_at=start + timedelta(hours=8)),
        status=ShiftAssignment.Status.ATTENDED,
    )
    ShiftAssignmentFactory(
        volunteer=volunteer,
        shift=ShiftFactory(starts_at=start, ends_at=start + timedelta(hours=2, minutes=30)),
        status=ShiftAssignment.Status.ATTENDED,
    )
    ShiftAssignmentFactory(volunteer=volunteer, status=ShiftAssignment.Status.NO_SHOW)
    ShiftAssignmentFactory(volunteer=volunteer, status=ShiftAssignment.Status.BOOKED)
    assert volunteer_hours(volunteer) == 10.5
    row = volunteer_search().get(pk=volunteer.pk)
    assert row.hours_served == timedelta(hours=10, minutes=30)
    assert volunteer_search().get(pk=VolunteerFactory().pk).hours_served == timedelta(0)


def test_volunteer_search_filters():
    area = AreaFactory()
    ko = VolunteerFactory(first_name="Minji", last_name="Kim", languages=["ko"], areas=[area])
    es = VolunteerFactory(
        first_name="Lucia",
        last_name="Garcia",
        languages=["es"],
        status=Volunteer.Status.APPLICANT,
        user=None,
        roles_of_interest=[ShiftRole.RESPONDER],
    )
    assert list(volunteer_search(language="ko")) == [ko]
    assert list(volunteer_search(area=area.pk)) == [ko]
    assert list(volunteer_search(status="applicant")) == [es]
    assert list(volunteer_search(query="garc")) == [es]
    assert list(volunteer_search(role=ShiftRole.RESPONDER)) == [es]
    put_on_shift(ko, ShiftRole.RESPONDER)  # joins the Responder group
    assert set(volunteer_search(role=ShiftRole.RESPONDER)) == {ko, es}
    assert list(volunteer_search(query=str(ko.phone)[-7:])) == [ko]
