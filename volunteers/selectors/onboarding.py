"""Onboarding: each role's checklist, a volunteer's progress and readiness, and the gate on the role's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from volunteers.models import (
    CommunityAgreementAcceptance,
    CommunityAgreementVersion,
    OnboardingRecord,
    OnboardingStep,
    ShiftRole,
    TrainingModule,
    Volunteer,
)

from ._common import json_list_contains
from .agreements import agreements_accepted
from .curriculum import has_valid_completion
from .training import _valid_completion, is_qualified, required_modules
from .volunteer import volunteer_for_user

# The groups whose pages wait for the role's onboarding (a role is granted when its steps are done).
ONBOARDED_ROLES = {"Dispatcher": ShiftRole.DISPATCHER, "Responder": ShiftRole.RESPONDER}


def onboarded_for_role_q(role: str, *, at: datetime) -> Q:
    """Q on Volunteer: the steps of `role`'s onboarding checklist needed before access are done
    (as `role_ready` says, training aside: that is `qualified_for_role_q`), and the current
    community agreements accepted when the role has a checklist. A role is granted when its steps
    are done: until then the hotline does not ring them nor dispatch text them, even on a shift
    (a shadow shift). Subqueries only, so `on_shift_now` stays one query."""
    day = timezone.localdate(at)
    Kind = OnboardingStep.Kind
    before_access = OnboardingStep.objects.filter(role=role, is_active=True, required_before_access=True)
    records = (
        OnboardingRecord.objects.filter(step=OuterRef("pk"), volunteer=OuterRef(OuterRef("pk")))
        .filter(Q(vouched_by__isnull=False) | ~Q(step__kind=Kind.SHADOW_SHIFTS))
        .order_by()
        .values("step")
        .annotate(done=Count("pk"))
        .values("done")
    )
    recorded_missing = (
        before_access.exclude(kind__in=[Kind.REQUIRED_MODULES, Kind.MODULE])
        .annotate(done=Coalesce(Subquery(records), 0))
        .filter(done__lt=F("required_count"))
    )
    module_missing = before_access.filter(kind=Kind.MODULE).filter(
        ~Exists(
            _valid_completion(module_ref=OuterRef("module"), volunteer_ref=OuterRef(OuterRef("pk")), day=day)
        )
    )
    latest = CommunityAgreementVersion.objects.order_by("-version")
    accepted = Q(agreements_accepted_at__gte=Subquery(latest.values("published_at")[:1])) | Exists(
        CommunityAgreementAcceptance.objects.filter(
            volunteer=OuterRef("pk"), version=Subquery(latest.values("pk")[:1])
        )
    )
    has_checklist = Exists(OnboardingStep.objects.filter(role=role, is_active=True))
    return ~Exists(recorded_missing) & ~Exists(module_missing) & (~has_checklist | ~Exists(latest) | accepted)


@dataclass
class StepStatus:
    step: OnboardingStep
    done: bool
    count: int
    records: list[OnboardingRecord]


def onboarding_steps(role: str) -> list[OnboardingStep]:
    """The role's active checklist. With none configured but modules the role requires, one
    unsaved "required training modules" step: the required training gates the role's pages in
    every configuration (a fresh deployment included), and the volunteer sees what to complete."""
    steps = list(OnboardingStep.objects.filter(role=role, is_active=True).select_related("module"))
    if not steps and required_modules(role).exists():
        steps = [OnboardingStep(role=role, kind=OnboardingStep.Kind.REQUIRED_MODULES, position=0)]
    return steps


def onboarding_status(volunteer: Volunteer, role: str) -> list[StepStatus]:
    """Each active step of `role`'s checklist with whether the volunteer has done it."""
    steps = onboarding_steps(role)
    records: dict[int, list[OnboardingRecord]] = {}
    for record in volunteer.onboarding_records.filter(step__in=[s for s in steps if s.pk]).select_related(
        "vouched_by", "recorded_by"
    ):
        records.setdefault(record.step_id, []).append(record)
    statuses = []
    for step in steps:
        mine = records.get(step.pk, [])
        if step.kind == OnboardingStep.Kind.REQUIRED_MODULES:
            done = is_qualified(volunteer, role)
        elif step.kind == OnboardingStep.Kind.MODULE:
            done = has_valid_completion(volunteer=volunteer, module=step.module)
        elif step.kind == OnboardingStep.Kind.SHADOW_SHIFTS:
            mine = [r for r in mine if r.vouched_by_id is not None]
            done = len(mine) >= step.required_count
        else:
            done = len(mine) >= step.required_count
        statuses.append(StepStatus(step=step, done=done, count=len(mine), records=mine))
    return statuses


def role_ready(volunteer: Volunteer, role: str) -> bool:
    """Every step needed before access is done, and the current community agreements accepted."""
    steps = onboarding_status(volunteer, role)
    if not steps:
        return True
    return all(s.done for s in steps if s.step.required_before_access) and agreements_accepted(volunteer)


def onboarding_blocks(user, roles) -> bool:
    """True when `user` reaches a view of `roles` only through Dispatcher/Responder roles whose
    onboarding is not done. Coordinators, and roles with neither a checklist nor required training
    modules, are never blocked."""
    from django.contrib.auth import get_user_model

    from volunteers.roles import Role, user_roles

    held = user_roles(user) & set(roles)
    if Role.COORDINATOR in user_roles(user) or not held or Role.VOLUNTEER in roles:
        # Pages open to every volunteer are where onboarding is completed (the checklist, the
        # training, the agreements): never gated, even for an account in no Volunteer group.
        return False
    if any(role not in ONBOARDED_ROLES for role in held):
        return False
    wanted = [ONBOARDED_ROLES[role] for role in held]
    # One query: is anything configured that these roles must complete first?
    required_training = Q(pk__in=[])
    for role in wanted:
        required_training |= json_list_contains("roles", role)
    configured = Exists(OnboardingStep.objects.filter(role__in=wanted, is_active=True)) | Exists(
        TrainingModule.objects.filter(required_training, is_active=True)
    )
    if not get_user_model().objects.filter(configured, pk=user.pk).exists():
        return False
    cache = getattr(user, "_onboarding_ready", None)
    if cache is None:
        cache = user._onboarding_ready = {}
    volunteer = volunteer_for_user(user)
    if volunteer is None:
        # An account put in the Dispatcher or Responder group without a volunteer profile has no
        # training or steps on record: held back like any volunteer who has not done them.
        return True
    for role in wanted:
        if role not in cache:
            cache[role] = role_ready(volunteer, role)
        if cache[role]:
            return False
    return True


def onboarding_roles_for(volunteer: Volunteer) -> list[str]:
    """The onboarded roles a volunteer holds or asked for, in ShiftRole order."""
    from volunteers.roles import user_roles

    held = (
        {ONBOARDED_ROLES[r] for r in user_roles(volunteer.user) if r in ONBOARDED_ROLES}
        if volunteer.user
        else set()
    )
    wanted = held | set(volunteer.roles_of_interest or [])
    return [role for role in ShiftRole.values if role in wanted]


def experienced_in(volunteer: Volunteer) -> list[str]:
    """Roles in which the volunteer may sign others' shadow shifts: held, and onboarded."""
    from volunteers.roles import user_roles

    if volunteer.user is None or volunteer.status != Volunteer.Status.ACTIVE:
        return []
    held = [ONBOARDED_ROLES[r] for r in user_roles(volunteer.user) if r in ONBOARDED_ROLES]
    return [role for role in ShiftRole.values if role in held and role_ready(volunteer, role)]


def onboarding_review(*, role: str) -> list[dict]:
    """Active volunteers who hold or asked for `role`, with their checklist progress."""
    from volunteers.roles import Role

    group = {value: key for key, value in ONBOARDED_ROLES.items()}[role]
    volunteers = (
        Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
        .filter(Q(user__groups__name=group) | json_list_contains("roles_of_interest", role))
        .exclude(user__groups__name=Role.COORDINATOR)
        .distinct()
        .select_related("user")
    )
    rows = []
    for volunteer in volunteers:
        statuses = onboarding_status(volunteer, role)
        rows.append(
            {
                "volunteer": volunteer,
                "statuses": statuses,
                "done": sum(1 for s in statuses if s.done),
                "ready": role_ready(volunteer, role),
            }
        )
    return rows
