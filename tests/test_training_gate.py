"""Issue 18, "training gates the console", in the default production configuration: after
`migrate` and `setup_production` only, a volunteer a coordinator approves as dispatcher who has
not done the required training reaches no dispatcher page (console, queue, intakes, history, the
console's JSON fragments, ...): each sends them to "My onboarding", which lists what to complete,
and no page they can open shows a caller's number.

The URL conf is walked as in test_access_matrix, so a new dispatcher page is covered by itself.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.test_access_matrix import (  # noqa: F401 - `_quiet_boundaries` and `_no_twilio_media` are fixtures
    ANONYMOUS,
    COORDINATOR,
    DISPATCHER,
    RESPONDER,
    VOLUNTEER,
    Objects,
    _no_twilio_media,
    _quiet_boundaries,
    build_url,
    rule_for,
    url_names,
)

pytestmark = pytest.mark.django_db

CALLER = "+12025550177"


@pytest.fixture
def production(monkeypatch, settings):
    """A fresh deployment: migrations, then the operator's first-run command, nothing else."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("SETUP_ADMIN_PASSWORD", "a long and unusual passphrase 42")
    call_command(
        "setup_production",
        "--no-input",
        "--admin-username=ops",
        "--admin-email=ops@example.org",
        "--coordinator-username=cora",
        "--coordinator-email=cora@example.org",
        stdout=StringIO(),
    )


@pytest.fixture
def approved_dispatcher(production):
    """An applicant approved as dispatcher through the coordinators' review: no training yet."""
    from django.contrib.auth import get_user_model

    from volunteers.services import volunteer_approve
    from volunteers.tests.factories import VolunteerFactory

    applicant = VolunteerFactory(status="applicant", user=None, roles_of_interest=["dispatcher"])
    coordinator = get_user_model().objects.get(username="cora")
    return volunteer_approve(volunteer=applicant, by=coordinator, roles=["dispatcher"])


def _users(dispatcher_user):
    from volunteers.tests.factories import UserFactory, VolunteerFactory

    return {
        ANONYMOUS: None,
        VOLUNTEER: VolunteerFactory(user__username="g-vol", user__roles=("Volunteer",)).user,
        RESPONDER: VolunteerFactory(user__username="g-resp", user__roles=("Volunteer", "Responder")).user,
        DISPATCHER: dispatcher_user,
        COORDINATOR: UserFactory(username="g-coord", roles=("Coordinator",), is_staff=True),
    }


def _dispatcher_only_urls():
    """URL names a dispatcher may open and a plain volunteer may not (the role's own pages)."""
    for name in url_names():
        rule = rule_for(name)
        if rule is None or rule.webhook or rule.api_get or rule.admin:
            continue
        if DISPATCHER in rule.allowed and VOLUNTEER not in rule.allowed:
            yield name, rule


def _caller_digits(response) -> bool:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode(errors="replace")
    return any(form in text for form in (CALLER, "2025550177", "(202) 555-0177", "202-555-0177"))


def test_production_setup_puts_the_training_gate_in_place(production):
    from volunteers.models import OnboardingStep, ShiftRole
    from volunteers.selectors import required_modules

    for role in (ShiftRole.DISPATCHER, ShiftRole.RESPONDER):
        assert OnboardingStep.objects.filter(role=role, kind=OnboardingStep.Kind.REQUIRED_MODULES).exists()
        assert required_modules(role).exists(), role
    assert set(required_modules(ShiftRole.DISPATCHER).values_list("slug", flat=True)) == {
        "screening-protocol-console",
        "privacy-mandated-reporting",
    }


def test_an_untrained_dispatcher_sees_what_to_complete_and_no_caller_number(client, approved_dispatcher):
    from hotline.tests.factories import IntakeFactory

    IntakeFactory(caller=CALLER)
    user = approved_dispatcher.user
    client.force_login(user)
    onboarding = reverse("volunteers:my_onboarding")

    # The home page points to the console, which sends them to what to complete.
    home = client.get(reverse("home"), follow=True)
    assert home.redirect_chain[-1][0] == onboarding
    page = home.content.decode()
    assert 'data-checklist="dispatcher"' in page
    assert 'data-step="required_modules"' in page and "data-ready" not in page
    assert not _caller_digits(home)

    objects = Objects(_users(user))
    objects.__dict__["intake"] = IntakeFactory(caller=CALLER)
    walked = []
    for name, rule in _dispatcher_only_urls():
        url = build_url(name, objects)
        response = client.post(url, rule.post_data) if rule.post_only else client.get(url)
        walked.append(name)
        assert response.status_code == 302 and response["Location"] == onboarding, (
            name,
            response.status_code,
            response.get("Location"),
        )
        assert not _caller_digits(response), name
    for must in ("dispatch:console", "dispatch:queue", "dispatch:history", "hotline:intake_detail"):
        assert must in walked
    assert any(name.startswith("dispatch:incident_live") for name in walked)

    # The pages they may open (their own as a volunteer) never show a caller's number either.
    for name in url_names():
        rule = rule_for(name)
        if rule is None or rule.webhook or rule.api_get or rule.admin or rule.post_only:
            continue
        if VOLUNTEER in rule.allowed and DISPATCHER in rule.allowed:
            response = client.get(build_url(name, objects))
            assert not _caller_digits(response), name


def test_once_trained_the_dispatcher_reaches_the_console(client, approved_dispatcher):
    """Training done and the recorded steps (background check, orientation, shadow shifts) done:
    the console opens. Until the shadow shifts are signed it still does not."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from volunteers.models import OnboardingRecord, OnboardingStep, ShiftRole, TrainingCompletion
    from volunteers.selectors import required_modules

    volunteer = approved_dispatcher
    for module in required_modules(ShiftRole.DISPATCHER):
        TrainingCompletion.objects.create(
            volunteer=volunteer, module=module, completed_on=timezone.localdate() - timedelta(days=1)
        )
    client.force_login(volunteer.user)
    assert client.get(reverse("dispatch:console"))["Location"] == reverse("volunteers:my_onboarding")

    coordinator = get_user_model().objects.get(username="cora")
    from volunteers.tests.factories import VolunteerFactory

    peer = VolunteerFactory()
    for step in OnboardingStep.objects.filter(role=ShiftRole.DISPATCHER, required_before_access=True):
        if not step.recorded:
            continue
        for _n in range(step.required_count):
            OnboardingRecord.objects.create(
                volunteer=volunteer,
                step=step,
                recorded_by=coordinator,
                vouched_by=peer if step.kind == OnboardingStep.Kind.SHADOW_SHIFTS else None,
            )
    assert client.get(reverse("dispatch:console")).status_code == 200


def test_required_modules_gate_the_console_even_without_a_checklist(client):
    """No onboarding steps at all, but a module the dispatcher role requires: the untrained
    dispatcher sees what to complete; a factory dispatcher with no requirement configured still
    reaches the console (nothing changes where nothing is required)."""
    from datetime import timedelta

    from django.utils import timezone

    from volunteers.models import OnboardingStep, TrainingCompletion, TrainingModule
    from volunteers.tests.factories import VolunteerFactory

    assert not OnboardingStep.objects.exists()
    volunteer = VolunteerFactory(user__roles=("Volunteer", "Dispatcher"))
    client.force_login(volunteer.user)
    assert client.get(reverse("dispatch:console")).status_code == 200

    module = TrainingModule.objects.create(title="Console", slug="gate-console", roles=["dispatcher"])
    response = client.get(reverse("dispatch:console"))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:my_onboarding")
    page = client.get(reverse("volunteers:my_onboarding")).content.decode()
    assert 'data-step="required_modules"' in page and "data-ready" not in page

    TrainingCompletion.objects.create(
        volunteer=volunteer, module=module, completed_on=timezone.localdate() - timedelta(days=1)
    )
    assert client.get(reverse("dispatch:console")).status_code == 200


def test_an_account_put_in_the_dispatcher_group_without_a_profile_is_held_back_too(client, production):
    """A coordinator may add an account to the Dispatcher group in the admin: with no volunteer
    profile there is no training on record, so the console stays closed; the onboarding page
    (open to every volunteer role) says to ask a coordinator, without a redirect loop."""
    from volunteers.tests.factories import UserFactory, VolunteerFactory

    bare = UserFactory(username="bare-dispatcher", roles=("Dispatcher",))
    client.force_login(bare)
    onboarding = reverse("volunteers:my_onboarding")
    for name in ("dispatch:console", "dispatch:queue", "dispatch:history"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == onboarding, name
    page = client.get(onboarding)
    assert page.status_code == 200 and "Ask a coordinator" in page.content.decode()

    # In the Dispatcher group only (not Volunteer), with a profile: the checklist opens.
    only = VolunteerFactory(user__username="only-dispatcher", user__roles=("Dispatcher",))
    client.force_login(only.user)
    assert client.get(reverse("dispatch:console"))["Location"] == onboarding
    page = client.get(onboarding)
    assert page.status_code == 200 and 'data-checklist="dispatcher"' in page.content.decode()
    assert client.get(reverse("volunteers:my_training")).status_code == 200
