"""Follow-ups: the lists a dispatcher works from, the overdue count, one for a dispatcher."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dispatch.models import (
    FollowUp,
)
from volunteers.roles import Role, has_role

FOLLOW_UP_VIEWS = ("due", "overdue", "mine", "all")


def follow_ups_waiting(*, view: str, user, now: datetime | None = None) -> QuerySet[FollowUp]:
    """Follow-ups still to do, soonest first: `due` (due by the end of today, overdue
    included), `overdue`, `mine` (claimed by the user) or `all` scheduled ones."""
    now = now or timezone.now()
    waiting = FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED).select_related(
        "triage__intake", "triage__call_type", "incident", "claimed_by"
    )
    if view == "overdue":
        return waiting.filter(due_at__lt=now)
    if view == "mine":
        return waiting.filter(claimed_by=user)
    if view == "due":
        end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
        return waiting.filter(due_at__lte=end_of_today)
    return waiting


def follow_ups_overdue_count(*, now: datetime | None = None) -> int:
    return FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED, due_at__lt=now or timezone.now()).count()


def follow_up_get_for_dispatcher(*, user, pk: int) -> FollowUp:
    """The follow-up, for a dispatcher or coordinator; 403 for anyone else, 404 when missing."""
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(
        FollowUp.objects.select_related("triage__intake", "triage__call_type", "incident", "claimed_by"),
        pk=pk,
    )
