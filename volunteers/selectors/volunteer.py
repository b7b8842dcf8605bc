"""Finding volunteers: by phone number, by user account, and the coordinators' search."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from phonenumber_field.phonenumber import PhoneNumber, to_python

from volunteers.models import ShiftRole, Volunteer

from ._common import json_list_contains
from .hours import with_hours


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
