"""Every metric of the pilot dashboard on constructed data, with exact expected numbers."""

from datetime import date, time, timedelta

import pytest

from assessment.pilot.selectors import (
    ALL_ROLES,
    CANCELLED,
    NO_OUTCOME,
    NOT_TRIAGED,
    UNDECIDED,
    Metrics,
    Period,
    shift_coverage,
    training,
)
from assessment.pilot.tests.factories import (
    local,
    make_call,
    make_contact,
    make_incident,
    make_referral,
    make_triage,
    utc,
)
from dispatch.models import Decision, Incident, IncidentEvent
from hotline.models import Call, Intake, OperatingHours
from outreach.tests.factories import PartnerFactory
from volunteers.models import ShiftAssignment, ShiftRole, TrainingModule, Volunteer
from volunteers.tests.factories import (
    AreaFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    TrainingCompletionFactory,
    TrainingModuleFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

JUNE = Period(date(2026, 6, 1), date(2026, 6, 30))
NOW = utc(2026, 9, 1, 12)  # after the period, unless a test says otherwise


def metrics(period: Period = JUNE, pilot=None, now=NOW) -> Metrics:
    return Metrics(period=period, pilot=pilot, now=now)


# --------------------------------------------------------------------------------------------
# Periods, time zones, midnight


def test_period_runs_from_local_midnight_to_local_midnight():
    assert JUNE.start == utc(2026, 6, 1, 7)  # midnight in Los Angeles (PDT, UTC-7)
    assert JUNE.end == utc(2026, 7, 1, 7)
    assert JUNE.days == 30


def test_days_when_the_clocks_change_have_23_and_25_hours():
    spring = Period(date(2026, 3, 8), date(2026, 3, 8))
    autumn = Period(date(2026, 11, 1), date(2026, 11, 1))
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)


def test_contacts_belong_to_the_local_day_they_opened():
    make_contact(at=local(date(2026, 5, 31), 23, 59, 59))  # the evening before: not in June
    make_contact(at=local(date(2026, 6, 1), 0, 0, 0))  # first instant of the period
    make_contact(at=local(date(2026, 6, 30), 23, 59, 59))  # last second of the period
    make_contact(at=local(date(2026, 7, 1), 0, 0, 0))  # next month
    # 03:00 UTC on June 1 is still May 31 in Los Angeles.
    make_contact(at=utc(2026, 6, 1, 3))
    assert metrics().contacts == 2


def test_an_empty_period_has_zeros_and_no_shares():
    make_contact(at=local(date(2026, 5, 15), 12))  # outside
    m = metrics()
    assert m.contacts == 0
    assert m.channels == dict.fromkeys(Intake.Channel.values, 0)
    assert m.sources == dict.fromkeys(Intake.Source.values, 0)
    assert m.answering.calls == 0
    assert m.answering.within_share(15) is None
    assert m.answering.time_to_answer.median is None
    assert m.callbacks.voicemails == 0 and m.callbacks.called_back_share is None
    assert all(value == 0 for value in m.decisions.values())
    assert m.call_types == []
    assert m.chain.incidents == 0 and m.chain.steps["on_scene"].count == 0
    assert sum(m.outcomes.values()) == 0
    assert m.referrals == []
    assert m.without_police.triaged == 0 and m.without_police.rate is None
    assert m.repeat_callers.numbers == 0 and m.repeat_callers.contacts_share is None
    assert sum(map(sum, m.heatmap)) == 0
    assert m.areas == []
    assert m.volunteers.hours == 0 and m.volunteers.served == 0


def test_heatmap_uses_local_weekday_and_hour_across_dst():
    sunday = date(2026, 3, 8)  # clocks spring forward at 02:00 in Los Angeles
    make_contact(at=utc(2026, 3, 8, 9, 30))  # 01:30 PST
    make_contact(at=utc(2026, 3, 8, 10, 30))  # 03:30 PDT: one UTC hour later, two local hours later
    make_contact(at=utc(2026, 3, 9, 6, 59))  # 23:59 PDT on Sunday
    grid = metrics(Period(sunday, sunday)).heatmap
    assert grid[6][1] == 1 and grid[6][3] == 1 and grid[6][23] == 1
    assert grid[6][2] == 0  # an hour that did not exist that day
    assert sum(map(sum, grid)) == 3


def test_heatmap_and_period_follow_the_configured_time_zone(settings):
    make_contact(at=utc(2026, 6, 1, 3))  # Mon 12:00 in Seoul; Sun May 31 20:00 in Los Angeles
    june_first = Period(date(2026, 6, 1), date(2026, 6, 1))
    assert metrics(june_first).contacts == 0
    settings.TIME_ZONE = "Asia/Seoul"
    seoul = metrics(june_first)
    assert seoul.contacts == 1
    assert seoul.heatmap[0][12] == 1  # Monday, noon


def test_contacts_by_channel_and_source():
    day = date(2026, 6, 9)
    make_contact(at=local(day, 9))
    make_contact(at=local(day, 10), source=Intake.Source.TRANSFER_911)
    make_contact(at=local(day, 11), source=Intake.Source.TRANSFER_911)
    make_contact(at=local(day, 12), channel=Intake.Channel.SMS, call=None)
    make_contact(at=local(day, 13), channel=Intake.Channel.IN_PERSON, call=None, caller="")
    make_contact(at=local(day, 14), channel=Intake.Channel.SMS, call=None, source=Intake.Source.PARTNER)
    m = metrics()
    assert m.channels == {"voice": 3, "sms": 2, "field": 1}
    assert m.sources == {
        "hotline_call": 1,
        "text": 1,
        "transfer_911": 2,
        "police_311_request": 0,
        "partner": 1,
        "field_initiated": 1,
    }


def test_heatmap_in_a_zone_with_a_half_hour_offset(settings):
    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+05:30
    make_contact(at=utc(2026, 6, 1, 0, 45))  # Monday 06:15
    make_contact(at=utc(2026, 6, 1, 1, 15))  # Monday 06:45
    make_contact(at=utc(2026, 6, 1, 1, 35))  # Monday 07:05: same UTC hour, next local hour
    make_contact(at=utc(2026, 6, 1, 18, 40))  # Tuesday 00:10
    grid = metrics(Period(date(2026, 6, 1), date(2026, 6, 2))).heatmap
    assert (grid[0][6], grid[0][7], grid[1][0]) == (2, 1, 1)
    assert sum(map(sum, grid)) == 4


# --------------------------------------------------------------------------------------------
# Calls and answering


def test_answering_shares_percentiles_and_outcomes():
    day = date(2026, 6, 10)
    for index, seconds in enumerate([5, 10, 15, 16, 20, 21]):
        make_call(started_at=local(day, 10, index), answered_after=seconds)
    make_call(started_at=local(day, 11), outcome=Call.Outcome.VOICEMAIL)
    make_call(started_at=local(day, 12), outcome=Call.Outcome.MISSED)
    make_call(started_at=local(day, 13), outcome=Call.Outcome.ABANDONED)
    make_call(started_at=local(day, 14), answered_after=9, outcome=Call.Outcome.FALLBACK)
    # Callbacks (outbound) are not calls to the hotline.
    make_call(started_at=local(day, 15), answered_after=3, direction=Call.Direction.OUTBOUND)
    a = metrics().answering
    assert a.calls == 10
    assert a.within == {15: 3, 20: 5}  # 5, 10, 15 | 16, 20; the fallback's 9 s is not a volunteer
    assert a.within_share(15) == pytest.approx(0.3)
    assert a.within_share(20) == pytest.approx(0.5)
    assert a.time_to_answer.count == 6
    assert a.time_to_answer.median == pytest.approx(15.5)
    assert a.time_to_answer.p90 == pytest.approx(20.5)
    assert a.outcomes == {
        "": 0,
        "answered": 6,
        "fallback": 1,
        "voicemail": 1,
        "missed": 1,
        "abandoned": 1,
    }
    assert a.outcome_share(Call.Outcome.ABANDONED) == pytest.approx(0.1)


def test_calls_crossing_midnight_count_on_the_day_they_started():
    last_day = date(2026, 6, 30)
    # Rings at 23:59:50 on the last day, answered 14 s later, on July 1st.
    make_call(started_at=local(last_day, 23, 59, 50), answered_after=14)
    # Started the evening before the period, answered after midnight, inside it.
    make_call(started_at=local(date(2026, 5, 31), 23, 59, 55), answered_after=30)
    a = metrics().answering
    assert a.calls == 1
    assert a.within[15] == 1
    assert a.time_to_answer.median == pytest.approx(14)


def test_voicemails_and_how_fast_they_were_called_back():
    day = date(2026, 6, 10)
    left = []
    for hour in (9, 10, 11):
        call = make_call(started_at=local(day, hour), outcome=Call.Outcome.VOICEMAIL, ended_after=60)
        left.append(make_contact(at=call.started_at, call=call))
    ended = [intake.call.ended_at for intake in left]
    make_call(started_at=ended[0] + timedelta(minutes=30), direction="outbound", callback_intake=left[0])
    make_call(started_at=ended[0] + timedelta(minutes=50), direction="outbound", callback_intake=left[0])
    make_call(started_at=ended[1] + timedelta(hours=2), direction="outbound", callback_intake=left[1])
    # A callback placed before the voicemail (to an earlier contact of theirs) does not count.
    make_call(
        started_at=left[2].call.started_at - timedelta(hours=3), direction="outbound", callback_intake=left[2]
    )
    c = metrics().callbacks
    assert (c.voicemails, c.called_back, c.within_hour) == (3, 2, 1)
    assert c.called_back_share == pytest.approx(2 / 3)
    assert c.time_to_callback.median == pytest.approx((1800 + 7200) / 2)
    assert c.time_to_callback.p90 == pytest.approx(1800 + 0.9 * 5400)


# --------------------------------------------------------------------------------------------
# Triage, police, call types, outcomes


@pytest.fixture
def triaged_june(staff_user):
    """Seven contacts: every triage path once, two incidents."""
    day = date(2026, 6, 12)
    contacts = [make_contact(at=local(day, 9 + index)) for index in range(6)]
    contacts.append(make_contact(at=local(day, 16), channel=Intake.Channel.SMS, call=None))
    a, b, c, d, e, f, g = contacts
    make_triage(a, decision=Decision.PHONE_SUPPORT, call_type="welfare-check", by=staff_user)
    police = make_triage(b, decision=Decision.SEND_RESPONDERS, call_type="welfare-check", by=staff_user)
    make_incident(police, by=staff_user, outcome=Incident.Outcome.POLICE_REQUESTED)
    make_triage(c, decision=Decision.ESCALATE, call_type="mental-health", by=staff_user)
    make_triage(d, decision=Decision.REFER, by=staff_user)
    make_triage(e, decision="", by=staff_user)  # claimed, not decided
    # f: nobody opened it
    resolved = make_triage(g, decision=Decision.SEND_RESPONDERS, call_type="welfare-check", by=staff_user)
    make_incident(resolved, by=staff_user, outcome=Incident.Outcome.RESOLVED)
    return contacts


def test_triage_decisions(triaged_june):
    m = metrics()
    assert m.contacts == 7
    assert m.channels == {"voice": 6, "sms": 1, "field": 0}
    assert m.decisions == {
        Decision.PHONE_SUPPORT: 1,
        Decision.SEND_RESPONDERS: 2,
        Decision.REFER: 1,
        Decision.ESCALATE: 1,
        Decision.NO_ACTION: 0,
        UNDECIDED: 1,
        NOT_TRIAGED: 1,
    }


def test_share_handled_without_police(triaged_june):
    police = metrics().without_police
    assert police.triaged == 5  # a decision taken: a, b, c, d, g
    assert police.escalated_911 == 1  # c
    assert police.police_requested == 1  # b's incident
    assert police.without_police == 3
    assert police.rate == pytest.approx(0.6)


def test_call_types_of_triaged_contacts(triaged_june):
    rows = [(row.label, row.count) for row in metrics().call_types]
    assert rows == [("Welfare check", 3), ("Mental or behavioural health crisis", 1), ("", 1)]


def test_outcomes(triaged_june, staff_user):
    day = date(2026, 6, 20)
    cancelled = make_triage(make_contact(at=local(day, 8)), decision=Decision.SEND_RESPONDERS, by=staff_user)
    make_incident(cancelled, by=staff_user, status=Incident.Status.CANCELLED)
    still_open = make_triage(make_contact(at=local(day, 9)), decision=Decision.SEND_RESPONDERS, by=staff_user)
    make_incident(still_open, by=staff_user, status=Incident.Status.ON_SCENE)
    outcomes = metrics().outcomes
    assert outcomes[Incident.Outcome.POLICE_REQUESTED] == 1
    assert outcomes[Incident.Outcome.RESOLVED] == 1
    assert outcomes[CANCELLED] == 1
    assert outcomes[NO_OUTCOME] == 1
    assert sum(outcomes.values()) == 4


def test_response_time_chain(staff_user):
    day = date(2026, 6, 15)
    first = make_contact(at=local(day, 10))  # its call started at the same instant
    triage = make_triage(
        first, decision=Decision.SEND_RESPONDERS, decided_at=local(day, 10, 4), by=staff_user
    )
    incident = make_incident(
        triage, by=staff_user, events={"accepted": 60, "en_route": 120, "on_scene": 900, "cleared": 3600}
    )
    # A second acknowledgement later does not move the first.
    IncidentEvent.objects.create(
        incident=incident,
        kind=IncidentEvent.Kind.ACCEPTED,
        created_at=incident.opened_at + timedelta(seconds=400),
    )
    text = make_contact(at=local(day, 20), channel=Intake.Channel.SMS, call=None)
    triage = make_triage(
        text, decision=Decision.SEND_RESPONDERS, decided_at=local(day, 20, 10), by=staff_user
    )
    make_incident(triage, by=staff_user, events={"accepted": 180, "en_route": 240, "on_scene": 1500})
    chain = metrics().chain
    assert chain.incidents == 2
    assert chain.steps["decision"].median == pytest.approx((240 + 600) / 2)
    assert chain.steps["acknowledged"].median == pytest.approx((60 + 180) / 2)
    assert chain.steps["acknowledged"].p90 == pytest.approx(60 + 0.9 * 120)
    assert chain.steps["en_route"].median == pytest.approx(180)
    assert chain.steps["on_scene"].p90 == pytest.approx(900 + 0.9 * 600)
    assert chain.steps["cleared"].count == 1  # the second team never cleared
    assert chain.steps["cleared"].median == pytest.approx(3600)


def test_response_chain_of_a_call_crossing_midnight(staff_user):
    # The call starts at 23:58 on June 30, the decision comes at 00:03 on July 1st.
    contact = make_contact(at=local(date(2026, 6, 30), 23, 58))
    triage = make_triage(
        contact, decision=Decision.SEND_RESPONDERS, decided_at=local(date(2026, 7, 1), 0, 3), by=staff_user
    )
    make_incident(triage, by=staff_user, events={"on_scene": 1200})
    chain = metrics().chain
    assert chain.incidents == 1
    assert chain.steps["decision"].median == pytest.approx(300)
    assert chain.steps["on_scene"].median == pytest.approx(1200)


def test_referrals_by_partner(staff_user):
    shelter = PartnerFactory(name="Harbor Shelter")
    clinic = PartnerFactory(name="Eastside Clinic")
    day = date(2026, 6, 3)
    for hour in (9, 10):
        triage = make_triage(make_contact(at=local(day, hour)), decision=Decision.REFER, by=staff_user)
        make_referral(partner=shelter, triage=triage)
    triage = make_triage(make_contact(at=local(day, 11)), decision=Decision.SEND_RESPONDERS, by=staff_user)
    incident = make_incident(triage, by=staff_user, outcome=Incident.Outcome.REFERRED)
    make_referral(partner=shelter, incident=incident)
    make_referral(partner=clinic, incident=incident)
    # A referral for a contact of May is not June's.
    may = make_triage(make_contact(at=local(date(2026, 5, 30), 9)), decision=Decision.REFER, by=staff_user)
    make_referral(partner=clinic, triage=may)
    rows = [(row.partner, row.from_triage, row.from_incident, row.total) for row in metrics().referrals]
    assert rows == [("Harbor Shelter", 2, 1, 3), ("Eastside Clinic", 0, 1, 1)]


# --------------------------------------------------------------------------------------------
# Repeat callers, areas


def test_repeat_callers_are_numbers_with_three_contacts_within_30_days():
    period = Period(date(2026, 6, 1), date(2026, 8, 31))
    start = date(2026, 6, 1)

    def contacts_of(number: str, days: list[int]) -> None:
        for offset in days:
            make_contact(
                at=local(start + timedelta(days=offset), 12), caller=number, channel="sms", call=None
            )

    contacts_of("+12025550111", [0, 9, 24, 60])  # three within 25 days: a repeat caller
    contacts_of("+12025550122", [0, 20, 40])  # never three within 30 days
    contacts_of("+12025550133", [0, 15, 30])  # exactly 30 days from first to third: counts
    contacts_of("+12025550144", [0, 1])
    contacts_of("", [0, 1, 2])  # withheld numbers are nobody in particular
    repeat = metrics(period).repeat_callers
    assert repeat.numbers == 2
    assert repeat.contacts == 7  # all four of the first number's, three of the third's
    assert repeat.total_contacts == 15
    assert repeat.contacts_share == pytest.approx(7 / 15)


def test_repeat_callers_only_count_contacts_inside_the_period():
    for day in (date(2026, 5, 25), date(2026, 5, 30), date(2026, 6, 2)):
        make_contact(at=local(day, 12), caller="+12025550155", channel="sms", call=None)
    assert metrics().repeat_callers.numbers == 0


def test_contacts_by_area_list_every_service_area(staff_user):
    north, south, east = AreaFactory(name="North"), AreaFactory(name="South"), AreaFactory(name="East")
    day = date(2026, 6, 5)
    make_contact(at=local(day, 9), area=north)
    # The dispatcher's area wins over the hotline's.
    make_triage(make_contact(at=local(day, 10), area=north), area=east, by=staff_user)
    make_contact(at=local(day, 11), area=east)
    make_contact(at=local(day, 12))  # no area known
    from assessment.pilot.services import pilot_settings_save

    pilot = pilot_settings_save(
        name="Summer",
        starts_on=JUNE.first_day,
        ends_on=JUNE.last_day,
        service_areas=[north, south],
        min_dispatchers=1,
        min_responders=0,
    )
    rows = [(row.label, row.contacts, row.in_service_area) for row in metrics(pilot=pilot).areas]
    assert rows == [("North", 1, True), ("South", 0, True), ("East", 2, False), ("", 1, False)]


# --------------------------------------------------------------------------------------------
# Volunteers, coverage, training


def test_volunteers_by_role_and_hours_served(make_user):
    dispatcher = VolunteerFactory(user=make_user("Volunteer", "Dispatcher", username="d1"))
    responder = VolunteerFactory(user=make_user("Volunteer", "Responder", username="r1"))
    both = VolunteerFactory(user=make_user("Volunteer", "Dispatcher", "Responder", username="b1"))
    VolunteerFactory(status=Volunteer.Status.INACTIVE, user=make_user("Dispatcher", username="gone"))
    day = date(2026, 6, 6)
    overnight = ShiftFactory(
        role=ShiftRole.DISPATCHER, starts_at=local(day, 22), ends_at=local(day + timedelta(days=1), 6)
    )
    ShiftAssignmentFactory(shift=overnight, volunteer=dispatcher, status=ShiftAssignment.Status.ATTENDED)
    ShiftAssignmentFactory(shift=overnight, volunteer=both, status=ShiftAssignment.Status.NO_SHOW)
    evening = ShiftFactory(role=ShiftRole.RESPONDER, starts_at=local(day, 16), ends_at=local(day, 20))
    ShiftAssignmentFactory(shift=evening, volunteer=responder, status=ShiftAssignment.Status.ATTENDED)
    ShiftAssignmentFactory(shift=evening, volunteer=both, status=ShiftAssignment.Status.ATTENDED)
    # The night the clocks fall back: 00:00 to 04:00 local is five real hours.
    autumn = ShiftFactory(
        role=ShiftRole.DISPATCHER, starts_at=local(date(2026, 11, 1), 0), ends_at=local(date(2026, 11, 1), 4)
    )
    ShiftAssignmentFactory(shift=autumn, volunteer=dispatcher, status=ShiftAssignment.Status.ATTENDED)
    june = metrics().volunteers
    assert june.active == 3
    assert june.served == 3
    assert june.hours == pytest.approx(8 + 4 + 4)
    dispatchers, responders = june.roles
    assert (dispatchers.role, dispatchers.on_roster, dispatchers.served) == ("dispatcher", 2, 1)
    assert (dispatchers.shifts_attended, dispatchers.no_shows, dispatchers.hours) == (1, 1, pytest.approx(8))
    assert (responders.on_roster, responders.served, responders.hours) == (2, 2, pytest.approx(8))
    november = metrics(Period(date(2026, 11, 1), date(2026, 11, 1)), now=utc(2026, 12, 1)).volunteers
    assert november.hours == pytest.approx(5)


def test_shift_coverage_over_hours_crossing_midnight():
    # Open Mondays 18:00 to 02:00 (Tuesday). The period is one week with one Monday.
    OperatingHours.objects.create(weekday=0, opens=time(18), closes=time(2))
    monday = date(2026, 6, 8)
    period = Period(monday, monday + timedelta(days=6))
    dispatch = ShiftFactory(
        role=ShiftRole.DISPATCHER, starts_at=local(monday, 18), ends_at=local(monday + timedelta(days=1), 0)
    )
    ShiftAssignmentFactory(shift=dispatch, status=ShiftAssignment.Status.BOOKED)
    ShiftAssignmentFactory(shift=dispatch, status=ShiftAssignment.Status.CANCELLED)
    responders = ShiftFactory(
        role=ShiftRole.RESPONDER, starts_at=local(monday, 20), ends_at=local(monday + timedelta(days=1), 2)
    )
    ShiftAssignmentFactory(shift=responders, status=ShiftAssignment.Status.ATTENDED)
    ShiftAssignmentFactory(shift=responders, status=ShiftAssignment.Status.NO_SHOW)
    coverage = shift_coverage(period, targets={"dispatcher": 1, "responder": 1}, now=NOW)
    assert coverage.open_hours == pytest.approx(8)
    assert coverage.met_hours["dispatcher"] == pytest.approx(6)  # 18:00-24:00
    assert coverage.met_hours["responder"] == pytest.approx(6)  # 20:00-02:00
    assert coverage.met_hours[ALL_ROLES] == pytest.approx(4)  # 20:00-24:00
    assert coverage.rate(ALL_ROLES) == pytest.approx(0.5)
    # Two responders wanted: the one booked place never meets it.
    strict = shift_coverage(period, targets={"dispatcher": 1, "responder": 2}, now=NOW)
    assert strict.rate("responder") == 0
    # Halfway through Monday evening, only the hours so far count.
    so_far = shift_coverage(period, targets={"dispatcher": 1, "responder": 0}, now=local(monday, 20))
    assert so_far.open_hours == pytest.approx(2) and so_far.rate("dispatcher") == pytest.approx(1)
    assert "responder" not in so_far.targets


def test_shift_coverage_without_hours_means_around_the_clock():
    day = date(2026, 3, 8)  # 23 hours long
    shift = ShiftFactory(role=ShiftRole.DISPATCHER, starts_at=local(day, 0), ends_at=local(day, 12))
    ShiftAssignmentFactory(shift=shift)
    coverage = shift_coverage(Period(day, day), targets={"dispatcher": 1}, now=NOW)
    assert coverage.open_hours == pytest.approx(23)
    assert coverage.met_hours["dispatcher"] == pytest.approx(11)  # 00:00-12:00 lost an hour


def test_shift_coverage_of_a_future_period_is_empty():
    coverage = shift_coverage(JUNE, targets={"dispatcher": 1}, now=utc(2026, 5, 1))
    assert coverage.open_hours == 0 and coverage.rate("dispatcher") is None


def test_training_completion_and_expiries():
    # Only this test's modules count (the seeded curriculum's are retired here).
    TrainingModule.objects.update(is_active=False)
    module = TrainingModuleFactory(title="De-escalation", validity_days=365)
    TrainingModuleFactory(title="Retired", is_active=False)
    TrainingModuleFactory(title="Naloxone")  # nobody trained yet
    fresh, lapsed, renewed, soon = (VolunteerFactory() for _ in range(4))
    gone = VolunteerFactory(status=Volunteer.Status.INACTIVE)

    def completion(volunteer, completed_on, expires_on):
        TrainingCompletionFactory(
            volunteer=volunteer, module=module, completed_on=completed_on, expires_on=expires_on
        )

    completion(fresh, date(2026, 6, 10), date(2027, 6, 10))  # in the period
    completion(lapsed, date(2025, 6, 15), date(2026, 6, 15))  # expired mid-June
    completion(renewed, date(2025, 6, 20), date(2026, 6, 20))  # expired, but...
    completion(renewed, date(2026, 6, 18), date(2027, 6, 18))  # ... renewed before
    completion(soon, date(2025, 7, 20), date(2026, 7, 20))  # expires 20 days after June 30
    completion(gone, date(2026, 6, 5), date(2027, 6, 5))  # inactive: completed, not current
    result = training(JUNE, today=date(2026, 9, 1))
    assert result.reference_day == date(2026, 6, 30)
    assert result.active_volunteers == 4
    rows = {row.title: row for row in result.modules}
    assert set(rows) == {"De-escalation", "Naloxone"}
    row = rows["De-escalation"]
    assert (row.completed, row.current, row.expired, row.expiring_soon) == (3, 3, 1, 1)
    assert result.current_share(row) == pytest.approx(0.75)
    assert rows["Naloxone"].current == 0
    # Seen on June 12 (the period still running): the mid-June expiry has not happened yet.
    early = training(JUNE, today=date(2026, 6, 12))
    row = {row.title: row for row in early.modules}["De-escalation"]
    assert (row.current, row.expired) == (4, 0)


def test_referral_loop_per_partner_and_service(staff_user):
    from dispatch.models import Referral
    from outreach.models import ServiceType

    shelter = PartnerFactory(name="Harbor Shelter")
    beds = ServiceType.objects.create(slug="beds-loop", name="Beds (loop)")
    day = date(2026, 6, 3)
    made = []
    for hour in (9, 10, 11, 12):
        triage = make_triage(make_contact(at=local(day, hour)), decision=Decision.REFER, by=staff_user)
        made.append(make_referral(partner=shelter, triage=triage))
    Referral.objects.filter(pk__in=[r.pk for r in made]).update(service_type=beds, created_at=local(day, 9))
    # Two connected after 1 and 3 days, one accepted, one declined.
    for referral, days in ((made[0], 1), (made[1], 3)):
        Referral.objects.filter(pk=referral.pk).update(
            status="connected", accepted_at=local(day, 10), connected_at=local(day + timedelta(days=days), 9)
        )
    Referral.objects.filter(pk=made[2].pk).update(status="accepted", accepted_at=local(day, 10))
    Referral.objects.filter(pk=made[3].pk).update(status="declined", ended_at=local(day, 10))
    [row] = metrics().referral_loop
    assert (row.partner, row.service, row.made, row.accepted, row.connected, row.not_connected) == (
        "Harbor Shelter",
        "Beds (loop)",
        4,
        3,
        2,
        1,
    )
    assert row.median_days_to_connection == pytest.approx(2)
    assert metrics().referral_median_days == pytest.approx(2)
