"""Queries of the volunteers app that views and other apps share.

`on_shift_now` is what the hotline rings and dispatch sends: keep it one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber, to_python

from volunteers.models import (
    Area,
    CommunityAgreementAcceptance,
    CommunityAgreementVersion,
    CompetencySignOff,
    OnboardingRecord,
    OnboardingStep,
    Quiz,
    QuizAttempt,
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingAttendance,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValueError("`at` must be a timezone-aware datetime")
    return at


def json_list_contains(field: str, value: str) -> Q:
    """Q for "the JSON list of slugs in `field` contains `value`", portable to SQLite.

    Slugs never contain quotes, so matching the quoted value in the JSON text is exact.
    """
    return Q(**{f"{field}__icontains": f'"{value}"'})


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


def on_shift_now(
    role: str,
    *,
    at: datetime | None = None,
    language: str | None = None,
    area: Area | int | None = None,
    call_type: str | None = None,
) -> list[Volunteer]:
    """Active volunteers on a shift of `role` covering `at`, qualified for the role then and
    onboarded (the role's checklist done: `onboarded_for_role_q`).

    Speakers of `language` (a code such as "ko") come first, then those covering `area`.
    Each volunteer carries `speaks_language` and `covers_area` booleans. With `call_type`
    (a dispatch call-type slug) only volunteers trained for it are returned. One query.
    """
    at = _aware(at)
    if role not in ShiftRole.values:
        raise ValueError(f"unknown shift role {role!r}")
    covering = ShiftAssignment.objects.filter(
        volunteer=OuterRef("pk"),
        status__in=ShiftAssignment.HOLDING,
        shift__role=role,
        shift__starts_at__lte=at,
        shift__ends_at__gt=at,
    )
    queryset = Volunteer.objects.filter(
        Exists(covering),
        qualified_for_role_q(role, at=at),
        onboarded_for_role_q(role, at=at),
        status=Volunteer.Status.ACTIVE,
        user__is_active=True,
    )
    if call_type:
        queryset = queryset.filter(qualified_for_call_type_q(call_type, at=at))
    if language:
        speaks = Exists(
            Volunteer.languages.through.objects.filter(volunteer=OuterRef("pk"), language__code=language)
        )
    else:
        speaks = Value(False, output_field=BooleanField())
    area_id = area.pk if isinstance(area, Area) else area
    if area_id:
        covers = Exists(
            Volunteer.areas.through.objects.filter(volunteer=OuterRef("pk"), area_id=area_id)
        ) | Exists(covering.filter(shift__area_id=area_id))
    else:
        covers = Value(False, output_field=BooleanField())
    queryset = queryset.annotate(speaks_language=speaks, covers_area=covers).order_by(
        F("speaks_language").desc(), F("covers_area").desc(), "last_name", "first_name", "pk"
    )
    return list(queryset)


def volunteer_by_phone(phone) -> Volunteer | None:
    """The volunteer with this phone number (any status), or None. Accepts str or PhoneNumber."""
    number = to_python(phone) if phone else None
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        return None
    return Volunteer.objects.select_related("user").filter(phone=number.as_e164).first()


def volunteer_for_user(user) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user=user).first()


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


def shifts_with_staffing(queryset: QuerySet[Shift] | None = None) -> QuerySet[Shift]:
    """Shifts annotated with `booked` (places taken) and `free` places."""
    queryset = queryset if queryset is not None else Shift.objects.all()
    return queryset.annotate(
        booked=Count("assignments", filter=Q(assignments__status__in=ShiftAssignment.HOLDING))
    ).annotate(free=F("capacity") - F("booked"))


def open_shifts_for(volunteer: Volunteer, *, now: datetime | None = None) -> QuerySet[Shift]:
    """Upcoming shifts with a free place, of roles the volunteer may take, not already theirs."""
    now = _aware(now)
    roles = qualified_roles(volunteer, at=now)
    mine = ShiftAssignment.objects.filter(
        shift=OuterRef("pk"), volunteer=volunteer, status__in=ShiftAssignment.HOLDING
    )
    return (
        shifts_with_staffing(Shift.objects.filter(role__in=roles, starts_at__gt=now))
        .filter(free__gt=0)
        .exclude(Exists(mine))
        .select_related("area")
        .order_by("starts_at", "pk")
    )


def assignment_get_for_volunteer(*, volunteer: Volunteer, pk: int) -> ShiftAssignment:
    """The volunteer's own assignment, or 404 (another volunteer's is never found)."""
    try:
        return ShiftAssignment.objects.select_related("shift", "shift__area").get(pk=pk, volunteer=volunteer)
    except ShiftAssignment.DoesNotExist:
        raise Http404 from None


_DURATION = ExpressionWrapper(F("shift__ends_at") - F("shift__starts_at"), output_field=DurationField())


def volunteer_hours(volunteer: Volunteer) -> float:
    """Hours served: the length of every shift marked attended."""
    total = ShiftAssignment.objects.filter(
        volunteer=volunteer, status=ShiftAssignment.Status.ATTENDED
    ).aggregate(total=Sum(_DURATION))["total"]
    return round(total.total_seconds() / 3600, 1) if total else 0.0


def with_hours(queryset: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Annotate `hours_served` (a timedelta) from attended shifts."""
    attended = (
        ShiftAssignment.objects.filter(volunteer=OuterRef("pk"), status=ShiftAssignment.Status.ATTENDED)
        .values("volunteer")
        .annotate(total=Sum(_DURATION))
        .values("total")
    )
    return queryset.annotate(
        hours_served=Coalesce(
            Subquery(attended, output_field=DurationField()),
            Value(timedelta(0)),
            output_field=DurationField(),
        )
    )


def volunteer_search(
    *,
    query: str = "",
    status: str = "",
    role: str = "",
    language: str = "",
    area: int | None = None,
) -> QuerySet[Volunteer]:
    """Coordinators' list: free-text search and filters. Role matches approved role or interest."""
    queryset = Volunteer.objects.all()
    if query:
        words = query.split()
        for word in words:
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(phone__icontains=word.lstrip("+").replace("-", ""))
            )
    if status:
        queryset = queryset.filter(status=status)
    if role:
        from volunteers.roles import Role

        group = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}.get(role)
        approved = Volunteer.objects.filter(user__groups__name=group).values("pk")
        queryset = queryset.filter(json_list_contains("roles_of_interest", role) | Q(pk__in=approved))
    if language:
        queryset = queryset.filter(
            pk__in=Volunteer.languages.through.objects.filter(language__code=language).values("volunteer")
        )
    if area:
        queryset = queryset.filter(
            pk__in=Volunteer.areas.through.objects.filter(area_id=area).values("volunteer")
        )
    return with_hours(queryset).prefetch_related("languages", "areas")


def coverage_grid(*, start: date, days: int = 14) -> list[dict]:
    """For each role, each local day and hour from `start`: people booked and people needed.

    A cell `needed` sums the minimum staffing of the shifts overlapping that hour and `staffed`
    the places they have booked; `gap` when fewer are booked than needed. Hours no shift
    covers have `needed` None.
    """
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    window_end = datetime.combine(start + timedelta(days=days), datetime.min.time(), tzinfo=tz)
    shifts = list(
        shifts_with_staffing(Shift.objects.filter(starts_at__lt=window_end, ends_at__gt=window_start)).values(
            "role", "starts_at", "ends_at", "minimum_staffing", "booked"
        )
    )
    grid = []
    for role, label in ShiftRole.choices:
        role_shifts = [s for s in shifts if s["role"] == role]
        rows = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            cells = []
            for hour in range(24):
                slot_start = datetime.combine(
                    day, datetime.min.time().replace(hour=hour), tzinfo=tz
                ).astimezone(UTC)
                slot_end = slot_start + timedelta(hours=1)
                overlapping = [
                    s for s in role_shifts if s["starts_at"] < slot_end and s["ends_at"] > slot_start
                ]
                if overlapping:
                    needed = sum(s["minimum_staffing"] for s in overlapping)
                    staffed = sum(s["booked"] for s in overlapping)
                    cells.append(
                        {"hour": hour, "needed": needed, "staffed": staffed, "gap": staffed < needed}
                    )
                else:
                    cells.append({"hour": hour, "needed": None, "staffed": 0, "gap": False})
            rows.append({"day": day, "cells": cells, "gaps": sum(cell["gap"] for cell in cells)})
        grid.append({"role": role, "label": label, "rows": rows, "gaps": sum(row["gaps"] for row in rows)})
    return grid


# --- curriculum: what completing a module needs ------------------------------------------------


@dataclass
class Requirement:
    key: str  # "quiz", "attendance", "sign_off"
    label: str
    met: bool


def active_quiz(module: TrainingModule) -> Quiz | None:
    """The module's quiz when it is active and has questions (otherwise it asks nothing)."""
    quiz = Quiz.objects.filter(module=module, is_active=True).first()
    return quiz if quiz is not None and quiz.questions.exists() else None


def _evidence_since(module: TrainingModule, today: date) -> datetime | None:
    """Quizzes, attendance and sign-offs older than the module's validity do not count again."""
    if module.validity_days is None:
        return None
    start = today - timedelta(days=module.validity_days)
    return datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def module_requirements(
    *, volunteer: Volunteer, module: TrainingModule, today: date | None = None
) -> list[Requirement]:
    """Each thing a completion of `module` needs, and whether the volunteer has it."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    since = _evidence_since(module, today)
    requirements = []
    quiz = active_quiz(module)
    if quiz is not None:
        passed = QuizAttempt.objects.filter(quiz=quiz, volunteer=volunteer, passed=True)
        if since is not None:
            passed = passed.filter(submitted_at__gte=since)
        requirements.append(Requirement("quiz", _("Pass the quiz"), passed.exists()))
    if module.requires_attendance:
        attended = TrainingAttendance.objects.filter(
            volunteer=volunteer, session__module=module, status=TrainingAttendance.Status.ATTENDED
        )
        if since is not None:
            attended = attended.filter(session__starts_at__gte=since)
        requirements.append(Requirement("attendance", _("Attend a session"), attended.exists()))
    if module.requires_sign_off:
        signed = CompetencySignOff.objects.filter(volunteer=volunteer, module=module)
        if since is not None:
            signed = signed.filter(signed_at__gte=since)
        requirements.append(Requirement("sign_off", _("Trainer's competency sign-off"), signed.exists()))
    return requirements


def has_valid_completion(*, volunteer: Volunteer, module: TrainingModule, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        TrainingCompletion.objects.filter(volunteer=volunteer, module=module, completed_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
        .exists()
    )


def quiz_attempts_used(*, quiz: Quiz, volunteer: Volunteer) -> int:
    return QuizAttempt.objects.filter(quiz=quiz, volunteer=volunteer).count()


def quiz_attempts_left(*, quiz: Quiz, volunteer: Volunteer) -> int | None:
    """None when the quiz has no limit."""
    if quiz.max_attempts is None:
        return None
    return max(quiz.max_attempts - quiz_attempts_used(quiz=quiz, volunteer=volunteer), 0)


# --- community agreements and onboarding -------------------------------------------------------

# The groups whose pages wait for the role's onboarding (a role is granted when its steps are done).
ONBOARDED_ROLES = {"Dispatcher": ShiftRole.DISPATCHER, "Responder": ShiftRole.RESPONDER}


def current_agreements() -> CommunityAgreementVersion | None:
    return CommunityAgreementVersion.objects.order_by("-version").first()


def agreements_accepted(volunteer: Volunteer, *, current: CommunityAgreementVersion | None = None) -> bool:
    """True when the volunteer accepted the current version (ticking the box at sign-up after it
    was published counts), or when no version is published."""
    current = current if current is not None else current_agreements()
    if current is None:
        return True
    if volunteer.agreements_accepted_at and volunteer.agreements_accepted_at >= current.published_at:
        return True
    return CommunityAgreementAcceptance.objects.filter(volunteer=volunteer, version=current).exists()


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


# --- hours per week -----------------------------------------------------------------------------


@dataclass
class WeeklyHours:
    volunteer: Volunteer
    hours: float
    over_cap: bool


def weekly_hours(*, week_start: date, cap: float) -> list[WeeklyHours]:
    """Hours per volunteer for the local week starting `week_start`: shifts attended or still
    booked that start in the week (a booked shift is time the volunteer has committed to).
    Most hours first; `over_cap` when above `cap`."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(week_start + timedelta(days=7), datetime.min.time(), tzinfo=tz)
    rows = (
        ShiftAssignment.objects.filter(
            status__in=ShiftAssignment.HOLDING, shift__starts_at__gte=start, shift__starts_at__lt=end
        )
        .values("volunteer")
        .annotate(total=Sum(_DURATION))
        .order_by("-total")
    )
    volunteers = Volunteer.objects.in_bulk([row["volunteer"] for row in rows])
    result = []
    for row in rows:
        hours = round(row["total"].total_seconds() / 3600, 1)
        result.append(WeeklyHours(volunteer=volunteers[row["volunteer"]], hours=hours, over_cap=hours > cap))
    return result
