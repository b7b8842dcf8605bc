"""Training: the modules a role requires, who is qualified for a role or call type, completion status and expiry."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from volunteers.models import ShiftRole, TrainingCompletion, TrainingModule, Volunteer

from ._common import _aware, json_list_contains


def required_modules(role: str) -> QuerySet[TrainingModule]:
    """The active modules a role requires."""
    return TrainingModule.objects.filter(json_list_contains("roles", role), is_active=True)


def _valid_completion(*, module_ref, volunteer_ref, day: date) -> QuerySet[TrainingCompletion]:
    return TrainingCompletion.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=day),
        module=module_ref,
        volunteer=volunteer_ref,
        completed_on__lte=day,
    )


def qualified_for_role_q(role: str, *, at: datetime, volunteer_ref=None) -> Q:
    """Q on Volunteer (or on a `volunteer_ref` expression): no required module is missing at `at`."""
    day = timezone.localdate(at)
    volunteer_ref = volunteer_ref if volunteer_ref is not None else OuterRef(OuterRef("pk"))
    missing = required_modules(role).filter(
        ~Exists(_valid_completion(module_ref=OuterRef("pk"), volunteer_ref=volunteer_ref, day=day))
    )
    return ~Exists(missing)


def qualified_for_call_type_q(call_type_slug: str, *, at: datetime) -> Q:
    """Q on Volunteer: holds a valid completion of a module qualifying for the call type.

    A call type no module mentions needs no special training: everybody qualifies.
    """
    day = timezone.localdate(at)
    modules = TrainingModule.objects.filter(
        json_list_contains("qualifies_for_call_types", call_type_slug), is_active=True
    )
    has_valid = modules.filter(
        Exists(_valid_completion(module_ref=OuterRef("pk"), volunteer_ref=OuterRef(OuterRef("pk")), day=day))
    )
    return ~Exists(modules) | Exists(has_valid)


def is_qualified(volunteer: Volunteer, role: str, *, at: datetime | None = None) -> bool:
    """Every active module `role` requires is completed and not expired at `at`."""
    at = _aware(at)
    return Volunteer.objects.filter(
        qualified_for_role_q(role, at=at, volunteer_ref=OuterRef(OuterRef("pk"))), pk=volunteer.pk
    ).exists()


def qualified_for_call_type(volunteer: Volunteer, call_type_slug: str, *, at: datetime | None = None) -> bool:
    at = _aware(at)
    return Volunteer.objects.filter(
        qualified_for_call_type_q(call_type_slug, at=at), pk=volunteer.pk
    ).exists()


def qualified_roles(volunteer: Volunteer, *, at: datetime | None = None) -> list[str]:
    """The shift roles the volunteer may take at `at`: approved for (groups) and trained."""
    from volunteers.roles import Role, has_role

    at = _aware(at)
    if volunteer.status != Volunteer.Status.ACTIVE or volunteer.user is None:
        return []
    group_for = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}
    return [
        role
        for role in ShiftRole.values
        if has_role(volunteer.user, group_for[role]) and is_qualified(volunteer, role, at=at)
    ]


def training_status(volunteer: Volunteer, *, at: datetime | None = None) -> list[dict]:
    """Each active module with the volunteer's latest completion and whether it is valid now."""
    day = timezone.localdate(_aware(at))
    latest: dict[int, TrainingCompletion] = {}
    for completion in volunteer.completions.order_by("completed_on", "pk"):
        latest[completion.module_id] = completion
    rows = []
    for module in TrainingModule.objects.filter(is_active=True):
        completion = latest.get(module.pk)
        valid = completion is not None and completion.is_valid_on(day)
        expiring = bool(valid and completion.expires_on and completion.expires_on <= day + timedelta(days=30))
        rows.append({"module": module, "completion": completion, "valid": valid, "expiring_soon": expiring})
    return rows


def completions_expiring(*, within_days: int = 30, today: date | None = None) -> QuerySet[TrainingCompletion]:
    """Valid completions expiring in the next `within_days` days with no later renewal."""
    today = today or timezone.localdate()
    renewed = TrainingCompletion.objects.filter(
        volunteer=OuterRef("volunteer"), module=OuterRef("module"), completed_on__gt=OuterRef("completed_on")
    )
    return (
        TrainingCompletion.objects.filter(
            expires_on__gt=today,
            expires_on__lte=today + timedelta(days=within_days),
            volunteer__status=Volunteer.Status.ACTIVE,
            module__is_active=True,
        )
        .exclude(Exists(renewed))
        .select_related("volunteer", "module")
        .order_by("expires_on", "volunteer__last_name")
    )
