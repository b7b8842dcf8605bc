"""The whole dashboard: `Metrics` computes every section of one period on first use, and
`prefetch` runs the heavy passes concurrently on PostgreSQL.

Called by the dashboard, export and report views (`assessment.pilot.views`) and by
`assessment.pilot.tables`, which lays the metrics out.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from assessment.models import PilotSettings
from assessment.pilot.selectors.answering import Answering, Callbacks, calls
from assessment.pilot.selectors.contacts import (
    AreaRow,
    Row,
    Slice,
    areas_of,
    call_types_of,
    channels_of,
    contact_slices,
    sources_of,
)
from assessment.pilot.selectors.coverage import Coverage, shift_coverage, staffing_targets
from assessment.pilot.selectors.durations import Stats
from assessment.pilot.selectors.equity import DEFAULT_GROUP, EquityRow, equity
from assessment.pilot.selectors.evidence import Diversion, diversion
from assessment.pilot.selectors.heatmap import heatmap
from assessment.pilot.selectors.outcomes import (
    ReferralRow,
    WithoutPolice,
    decisions_of,
    outcomes_of,
    referrals_by_partner,
    without_police_of,
)
from assessment.pilot.selectors.periods import Period, local_zone
from assessment.pilot.selectors.police_time import (
    HoursPer911Type,
    PoliceTime,
    hours_per_911_type,
    police_time,
)
from assessment.pilot.selectors.referrals import ReferralLoopRow, median_days_overall, referral_loop
from assessment.pilot.selectors.repeat_callers import RepeatCallers, repeat_callers
from assessment.pilot.selectors.response_times import ResponseChain, response_chain
from assessment.pilot.selectors.sources import SourceFigures, answer_times_by_source, source_figures_of
from assessment.pilot.selectors.transfers import TransferRow, transfers_by_target
from assessment.pilot.selectors.volunteers import Training, VolunteerActivity, training, volunteer_activity

_executor_lock = threading.Lock()
_executors: dict[int, ThreadPoolExecutor] = {}


def _executor(threads: int) -> ThreadPoolExecutor:
    with _executor_lock:
        if threads not in _executors:
            _executors[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pilot-metrics")
        return _executors[threads]


def service_area_ids(pilot: PilotSettings | None) -> set[int]:
    return {area.pk for area in pilot.service_areas.all()} if pilot is not None else set()


class Metrics:
    """Every metric of one period, each computed on first use (a CSV export of one table runs
    only the queries that table needs); `prefetch` computes the heavy ones at once."""

    # The passes over the period's rows, independent of one another, longest first.
    HEAVY = (
        "chain",
        "slices",
        "_repeat",
        "referrals",
        "referral_loop",
        "transfers",
        "_calls",
        "heatmap",
        "_answer_by_source",
        "diversion",
        "equity",
        "_police_hours",
    )
    # A few small queries each (volunteers, shifts, training).
    LIGHT = ("volunteers", "coverage", "training")

    def __init__(
        self,
        *,
        period: Period,
        pilot: PilotSettings | None,
        now: datetime | None = None,
        equity_group: str = DEFAULT_GROUP,
    ):
        self.period = period
        self.pilot = pilot
        self.now = now or timezone.now()
        self.equity_group = equity_group

    def prefetch(self) -> Metrics:
        """Compute every metric now; on PostgreSQL the heavy ones concurrently on their own
        connections (settings.PILOT_DASHBOARD_QUERY_THREADS) while this thread computes the
        light ones, unless the caller is inside a transaction, whose uncommitted rows other
        connections would not see."""
        todo = [name for name in self.HEAVY if name not in self.__dict__]
        threads = getattr(settings, "PILOT_DASHBOARD_QUERY_THREADS", 0)
        concurrent = connection.vendor == "postgresql" and not connection.in_atomic_block and threads > 1
        futures = (
            {name: _executor(threads).submit(self._compute_in_thread, name) for name in todo}
            if concurrent
            else {}
        )
        for name in (*self.LIGHT, *(name for name in todo if name not in futures)):
            getattr(self, name)
        for name, future in futures.items():
            self.__dict__[name] = future.result()  # what the cached property would have stored
        return self

    def _compute_in_thread(self, name: str):
        try:
            return type(self).__dict__[name].func(self)
        finally:
            connections.close_all()  # this thread's own connections: none outlives the request

    @cached_property
    def slices(self) -> list[Slice]:
        return contact_slices(self.period)

    @cached_property
    def channels(self) -> dict[str, int]:
        return channels_of(self.slices)

    @property
    def contacts(self) -> int:
        return sum(self.channels.values())

    @cached_property
    def sources(self) -> dict[str, int]:
        return sources_of(self.slices)

    @cached_property
    def _answer_by_source(self) -> dict[str, Stats]:
        return answer_times_by_source(self.period)

    @cached_property
    def by_source(self) -> list[SourceFigures]:
        """The key figures side by side for each source (each chosen source when filtered)."""
        figures = source_figures_of(self.slices, sources=self.period.sources)
        for source, row in figures.items():
            row.time_to_answer = self._answer_by_source.get(source, Stats())
            row.on_scene = self.chain.by_source.get(source, {}).get("on_scene", Stats())
        return list(figures.values())

    @cached_property
    def _calls(self) -> tuple[Answering, Callbacks]:
        return calls(self.period)

    @property
    def answering(self) -> Answering:
        return self._calls[0]

    @property
    def callbacks(self) -> Callbacks:
        return self._calls[1]

    @cached_property
    def decisions(self) -> dict[str, int]:
        return decisions_of(self.slices)

    @cached_property
    def call_types(self) -> list[Row]:
        return call_types_of(self.slices)

    @cached_property
    def without_police(self) -> WithoutPolice:
        return without_police_of(self.slices)

    @cached_property
    def _police_hours(self) -> HoursPer911Type:
        """Police time on scene per 911 call type of the pilot's 911 dataset (its own query)."""
        return hours_per_911_type(self.pilot)

    @cached_property
    def police_time(self) -> PoliceTime:
        return police_time(self.slices, self.pilot, self._police_hours)

    @cached_property
    def outcomes(self) -> dict[str, int]:
        return outcomes_of(self.slices)

    @cached_property
    def areas(self) -> list[AreaRow]:
        return areas_of(self.slices, service_area_ids=service_area_ids(self.pilot))

    @cached_property
    def chain(self) -> ResponseChain:
        return response_chain(self.period)

    @cached_property
    def referrals(self) -> list[ReferralRow]:
        return referrals_by_partner(self.period)

    @cached_property
    def transfers(self) -> list[TransferRow]:
        return transfers_by_target(self.period)

    @cached_property
    def referral_loop(self) -> list[ReferralLoopRow]:
        return referral_loop(self.period)

    @cached_property
    def referral_median_days(self) -> float | None:
        return median_days_overall(self.period)

    @cached_property
    def _repeat(self) -> RepeatCallers:
        return repeat_callers(self.period)

    @property
    def repeat_callers(self) -> RepeatCallers:
        return replace(self._repeat, total_contacts=self.contacts)

    @cached_property
    def heatmap(self) -> list[list[int]]:
        return heatmap(self.period)

    @cached_property
    def volunteers(self) -> VolunteerActivity:
        return volunteer_activity(self.period)

    @cached_property
    def coverage(self) -> Coverage:
        return shift_coverage(self.period, targets=staffing_targets(self.pilot), now=self.now)

    @cached_property
    def training(self) -> Training:
        return training(self.period, today=timezone.localdate(self.now, timezone=local_zone()))

    @cached_property
    def diversion(self) -> Diversion:
        return diversion(self.period)

    @cached_property
    def equity(self) -> list[EquityRow]:
        return equity(self.period, self.equity_group)
