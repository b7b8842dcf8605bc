"""Intakes: the console's queue, one intake for a dispatcher, a caller's history and past intakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dispatch.models import (
    CallType,
    Triage,
)
from hotline.models import Intake, Message
from volunteers.models import Area
from volunteers.roles import Role, has_role


def caller_history_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.DISPATCH_CALLER_HISTORY_DAYS)


def queue_intakes(*, now: datetime | None = None) -> QuerySet[Intake]:
    """Open intakes, longest waiting first, with who holds each, how often the number called
    and the start of the first text (`first_text`, for texts)."""
    since = caller_history_since(now)
    earlier = (
        Intake.objects.filter(
            caller=OuterRef("caller"), created_at__gte=since, created_at__lt=OuterRef("created_at")
        )
        .exclude(caller="")
        .order_by()
        .values("caller")
        .annotate(n=Count("pk"))
        .values("n")
    )
    first_text = (
        Message.objects.filter(intake=OuterRef("pk"), direction=Message.Direction.INBOUND)
        .order_by("created_at", "pk")
        .values("body")[:1]
    )
    return (
        Intake.objects.filter(status__in=Intake.OPEN_STATUSES)
        .select_related("area", "call", "triage__claimed_by", "triage__call_type")
        .annotate(
            earlier_contacts=Coalesce(Subquery(earlier, output_field=IntegerField()), 0),
            # The start of the caller's first text: the queue previews its first words.
            first_text=Substr(Subquery(first_text), 1, 200),
        )
        .order_by("created_at", "pk")
    )


def intake_get_for_dispatcher(*, user, pk: int) -> Intake:
    """The intake, for a dispatcher or coordinator; 403 for anyone else, 404 when missing."""
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(Intake.objects.select_related("area", "call"), pk=pk)


def triage_for(intake: Intake) -> Triage | None:
    try:
        return Triage.objects.select_related(
            "claimed_by", "protocol", "call_type", "area", "decided_by", "incident"
        ).get(intake=intake)
    except Triage.DoesNotExist:
        return None


@dataclass(frozen=True)
class CallerHistory:
    count: int
    contacts: list[Intake]
    days: int


def caller_history(intake: Intake, *, now: datetime | None = None, limit: int = 20) -> CallerHistory:
    """Earlier contacts from the intake's number in the last DISPATCH_CALLER_HISTORY_DAYS days."""
    days = settings.DISPATCH_CALLER_HISTORY_DAYS
    if not intake.caller:
        return CallerHistory(count=0, contacts=[], days=days)
    earlier = (
        Intake.objects.filter(caller=intake.caller, created_at__gte=caller_history_since(now))
        .exclude(pk=intake.pk)
        .select_related("triage__call_type", "triage__incident")
        .order_by("-created_at", "-pk")
    )
    contacts = list(earlier[:limit])
    count = len(contacts) if len(contacts) < limit else earlier.count()
    return CallerHistory(count=count, contacts=contacts, days=days)


def past_intakes(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    caller: str = "",
    call_type: CallType | None = None,
    decision: str = "",
    outcome: str = "",
    area: Area | None = None,
    code: str = "",
) -> QuerySet[Intake]:
    """Intakes (with their triage and incident) matching the search, newest first.

    Dates are local calendar days, both included; `caller` is an E.164 number; `area` matches
    the intake's or the triage's area; `code` is part of an incident code (upper case).
    """
    intakes = Intake.objects.all()
    zone = timezone.get_current_timezone()
    if date_from:
        intakes = intakes.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        day_after = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        intakes = intakes.filter(created_at__lt=day_after)
    if caller:
        intakes = intakes.filter(caller=caller)
    if call_type:
        intakes = intakes.filter(triage__call_type=call_type)
    if decision:
        intakes = intakes.filter(triage__decision=decision)
    if outcome:
        intakes = intakes.filter(triage__incident__outcome=outcome)
    if area:
        intakes = intakes.filter(Q(area=area) | Q(triage__area=area))
    if code:
        intakes = intakes.filter(triage__incident__code__contains=code)
    return intakes.select_related("area", "triage__call_type", "triage__area", "triage__incident").order_by(
        "-created_at", "-pk"
    )
