"""A role is granted when its onboarding steps are done: a volunteer on a shift (a shadow shift)
whose checklist is not done is neither rung by the hotline (dispatchers) nor texted or offered
by dispatch (responders). `onboarded_for_role_q` (SQL, inside `on_shift_now`'s one query) says
the same as `role_ready` (Python, the pages' gate)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from volunteers.models import (
    CommunityAgreementVersion,
    OnboardingRecord,
    OnboardingStep,
    ShiftRole,
    Volunteer,
)
from volunteers.selectors import on_shift_now, onboarded_for_role_q, role_ready
from volunteers.services import community_agreements_accept
from volunteers.tests.factories import TrainingModuleFactory, VolunteerFactory, put_on_shift

pytestmark = pytest.mark.django_db


def _record(volunteer, step, *, times=1, vouched=True):
    voucher = VolunteerFactory(roles_of_interest=[]) if vouched else None
    for _n in range(times):
        OnboardingRecord.objects.create(volunteer=volunteer, step=step, vouched_by=voucher)


def _agree(volunteer, role):
    """The SQL and the Python say the same."""
    in_sql = Volunteer.objects.filter(onboarded_for_role_q(role, at=timezone.now()), pk=volunteer.pk).exists()
    assert in_sql == role_ready(volunteer, role), (in_sql, role_ready(volunteer, role))
    return in_sql


@pytest.mark.parametrize("role", [ShiftRole.RESPONDER, ShiftRole.DISPATCHER])
def test_on_shift_means_onboarded_once_a_checklist_is_configured(role):
    volunteer = VolunteerFactory(roles_of_interest=[role])
    put_on_shift(volunteer, role)
    # No checklist configured: nothing changes (the factories' volunteers stay on shift).
    assert volunteer in on_shift_now(role)
    assert _agree(volunteer, role)

    call_command("seed_onboarding_steps", stdout=StringIO())
    steps = {s.kind: s for s in OnboardingStep.objects.filter(role=role)}
    assert volunteer not in on_shift_now(role)
    assert not _agree(volunteer, role)

    _record(volunteer, steps[OnboardingStep.Kind.BACKGROUND_CHECK], vouched=False)
    _record(volunteer, steps[OnboardingStep.Kind.ORIENTATION], vouched=False)
    # Shadow shifts count only when signed by an experienced volunteer, and both are needed.
    _record(volunteer, steps[OnboardingStep.Kind.SHADOW_SHIFTS], times=2, vouched=False)
    _record(volunteer, steps[OnboardingStep.Kind.SHADOW_SHIFTS], times=1)
    assert not _agree(volunteer, role)
    assert volunteer not in on_shift_now(role)
    _record(volunteer, steps[OnboardingStep.Kind.SHADOW_SHIFTS], times=1)
    # The first solo shift is done in the role itself: not needed first.
    assert _agree(volunteer, role)
    assert volunteer in on_shift_now(role)

    # A module step: needed until completed.
    module = TrainingModuleFactory(title="Radio use")
    step = OnboardingStep.objects.create(
        role=role, kind=OnboardingStep.Kind.MODULE, module=module, position=9
    )
    assert not _agree(volunteer, role)
    from volunteers.models import TrainingCompletion

    TrainingCompletion.objects.create(
        volunteer=volunteer, module=module, completed_on=timezone.localdate() - timedelta(days=1)
    )
    assert _agree(volunteer, role)
    step.is_active = False
    step.save(update_fields=["is_active"])

    # A new version of the community agreements asks again.
    CommunityAgreementVersion.objects.create(version=7, text_en="Be kind.")
    assert not _agree(volunteer, role)
    assert volunteer not in on_shift_now(role)
    community_agreements_accept(volunteer=volunteer)
    assert _agree(volunteer, role)
    assert volunteer in on_shift_now(role)
