"""Who is on shift now: the one query the hotline rings and dispatch sends by."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Exists, F, OuterRef, Value

from volunteers.models import Area, ShiftAssignment, ShiftRole, Volunteer

from ._common import _aware
from .onboarding import onboarded_for_role_q
from .training import qualified_for_call_type_q, qualified_for_role_q


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
