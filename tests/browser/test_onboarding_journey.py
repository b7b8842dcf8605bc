"""A new dispatcher's way to the console, in headless Chromium against a live server, in Korean:
the console sends them to their onboarding checklist; they take a module's quiz in Korean,
fail, then pass; a trainer signs off their role-play; a coordinator records the background
check and orientation; an experienced dispatcher signs two shadow shifts; only then does the
console open."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from .journey import JOURNEY, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

ONBOARDING = "/volunteers/me/onboarding/"


@pytest.fixture
def programme(db):
    from volunteers.models import OnboardingRecord, OnboardingStep, ShiftRole
    from volunteers.tests.factories import (
        TrainingCompletionFactory,
        TrainingModuleFactory,
        UserFactory,
        VolunteerFactory,
        make_quiz,
    )

    reseed("volunteers")
    call_command("seed_onboarding_steps", stdout=StringIO())
    module = TrainingModuleFactory(
        title="De-escalation", roles=[ShiftRole.DISPATCHER], requires_sign_off=True
    )
    quiz = make_quiz(module, pass_mark=100, max_attempts=3)
    trainee = VolunteerFactory(
        user__username="minji",
        user__roles=("Volunteer", "Dispatcher"),
        first_name="Minji",
        preferred_language="ko",
    )
    mentor = VolunteerFactory(
        user__username="mentor", user__roles=("Volunteer", "Dispatcher"), first_name="Dana"
    )
    TrainingCompletionFactory(volunteer=mentor, module=module)
    voucher = VolunteerFactory(roles_of_interest=[])
    for step in OnboardingStep.objects.filter(role=ShiftRole.DISPATCHER):
        if step.recorded:
            for _n in range(step.required_count):
                OnboardingRecord.objects.create(
                    volunteer=mentor,
                    step=step,
                    vouched_by=voucher if step.kind == OnboardingStep.Kind.SHADOW_SHIFTS else None,
                )
    UserFactory(username="coordinator", roles=("Coordinator",), is_staff=True)
    return {"module": module, "quiz": quiz, "trainee": trainee}


def answer(page, quiz, *, right: int) -> None:
    for index, question in enumerate(quiz.questions.order_by("position")):
        choice = question.choices.get(is_correct=index < right)
        page.check(f"input[name=q{question.pk}][value='{choice.pk}']")
    page.click("form[data-quiz] button[type=submit]")


def test_a_dispatcher_reaches_the_console_only_after_quiz_sign_off_and_checklist(
    browser, live_server, programme
):
    from volunteers.models import QuizAttempt, TrainingCompletion

    base = live_server.url
    module, quiz, trainee = programme["module"], programme["quiz"], programme["trainee"]
    minji = new_page(browser, locale="ko-KR")
    coordinator = new_page(browser)
    mentor = new_page(browser)
    with screenshot_on_failure("onboarding-journey", minji, coordinator, mentor):
        log_in(minji, base, "minji", next_path=ONBOARDING)
        minji.goto(f"{base}/dispatch/")
        minji.wait_for_url(f"**{ONBOARDING}")
        assert minji.locator("[data-checklist=dispatcher] [data-ready]").count() == 0

        # The quiz in Korean: a first try below the pass mark, then a pass.
        minji.goto(f"{base}/volunteers/me/training/modules/{module.pk}/")
        minji.click("a[lang=ko]")
        minji.wait_for_selector("form[data-quiz]")
        assert minji.get_by_text("질문 1?").is_visible()
        assert minji.get_by_text("Question 1?").count() == 0
        answer(minji, quiz, right=1)
        minji.wait_for_url(f"**/modules/{module.pk}/")
        assert QuizAttempt.objects.get().passed is False
        minji.click("a[lang=ko]")
        minji.wait_for_selector("form[data-quiz]")
        answer(minji, quiz, right=2)
        minji.wait_for_url(f"**/modules/{module.pk}/")
        assert minji.locator("[data-requirement=quiz] .text-bg-success").count() == 1
        assert not TrainingCompletion.objects.filter(volunteer=trainee, module=module).exists()

        # The trainer's sign-off and the coordinator's records.
        log_in(coordinator, base, "coordinator", next_path=f"/volunteers/{trainee.pk}/")
        sign_off = coordinator.locator("form[action$='/training/sign-off/']")
        sign_off.locator("select[name=module]").select_option(str(module.pk))
        sign_off.locator("textarea[name=observed]").fill(
            "Role-play: a distressed caller; stayed calm and safe."
        )
        sign_off.locator("button[type=submit]").click()
        coordinator.wait_for_load_state()
        assert TrainingCompletion.objects.filter(volunteer=trainee, module=module).exists()
        for label in ("Dispatcher: Background check", "Dispatcher: Orientation"):
            record = coordinator.locator("form[action$='/onboarding/']")
            record.locator("select[name=step]").select_option(label=label)
            record.locator("button[type=submit]").click()
            coordinator.wait_for_load_state()

        minji.goto(f"{base}/dispatch/")
        minji.wait_for_url(f"**{ONBOARDING}")

        # Two shadow shifts, signed by an experienced dispatcher.
        log_in(mentor, base, "mentor", next_path=ONBOARDING)
        for _shift in range(2):
            form = mentor.locator("form[action$='/me/onboarding/shadow/']")
            form.locator("select[name=trainee]").select_option(str(trainee.pk))
            form.locator("select[name=step]").select_option(label="Dispatcher: Shadow shifts")
            form.locator("button[type=submit]").click()
            mentor.wait_for_load_state()

        minji.goto(f"{base}{ONBOARDING}")
        assert minji.locator("[data-checklist=dispatcher] [data-ready]").count() == 1
        minji.goto(f"{base}/dispatch/")
        assert minji.url == f"{base}/dispatch/"
