"""A responder or dispatcher on a shift whose onboarding checklist is not done (a shadow shift) is
not rung by the hotline, not a call-out candidate, and not offered as trained to hand-pick."""

from io import StringIO

import pytest
from django.core.management import call_command

from volunteers.models import OnboardingRecord, OnboardingStep, ShiftRole
from volunteers.tests.factories import VolunteerFactory, put_on_shift

pytestmark = pytest.mark.django_db


def _record(volunteer, step, *, times=1):
    voucher = VolunteerFactory(roles_of_interest=[])
    for _n in range(times):
        OnboardingRecord.objects.create(volunteer=volunteer, step=step, vouched_by=voucher)


def test_the_hotline_rings_and_dispatch_texts_only_onboarded_volunteers(dispatcher):
    from dispatch.selectors import hand_pick_candidates, responder_candidates
    from dispatch.tests.factories import send_responders
    from hotline.selectors import dispatchers_on_shift

    call_command("seed_onboarding_steps", stdout=StringIO())
    shadowing = VolunteerFactory(first_name="Shadow", user__roles=("Volunteer", "Responder"))
    put_on_shift(shadowing, ShiftRole.RESPONDER)
    trainee_dispatcher = VolunteerFactory(first_name="Trainee", user__roles=("Volunteer", "Dispatcher"))
    put_on_shift(trainee_dispatcher, ShiftRole.DISPATCHER)
    assert shadowing not in responder_candidates(call_type=None)
    assert trainee_dispatcher not in dispatchers_on_shift()

    ready = VolunteerFactory(first_name="Ready", user__roles=("Volunteer", "Responder"))
    put_on_shift(ready, ShiftRole.RESPONDER)
    for step in OnboardingStep.objects.filter(role=ShiftRole.RESPONDER, required_before_access=True):
        if step.recorded:
            _record(ready, step, times=step.required_count)
    assert responder_candidates(call_type=None) == [ready]
    incident = send_responders(user=dispatcher, responders=[ready]).incident
    picks = {v.pk: v for v in hand_pick_candidates(incident)}
    assert picks[ready.pk].trained and picks[ready.pk].on_shift
    assert not picks[shadowing.pk].trained and not picks[shadowing.pk].on_shift
