"""Onboarding: recorded steps, signed shadow shifts, and the default checklists and required modules."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from volunteers.models import OnboardingRecord, OnboardingStep, ShiftRole, TrainingModule, Volunteer
from volunteers.selectors import experienced_in

from ._common import VolunteerError


def onboarding_record_add(
    *, volunteer: Volunteer, step: OnboardingStep, by, note: str = ""
) -> OnboardingRecord:
    """A coordinator records a step done (background check, orientation, first solo shift...).
    Training steps are not recorded: they follow the volunteer's completions."""
    if not step.recorded:
        raise VolunteerError(_("Training steps are done by completing the training, not recorded here."))
    if step.kind == OnboardingStep.Kind.SHADOW_SHIFTS:
        raise VolunteerError(_("Shadow shifts are signed by an experienced volunteer."))
    if not step.is_active:
        raise VolunteerError(_("This step is no longer in use."))
    with transaction.atomic():
        return OnboardingRecord.objects.create(
            volunteer=volunteer, step=step, recorded_by=by, note=note[:300]
        )


def shadow_shift_sign(
    *, trainee: Volunteer, step: OnboardingStep, signer: Volunteer, note: str = ""
) -> OnboardingRecord:
    """An experienced volunteer (holding the role, with its onboarding done) signs a shadow
    shift the trainee did with them."""
    if step.kind != OnboardingStep.Kind.SHADOW_SHIFTS or not step.is_active:
        raise VolunteerError(_("Choose a shadow-shift step."))
    if trainee.pk == signer.pk:
        raise VolunteerError(_("You cannot sign your own shadow shift."))
    if step.role not in experienced_in(signer):
        raise VolunteerError(_("Only an experienced volunteer in this role can sign a shadow shift."))
    with transaction.atomic():
        return OnboardingRecord.objects.create(
            volunteer=trainee, step=step, vouched_by=signer, recorded_by=signer.user, note=note[:300]
        )


def onboarding_steps_seed() -> int:
    """The default checklists of dispatchers and responders (steps only added when a role has
    none yet, so coordinators' edits stay). Returns the number of steps created."""
    Kind = OnboardingStep.Kind
    default = [
        (Kind.BACKGROUND_CHECK, 1, True),
        (Kind.ORIENTATION, 1, True),
        (Kind.REQUIRED_MODULES, 1, True),
        (Kind.SHADOW_SHIFTS, 2, True),
        (Kind.FIRST_SOLO_SHIFT, 1, False),
    ]
    created = 0
    with transaction.atomic():
        for role in ShiftRole.values:
            if OnboardingStep.objects.filter(role=role).exists():
                continue
            for position, (kind, count, before) in enumerate(default, start=1):
                OnboardingStep.objects.create(
                    role=role,
                    kind=kind,
                    required_count=count,
                    required_before_access=before,
                    position=position,
                )
                created += 1
    return created


# The curriculum's modules (data migration 0006) each role requires in a new deployment: the
# console shows callers' numbers, so nobody reaches it untrained in the default configuration.
DEFAULT_ROLE_MODULES = {
    ShiftRole.DISPATCHER: ("screening-protocol-console", "privacy-mandated-reporting"),
    ShiftRole.RESPONDER: ("de-escalation", "privacy-mandated-reporting"),
}


def training_requirements_seed() -> int:
    """List the default curriculum modules as required for each role that requires none yet (so
    coordinators' choices stay). Returns the number of (module, role) requirements added."""
    from volunteers.selectors import required_modules

    added = 0
    with transaction.atomic():
        for role, slugs in DEFAULT_ROLE_MODULES.items():
            if required_modules(role).exists():
                continue
            for module in TrainingModule.objects.select_for_update().filter(slug__in=slugs, is_active=True):
                module.roles = sorted({*module.roles, role})
                module.save(update_fields=["roles"])
                added += 1
    return added
