"""Onboarding checklists per role, the role opening only when its steps are done, shadow shifts
signed by experienced volunteers, and the versioned community agreements."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from volunteers.models import CommunityAgreementVersion, OnboardingRecord, OnboardingStep, ShiftRole
from volunteers.selectors import agreements_accepted, onboarding_status, role_ready
from volunteers.services import (
    VolunteerError,
    community_agreements_accept,
    community_agreements_publish,
    onboarding_record_add,
    shadow_shift_sign,
)
from volunteers.tests.factories import TrainingCompletionFactory, TrainingModuleFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

Kind = OnboardingStep.Kind


@pytest.fixture
def steps():
    call_command("seed_onboarding_steps", stdout=StringIO())
    return {step.kind: step for step in OnboardingStep.objects.filter(role=ShiftRole.DISPATCHER)}


def make_ready(volunteer, role, *, by=None):
    """Every recorded step of `role` done for `volunteer` (shadow shifts vouched by a stranger)."""
    voucher = VolunteerFactory(roles_of_interest=[])
    for step in OnboardingStep.objects.filter(role=role):
        if step.recorded:
            for _n in range(step.required_count):
                OnboardingRecord.objects.create(
                    volunteer=volunteer,
                    step=step,
                    recorded_by=by,
                    vouched_by=voucher if step.kind == Kind.SHADOW_SHIFTS else None,
                )


def test_seed_command_makes_both_checklists_once_and_keeps_edits():
    out = StringIO()
    call_command("seed_onboarding_steps", stdout=out)
    assert "10 onboarding steps created" in out.getvalue()
    kinds = list(OnboardingStep.objects.filter(role="dispatcher").values_list("kind", "required_count"))
    assert kinds == [
        ("background_check", 1),
        ("orientation", 1),
        ("required_modules", 1),
        ("shadow_shifts", 2),
        ("first_solo_shift", 1),
    ]
    assert not OnboardingStep.objects.get(role="dispatcher", kind="first_solo_shift").required_before_access
    OnboardingStep.objects.filter(role="dispatcher", kind="orientation").delete()
    call_command("seed_onboarding_steps", stdout=StringIO())
    assert not OnboardingStep.objects.filter(role="dispatcher", kind="orientation").exists()


def test_dispatcher_reaches_the_console_only_when_the_checklist_is_done(client, coordinator, steps):
    trainee = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"))
    module = TrainingModuleFactory(roles=[ShiftRole.DISPATCHER])
    client.force_login(trainee.user)

    for name in ("dispatch:console", "dispatch:queue", "hotline:call_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("volunteers:my_onboarding")
    page = client.get(reverse("volunteers:my_onboarding")).content.decode()
    assert "Background check" in page and "Shadow shifts" in page and "In progress" in page

    # The coordinator records what they saw; training follows the completion.
    client.force_login(coordinator)
    for kind in (Kind.BACKGROUND_CHECK, Kind.ORIENTATION):
        response = client.post(
            reverse("volunteers:onboarding_record_add", args=[trainee.pk]), {"step": steps[kind].pk}
        )
        assert response.status_code == 302
    TrainingCompletionFactory(volunteer=trainee, module=module)

    # Two shadow shifts, signed by an experienced dispatcher.
    mentor = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"))
    TrainingCompletionFactory(volunteer=mentor, module=module)
    make_ready(mentor, ShiftRole.DISPATCHER)
    client.force_login(mentor.user)
    for _shift in range(2):
        response = client.post(
            reverse("volunteers:shadow_shift_sign"),
            {"trainee": trainee.pk, "step": steps[Kind.SHADOW_SHIFTS].pk, "note": "Evening shift"},
        )
        assert response.status_code == 302
    assert OnboardingRecord.objects.filter(volunteer=trainee, vouched_by=mentor).count() == 2

    client.force_login(trainee.user)
    assert client.get(reverse("dispatch:console")).status_code == 200
    statuses = {s.step.kind: s.done for s in onboarding_status(trainee, ShiftRole.DISPATCHER)}
    assert statuses == {
        "background_check": True,
        "orientation": True,
        "required_modules": True,
        "shadow_shifts": True,
        "first_solo_shift": False,  # done in the role itself: not needed first
    }


def test_new_agreements_version_closes_the_role_until_accepted(client, coordinator, steps):
    dispatcher = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"))
    make_ready(dispatcher, ShiftRole.DISPATCHER)
    client.force_login(dispatcher.user)
    assert client.get(reverse("dispatch:console")).status_code == 200

    client.force_login(coordinator)
    response = client.post(
        reverse("volunteers:community_agreements_publish"), {"text_en": "We treat callers with respect."}
    )
    assert response.status_code == 302
    assert CommunityAgreementVersion.objects.get().version == 1

    client.force_login(dispatcher.user)
    dispatcher.user._onboarding_ready = None
    assert client.get(reverse("dispatch:console")).status_code == 302
    shifts = client.get(reverse("volunteers:my_shifts")).content.decode()
    assert "data-agreements-prompt" in shifts
    page = client.get(reverse("volunteers:community_agreements")).content.decode()
    assert "We treat callers with respect." in page
    client.post(reverse("volunteers:community_agreements_accept"))
    assert client.get(reverse("dispatch:console")).status_code == 200
    assert "data-agreements-prompt" not in client.get(reverse("volunteers:my_shifts")).content.decode()


def test_agreements_are_versioned_and_sign_up_counts_for_the_version_then_current(coordinator):
    first = community_agreements_publish(text_en="v1", text_ko="일", by=coordinator)
    joined = VolunteerFactory(agreements_accepted_at=first.published_at + timedelta(seconds=1))
    earlier = VolunteerFactory(agreements_accepted_at=first.published_at - timedelta(days=3))
    assert agreements_accepted(joined)
    assert not agreements_accepted(earlier)
    community_agreements_accept(volunteer=earlier)
    community_agreements_accept(volunteer=earlier)  # idempotent
    assert agreements_accepted(earlier)
    second = community_agreements_publish(text_en="v2", by=coordinator)
    CommunityAgreementVersion.objects.filter(pk=second.pk).update(
        published_at=first.published_at + timedelta(hours=1)
    )
    second.refresh_from_db()
    assert second.version == 2
    assert second.text("ko") == "v2", "an untranslated version shows the English text"
    assert not agreements_accepted(joined) and not agreements_accepted(earlier)
    with pytest.raises(VolunteerError):
        community_agreements_publish(text_en="  ", by=coordinator)


def test_the_sign_up_links_to_the_agreements_page(client):
    page = client.get(reverse("volunteers:signup")).content.decode()
    assert reverse("volunteers:community_agreements") in page
    page = client.get(reverse("volunteers:community_agreements")).content.decode()
    assert "have not been published yet" in page


def test_only_experienced_volunteers_sign_shadow_shifts_and_never_their_own(steps):
    trainee = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"))
    novice = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"))
    responder = VolunteerFactory(user__roles=("Volunteer", "Responder"))
    shadow = steps[Kind.SHADOW_SHIFTS]
    for signer in (novice, responder):
        with pytest.raises(VolunteerError, match="experienced"):
            shadow_shift_sign(trainee=trainee, step=shadow, signer=signer)
    make_ready(novice, ShiftRole.DISPATCHER)
    with pytest.raises(VolunteerError, match="own"):
        shadow_shift_sign(trainee=novice, step=shadow, signer=novice)
    shadow_shift_sign(trainee=trainee, step=shadow, signer=novice)
    assert OnboardingRecord.objects.filter(volunteer=trainee, step=shadow).count() == 1


def test_coordinators_record_only_steps_that_are_not_training_or_shadow_shifts(coordinator, steps):
    volunteer = VolunteerFactory()
    for kind in (Kind.REQUIRED_MODULES, Kind.SHADOW_SHIFTS):
        with pytest.raises(VolunteerError):
            onboarding_record_add(volunteer=volunteer, step=steps[kind], by=coordinator)
    assert not OnboardingRecord.objects.exists()


def test_review_page_shows_each_volunteers_progress_and_whether_the_role_is_open(client, coordinator, steps):
    ready = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"), first_name="Ready")
    make_ready(ready, ShiftRole.DISPATCHER)
    module_free = role_ready(ready, ShiftRole.DISPATCHER)  # no module requires dispatchers here
    assert module_free
    VolunteerFactory(first_name="Starting")
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:onboarding_review"), {"role": "dispatcher"})
    rows = {row["volunteer"].first_name: row["ready"] for row in response.context["rows"]}
    assert rows == {"Ready": True, "Starting": False}


def test_roles_without_steps_and_coordinators_are_never_held_back(client, coordinator, dispatcher):
    client.force_login(dispatcher)
    assert client.get(reverse("dispatch:console")).status_code == 200
    call_command("seed_onboarding_steps", stdout=StringIO())
    client.force_login(coordinator)
    assert client.get(reverse("dispatch:console")).status_code == 200
