"""Queries of the hotline app that other code shares (views, dispatch, assessment)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from hotline.models import (
    Call,
    HandoffApiKey,
    HandoffPartner,
    HandoffWebhookAttempt,
    HandoffWebhookEvent,
    Intake,
    Message,
    OperatingHours,
    PartnerLine,
)
from volunteers.roles import Role, has_role

T = TypeVar("T")

# How long a process keeps the hours of operation and the partner lines it read. A change is
# seen at once by the process that saved it (the cache is cleared on save and delete, see
# HotlineConfig.ready) and by every other process within this many seconds.
SMALL_TABLE_CACHE_SECONDS = 10


class ProcessCache(Generic[T]):
    """A small table's contents, read at most once per `ttl` seconds in each process.

    The incoming-call webhook needs the partner lines and the hours of operation on every
    call; they change a few times a year, so a query per call would be pure waste. Threads
    that find it expired at once may each read the table; that is harmless.
    """

    def __init__(self, load: Callable[[], T], *, ttl: float = SMALL_TABLE_CACHE_SECONDS) -> None:
        self._load = load
        self._ttl = ttl
        self._entry: tuple[float, T] | None = None  # (expires at, value), replaced whole

    def get(self) -> T:
        entry = self._entry
        if entry is not None and monotonic() < entry[0]:
            return entry[1]
        value = self._load()
        self._entry = (monotonic() + self._ttl, value)
        return value

    def clear(self) -> None:
        self._entry = None


def _hours_uncached() -> list[tuple[int, time, time]]:
    return list(OperatingHours.objects.values_list("weekday", "opens", "closes"))


def _active_partner_lines_uncached() -> dict[str, PartnerLine]:
    return {line.number: line for line in PartnerLine.objects.filter(is_active=True)}


operating_hours_cache: ProcessCache[list[tuple[int, time, time]]] = ProcessCache(_hours_uncached)
partner_lines_cache: ProcessCache[dict[str, PartnerLine]] = ProcessCache(_active_partner_lines_uncached)


def small_table_caches_clear() -> None:
    """Forget this process's cached hours of operation and partner lines."""
    operating_hours_cache.clear()
    partner_lines_cache.clear()


def small_table_changed(**_kwargs) -> None:
    """Receiver of post_save and post_delete of both cached models: clear now, and again after
    commit so that a read racing the save cannot keep the old rows."""
    small_table_caches_clear()
    transaction.on_commit(small_table_caches_clear)


def _hours() -> list[tuple[int, time, time]]:
    return operating_hours_cache.get()


def is_open(at: datetime | None = None) -> bool:
    """Whether `at` (default now) falls in the hours of operation; no hours means always open.

    Hours are wall-clock times in the pilot's time zone; a row whose closing time is not after
    its opening time runs into the next day.
    """
    rows = _hours()
    if not rows:
        return True
    local = timezone.localtime(at or timezone.now())
    now, today = local.time(), local.weekday()
    yesterday = (today - 1) % 7
    for weekday, opens, closes in rows:
        crosses = closes <= opens
        if weekday == today and (opens <= now < closes if not crosses else now >= opens):
            return True
        if weekday == yesterday and crosses and now < closes:
            return True
    return False


def open_intervals(*, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The hours of operation between start and end as merged intervals (aware, in UTC)."""
    if end <= start:
        return []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    rows = _hours()
    if not rows:
        return [(start, end)]
    tz = timezone.get_current_timezone()
    first: date = timezone.localtime(start).date() - timedelta(days=1)
    last: date = timezone.localtime(end).date()
    intervals: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for weekday, opens, closes in rows:
            if weekday != day.weekday():
                continue
            closing_day = day + timedelta(days=1) if closes <= opens else day
            # In UTC, so that subtracting two of them gives real elapsed time across DST.
            begin = timezone.make_aware(datetime.combine(day, opens), tz).astimezone(UTC)
            finish = timezone.make_aware(datetime.combine(closing_day, closes), tz).astimezone(UTC)
            begin, finish = max(begin, start), min(finish, end)
            if begin < finish:
                intervals.append((begin, finish))
        day += timedelta(days=1)
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in intervals:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def dispatchers_on_shift(*, language: str | None = None) -> list:
    """On-shift dispatchers with a phone, speakers of `language` first."""
    from volunteers.selectors import on_shift_now

    return [v for v in on_shift_now("dispatcher", language=language or None) if v.phone]


def intake_get_for_dispatcher(*, user, pk: int) -> Intake:
    """The one checked way to load an intake for a person: 403 without the role, else 404."""
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(Intake.objects.select_related("call", "call__answered_by", "area"), pk=pk)


def call_get_for_dispatcher(*, user, pk: int) -> Call:
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(Call.objects.select_related("intake"), pk=pk)


def recent_calls(*, limit: int = 100) -> QuerySet[Call]:
    return Call.objects.select_related("intake", "answered_by", "callback_intake").order_by("-started_at")[
        :limit
    ]


def intake_messages(*, intake: Intake) -> QuerySet[Message]:
    return intake.messages.order_by("created_at", "id")


def open_intakes_for_caller(*, caller: str) -> QuerySet[Intake]:
    return Intake.objects.filter(caller=caller, status__in=Intake.OPEN_STATUSES)


def partner_line_for_call(*, forwarded_from: str, from_number: str) -> PartnerLine | None:
    """The active partner line a call came through: the number that forwarded it (Twilio's
    ForwardedFrom) first, else the caller's own number when a partner line placed the call.

    Read from the process cache of active lines: no query on almost every call.
    """
    from hotline.services import normalise_caller

    lines = partner_lines_cache.get()
    if not lines:
        return None
    for raw in (forwarded_from, from_number):
        number = normalise_caller(raw)
        if number and number in lines:
            return lines[number]
    return None


def handoff_partners() -> QuerySet[HandoffPartner]:
    """Hand-off partners, each with `live_keys` (the key in force, if any)."""
    live = HandoffApiKey.objects.filter(revoked_at__isnull=True).select_related("created_by")
    return HandoffPartner.objects.prefetch_related(Prefetch("keys", queryset=live, to_attr="live_keys"))


def partner_webhooks_failing() -> list[HandoffPartner]:
    """Partners whose status webhook failed HANDOFF_WEBHOOK_ALARM_AFTER times or more in a row
    (the console's flag and a /healthz/ warning, until a delivery succeeds)."""
    return list(
        HandoffPartner.objects.exclude(webhook_url="")
        .filter(webhook_failures__gte=max(settings.HANDOFF_WEBHOOK_ALARM_AFTER, 1))
        .only("pk", "name", "webhook_failures", "webhook_failing_since")
        .order_by("name")
    )


def partner_webhook_log(*, partner: HandoffPartner, limit: int = 50) -> dict:
    """A partner's delivery log: the last tries and events, and the counts per event status."""
    counts = dict(
        HandoffWebhookEvent.objects.filter(partner=partner)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "attempts": list(
            HandoffWebhookAttempt.objects.filter(partner=partner)
            .select_related("event")
            .order_by("-at", "-pk")[:limit]
        ),
        "events": list(
            HandoffWebhookEvent.objects.filter(partner=partner)
            .select_related("handoff")
            .order_by("-created_at", "-pk")[:limit]
        ),
        "counts": counts,
    }


def call_control_panel(*, intake: Intake, user) -> dict:
    """What the intake page's call-control panel shows: the live call's transfer targets, its
    open conference, and the call's timeline (transfers and their outcomes, holds, listen-ins)."""
    from hotline.models import CallEvent
    from hotline.services.call_control import call_is_live, open_conference, transfer_targets

    call = intake.call
    if call is None:
        return {"intake": intake, "call": None, "live": False, "events": []}
    live = call_is_live(call)
    events = list(
        CallEvent.objects.filter(call=call).select_related("transfer", "actor").order_by("created_at", "pk")
    )
    return {
        "intake": intake,
        "call": call,
        "live": live,
        "targets": transfer_targets() if live else [],
        "conference": open_conference(call) if live else None,
        "ringing": call.transfers.filter(outcome="").exists() if live else False,
        "can_listen": has_role(user, Role.COORDINATOR),
        "events": events,
    }
