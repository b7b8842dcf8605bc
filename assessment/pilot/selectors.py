"""The pilot's metrics: what funders and city partners ask every community-responder program.

The metrics of a `Period` (local dates in settings.TIME_ZONE, both included) are computed by a
fixed number of aggregate queries whatever the number of contacts, each read once by `Metrics`:
one pass over the period's contacts splits them every way the dashboard needs (`contact_slices`;
channels, sources, decisions, call types, areas, outcomes and the police share are folded from
it, the figures per source too), one over the calls, one over the incidents' timelines, and one
each for referrals, repeat callers, the weekday x hour heatmap, the time to answer per source, volunteers, coverage and training. A period may be narrowed to some
sources (`Period.sources`): every contact, call, incident and referral query then counts only
contacts from them; volunteers, coverage and training are not per source. Percentiles are
computed by PostgreSQL; on SQLite (development) from the fetched column of durations.
Definitions shown on the dashboard are in `assessment.pilot.glossary`; keep the two in step.

Vocabulary:
- a *contact* is a hotline intake (a call that got past the language menu, a text
  conversation, a person met in the field), placed in time by when it was opened;
- a *call* is an inbound call to the hotline number, placed in time by when it reached it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, ExtractHour, ExtractIsoWeekDay, Lag
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import get_language

from assessment.models import PilotSettings
from assessment.pilot.db import (
    PercentilesCont,
    TimeBucket,
    database_percentiles,
    elapsed,
    percentiles_of,
    seconds_between,
)
from dispatch.models import CallType, Decision, Incident, IncidentEvent, Referral, pick_language
from hotline.models import Call, Intake
from hotline.selectors import open_intervals
from volunteers.models import (
    Area,
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)
from volunteers.roles import Role

ANSWER_TARGETS = ((15, 0.90), (20, 0.95))  # NENA call-answering standard: seconds, share
REPEAT_CONTACTS = 3
REPEAT_WINDOW = timedelta(days=30)
FRACTIONS = (0.5, 0.9)
WEEKDAYS = range(7)  # 0 = Monday
HOURS = range(24)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "–", never as 0 %)."""
    return part / whole if whole else None


# --------------------------------------------------------------------------------------------
# The pilot and the period


@dataclass(frozen=True)
class Period:
    """Local dates, both included. Instants run from local midnight of the first day to local
    midnight after the last (a day of a DST change has 23 or 25 hours).

    `sources` narrows every contact metric (and the calls, incidents and referrals of those
    contacts) to contacts from these sources, in Intake.Source order; empty: every source.
    Volunteer, coverage and training metrics are not per source and ignore it."""

    first_day: date
    last_day: date
    sources: tuple[str, ...] = ()

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=local_zone()).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=local_zone()).astimezone(
            UTC
        )

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def q(self, field_name: str) -> Q:
        """Q for "`field_name` (a datetime) falls in the period"."""
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})

    def day_q(self, field_name: str) -> Q:
        """Q for "`field_name` (a date) falls in the period"."""
        return Q(**{f"{field_name}__gte": self.first_day, f"{field_name}__lte": self.last_day})

    def source_q(self, field_name: str) -> Q:
        """Q for "`field_name` (an intake's source) is one of the period's sources" (always
        true when no source is chosen; a call that never became a contact has no source)."""
        return Q(**{f"{field_name}__in": self.sources}) if self.sources else Q()


def pilot_settings() -> PilotSettings | None:
    return (
        PilotSettings.objects.prefetch_related("service_areas").filter(pk=PilotSettings.SINGLETON_PK).first()
    )


def default_period(pilot: PilotSettings | None, *, today: date | None = None) -> Period:
    """The pilot period, or the last 30 days when no pilot is set up."""
    if pilot is not None:
        return Period(pilot.starts_on, pilot.ends_on)
    today = today or timezone.localdate(timezone=local_zone())
    return Period(today - timedelta(days=29), today)


@dataclass(frozen=True)
class Stats:
    """Count, median and 90th percentile of a duration in seconds (None when count is 0)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def duration_aggregates(name: str, expression, condition: Q | None) -> dict:
    """PostgreSQL: the count and percentiles of a duration, for `stats_of`."""
    return {
        f"{name}__count": Count(expression, filter=condition),
        f"{name}__percentiles": PercentilesCont(expression, FRACTIONS, filter=condition),
    }


def stats_of(row: dict, name: str) -> Stats:
    return Stats(row[f"{name}__count"], *(row[f"{name}__percentiles"] or (None,) * len(FRACTIONS)))


def aggregate(
    queryset: QuerySet,
    *,
    counts: dict[str, Count] | None = None,
    durations: dict[str, tuple[object, Q | None]] | None = None,
) -> tuple[dict, dict[str, Stats]]:
    """Counts, and the median and 90th percentile of durations (seconds), over one queryset.

    `durations` maps a name to (seconds expression, filter or None); NULL durations are left
    out. On PostgreSQL everything is one query (percentile_cont). Elsewhere the counts are one
    query and each duration's column of values is fetched and interpolated the same way.
    """
    counts, durations = counts or {}, durations or {}
    annotated = queryset.annotate(**{f"_{name}": expr for name, (expr, _q) in durations.items()})
    if database_percentiles():
        aggregates = dict(counts)
        for name, (_expr, condition) in durations.items():
            aggregates.update(duration_aggregates(name, f"_{name}", condition))
        row = annotated.aggregate(**aggregates)
        return {name: row[name] for name in counts}, {name: stats_of(row, name) for name in durations}
    row = queryset.aggregate(**counts) if counts else {}
    stats = {}
    for name, (_expr, condition) in durations.items():
        rows = annotated.filter(condition) if condition is not None else annotated
        values = [value for value in rows.values_list(f"_{name}", flat=True) if value is not None]
        stats[name] = Stats(len(values), *percentiles_of(values, FRACTIONS))
    return row, stats


def stats_by(queryset: QuerySet, *, group: str, seconds) -> dict[object, Stats]:
    """Count, median and 90th percentile of `seconds` (NULLs left out) per value of the column
    `group`, in one query: grouped by PostgreSQL, else from the fetched pairs."""
    annotated = queryset.annotate(_group=F(group), _seconds=seconds).order_by()
    if database_percentiles():
        rows = (
            annotated.values_list("_group")
            .annotate(**duration_aggregates("seconds", "_seconds", Q(_seconds__isnull=False)))
            .values_list("_group", "seconds__count", "seconds__percentiles")
        )
        return {key: Stats(n, *(values or (None,) * len(FRACTIONS))) for key, n, values in rows}
    values_by: dict[object, list[float]] = {}
    for key, value in annotated.filter(_seconds__isnull=False).values_list("_group", "_seconds"):
        values_by.setdefault(key, []).append(value)
    return {key: Stats(len(values), *percentiles_of(values, FRACTIONS)) for key, values in values_by.items()}


# --------------------------------------------------------------------------------------------
# Contacts: one grouped pass gives channels, decisions, call types, areas, outcomes, police


def contacts(period: Period) -> QuerySet[Intake]:
    return Intake.objects.filter(period.q("created_at"), period.source_q("source"))


NOT_TRIAGED = "not_triaged"
UNDECIDED = "undecided"
DECISIONS = frozenset(Decision.values)
CANCELLED = "cancelled"
NO_OUTCOME = "pending"


SLICE_DIMENSIONS = (
    "channel",
    "source",
    "decision",
    "call_type_id",
    "area_id",
    "incident_status",
    "incident_outcome",
)
ALL_DIMENSIONS = frozenset(SLICE_DIMENSIONS)
# The splits the dashboard needs (PostgreSQL counts them all in one pass with GROUPING SETS).
GROUPING_SETS = (
    ("channel",),
    ("source", "decision", "incident_status", "incident_outcome"),
    ("decision", "call_type_id", "incident_status", "incident_outcome"),
    ("area_id",),
)


@dataclass(frozen=True)
class Slice:
    """Contacts sharing a channel, source, triage decision (None: never triaged), call type,
    area and, when responders were sent, the incident's status and outcome. `grouping` names
    the dimensions this count is split by; the others are left out (None)."""

    channel: str | None
    source: str | None
    decision: str | None
    call_type_id: int | None
    area_id: int | None
    incident_status: str | None
    incident_outcome: str | None
    contacts: int
    grouping: frozenset = ALL_DIMENSIONS

    @property
    def triaged(self) -> bool:
        """A decision was taken (the denominator of the share handled without police)."""
        return self.decision in DECISIONS


def contact_slices(period: Period) -> list[Slice]:
    """The period's contacts counted by every dimension the dashboard splits them by, in one
    query whatever the number of contacts: on PostgreSQL one count per grouping set (a few dozen
    rows), elsewhere one count per combination of all dimensions."""
    columns = {
        "d_channel": F("channel"),
        "d_source": F("source"),
        "d_decision": F("triage__decision"),
        "d_call_type_id": F("triage__call_type_id"),
        "d_area_id": Coalesce("triage__area_id", "area_id"),
        "d_incident_status": F("triage__incident__status"),
        "d_incident_outcome": F("triage__incident__outcome"),
    }
    dimensions = contacts(period).annotate(**columns).values_list(*columns).order_by()
    if connection.vendor != "postgresql":
        return [Slice(*row) for row in dimensions.annotate(n=Count("pk"))]
    inner, params = dimensions.query.sql_with_params()
    names = [connection.ops.quote_name(name) for name in columns]
    sets = ", ".join(
        "(" + ", ".join(connection.ops.quote_name(f"d_{name}") for name in group) + ")"
        for group in GROUPING_SETS
    )
    # Django writes the inner query; the rest is made of constant names.
    sql = (
        f"SELECT {', '.join(names)}, GROUPING({', '.join(names)}), COUNT(*) "  # noqa: S608
        f"FROM ({inner}) AS contact GROUP BY GROUPING SETS ({sets})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(SLICE_DIMENSIONS)
    slices = []
    for *values, left_out, n in rows:
        grouping = frozenset(
            name for index, name in enumerate(SLICE_DIMENSIONS) if not left_out & (1 << (width - 1 - index))
        )
        slices.append(Slice(*values, contacts=n, grouping=grouping))
    return slices


def _split_by(slices: list[Slice], *dimensions: str) -> list[Slice]:
    """The slices of one split covering `dimensions` (the finest counts split every contact
    once; grouping sets give one split per set, and each contact is in each split once)."""
    wanted = set(dimensions)
    groupings = sorted({piece.grouping for piece in slices if wanted <= piece.grouping}, key=len)
    return [piece for piece in slices if groupings and piece.grouping == groupings[0]]


@dataclass
class WithoutPolice:
    """Share handled without police: triaged contacts with no 911 escalation and no police
    request, over all triaged contacts."""

    triaged: int = 0
    escalated_911: int = 0
    police_requested: int = 0  # incidents whose outcome was a police request (not escalated)

    @property
    def without_police(self) -> int:
        return self.triaged - self.escalated_911 - self.police_requested

    @property
    def rate(self) -> float | None:
        return share(self.without_police, self.triaged)


def channels_of(slices: list[Slice]) -> dict[str, int]:
    counts = dict.fromkeys(Intake.Channel.values, 0)
    for piece in _split_by(slices, "channel"):
        counts[piece.channel] = counts.get(piece.channel, 0) + piece.contacts
    return counts


def sources_of(slices: list[Slice]) -> dict[str, int]:
    """Contacts by where they came from (hotline call, text, transfer from 911, police or 311,
    partner, field-initiated)."""
    counts = dict.fromkeys(Intake.Source.values, 0)
    for piece in _split_by(slices, "source"):
        counts[piece.source] = counts.get(piece.source, 0) + piece.contacts
    return counts


def decisions_of(slices: list[Slice]) -> dict[str, int]:
    """Contacts by decision; UNDECIDED: claimed, nothing decided; NOT_TRIAGED: never claimed."""
    counts = dict.fromkeys([*Decision.values, UNDECIDED, NOT_TRIAGED], 0)
    for piece in _split_by(slices, "decision"):
        key = NOT_TRIAGED if piece.decision is None else (piece.decision or UNDECIDED)
        counts[key] += piece.contacts
    return counts


def _add_to_police_share(result: WithoutPolice, piece: Slice) -> None:
    if not piece.triaged:
        return
    result.triaged += piece.contacts
    if piece.decision == Decision.ESCALATE:
        result.escalated_911 += piece.contacts
    elif piece.incident_outcome == Incident.Outcome.POLICE_REQUESTED:
        result.police_requested += piece.contacts


def without_police_of(slices: list[Slice]) -> WithoutPolice:
    result = WithoutPolice()
    for piece in _split_by(slices, "decision", "incident_outcome"):
        _add_to_police_share(result, piece)
    return result


@dataclass
class SourceFigures:
    """The key figures of the contacts from one source."""

    source: str
    contacts: int = 0
    sent_responders: int = 0  # contacts whose triage decision was to send responders
    incidents: int = 0  # incidents opened from those contacts
    police: WithoutPolice = field(default_factory=WithoutPolice)
    time_to_answer: Stats = field(default_factory=Stats)  # of the calls that became these contacts
    on_scene: Stats = field(default_factory=Stats)  # dispatch to the first responder on scene

    @property
    def triaged(self) -> int:
        return self.police.triaged


def source_figures_of(slices: list[Slice], *, sources: tuple[str, ...] = ()) -> dict[str, SourceFigures]:
    """Contacts, triaged, sent responders, incidents and the police share per source (every
    source, or those given, in Intake.Source order), from the same pass as the other splits."""
    figures = {source: SourceFigures(source) for source in sources or Intake.Source.values}
    for piece in _split_by(slices, "source", "decision", "incident_status", "incident_outcome"):
        row = figures.get(piece.source)
        if row is None:
            continue
        row.contacts += piece.contacts
        if piece.decision == Decision.SEND_RESPONDERS:
            row.sent_responders += piece.contacts
        if piece.incident_status is not None:
            row.incidents += piece.contacts
        _add_to_police_share(row.police, piece)
    return figures


@dataclass(frozen=True)
class Row:
    key: object
    label: str
    count: int


def call_types_of(slices: list[Slice]) -> list[Row]:
    """Triaged contacts by call type, most frequent first; "none recorded" last."""
    counts: dict[int | None, int] = {}
    for piece in _split_by(slices, "decision", "call_type_id"):
        if piece.triaged:
            counts[piece.call_type_id] = counts.get(piece.call_type_id, 0) + piece.contacts
    language = pick_language(get_language())
    names = {
        pk: local or english
        for pk, english, local in CallType.objects.filter(pk__in=[pk for pk in counts if pk]).values_list(
            "pk", "name_en", f"name_{language}"
        )
    }
    rows = [Row(pk, names.get(pk, "") if pk else "", n) for pk, n in counts.items()]
    return sorted(rows, key=lambda row: (row.key is None, -row.count, row.label))


def outcomes_of(slices: list[Slice]) -> dict[str, int]:
    """Incidents by recorded outcome; cancelled ones and those still without an outcome apart."""
    counts = dict.fromkeys([*Incident.Outcome.values, CANCELLED, NO_OUTCOME], 0)
    for piece in _split_by(slices, "incident_status", "incident_outcome"):
        if piece.incident_status is None:
            continue
        if piece.incident_outcome:
            counts[piece.incident_outcome] += piece.contacts
        elif piece.incident_status == Incident.Status.CANCELLED:
            counts[CANCELLED] += piece.contacts
        else:
            counts[NO_OUTCOME] += piece.contacts
    return counts


@dataclass(frozen=True)
class AreaRow:
    area_id: int | None
    label: str
    contacts: int
    in_service_area: bool


def areas_of(slices: list[Slice], *, service_area_ids: set[int]) -> list[AreaRow]:
    """Contacts by area (the dispatcher's, else the hotline's); every service area listed,
    service areas first, then the others, then contacts with no area."""
    counts: dict[int | None, int] = {}
    for piece in _split_by(slices, "area_id"):
        counts[piece.area_id] = counts.get(piece.area_id, 0) + piece.contacts
    wanted = {pk for pk in counts if pk is not None} | service_area_ids
    names = dict(Area.objects.filter(pk__in=wanted).values_list("pk", "name"))
    rows = [AreaRow(pk, names.get(pk, ""), counts.get(pk, 0), pk in service_area_ids) for pk in wanted]
    rows.sort(key=lambda row: (not row.in_service_area, -row.contacts, row.label))
    if counts.get(None):
        rows.append(AreaRow(None, "", counts[None], False))
    return rows


# --------------------------------------------------------------------------------------------
# Calls: answering and callbacks, in one pass over the period's inbound calls


@dataclass
class Answering:
    """Inbound calls and how fast a volunteer answered them."""

    calls: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Call.Outcome.values, 0))
    # seconds -> calls a volunteer answered by then
    within: dict[int, int] = field(
        default_factory=lambda: {seconds: 0 for seconds, _target in ANSWER_TARGETS}
    )
    time_to_answer: Stats = field(default_factory=Stats)

    @property
    def answered(self) -> int:
        return self.outcomes[Call.Outcome.ANSWERED]

    def within_share(self, seconds: int) -> float | None:
        return share(self.within.get(seconds, 0), self.calls)

    def outcome_share(self, outcome: str) -> float | None:
        return share(self.outcomes[outcome], self.calls)


@dataclass
class Callbacks:
    """Voicemails left and how fast someone called the person back."""

    voicemails: int = 0
    called_back: int = 0
    within_hour: int = 0
    time_to_callback: Stats = field(default_factory=Stats)

    @property
    def called_back_share(self) -> float | None:
        return share(self.called_back, self.voicemails)

    @property
    def within_hour_share(self) -> float | None:
        return share(self.within_hour, self.voicemails)


def calls(period: Period) -> tuple[Answering, Callbacks]:
    """Inbound calls that started in the period.

    Answering: calls by outcome; answered by a volunteer within 15 and 20 seconds (of all
    inbound calls); time to answer, from the call reaching the hotline (the safety message and
    the language menu included) to a volunteer accepting it.

    Callbacks: calls that left a voicemail; the call back is the first callback call to the
    voicemail's intake, measured from the end of the caller's call (its start when no end was
    recorded).
    """
    inbound = Call.objects.filter(
        period.q("started_at"), period.source_q("intake__source"), direction=Call.Direction.INBOUND
    )
    answered = Q(outcome=Call.Outcome.ANSWERED, answered_at__isnull=False)
    timed = inbound.annotate(
        _to_answer=elapsed("answered_at", "started_at"), _answer=seconds_between("answered_at", "started_at")
    )
    # Grouped by outcome: one pass, a handful of rows.
    per_outcome = (
        timed.values("outcome")
        .annotate(
            calls=Count("pk"),
            **{
                f"within_{seconds}": Count(
                    "pk", filter=answered & Q(_to_answer__lte=timedelta(seconds=seconds))
                )
                for seconds, _target in ANSWER_TARGETS
            },
            **(duration_aggregates("answer", "_answer", answered) if database_percentiles() else {}),
        )
        .order_by()
    )
    answering = Answering()
    for row in per_outcome:
        answering.calls += row["calls"]
        answering.outcomes[row["outcome"]] = answering.outcomes.get(row["outcome"], 0) + row["calls"]
        if row["outcome"] == Call.Outcome.ANSWERED:
            answering.within = {seconds: row[f"within_{seconds}"] for seconds, _target in ANSWER_TARGETS}
            if database_percentiles():
                answering.time_to_answer = stats_of(row, "answer")
    if not database_percentiles():
        _row, stats = aggregate(
            inbound, durations={"answer": (seconds_between("answered_at", "started_at"), answered)}
        )
        answering.time_to_answer = stats["answer"]

    # A second, small pass over the voicemails, each with its first callback (grouped per
    # voicemail, so that every figure below reads it once).
    callback = Q(
        intake__callbacks__direction=Call.Direction.OUTBOUND,
        intake__callbacks__started_at__gte=F("started_at"),
    )
    voicemails = inbound.filter(outcome=Call.Outcome.VOICEMAIL).annotate(
        _left_at=Coalesce("ended_at", "started_at"),
        _called_back_at=Min("intake__callbacks__started_at", filter=callback),
    )
    row, stats = aggregate(
        voicemails,
        counts={
            "voicemails": Count("pk"),
            "called_back": Count("pk", filter=Q(_called_back_at__isnull=False)),
            "within_hour": Count("pk", filter=Q(_called_back_at__lte=F("_left_at") + timedelta(hours=1))),
        },
        durations={"callback": (seconds_between("_called_back_at", "_left_at"), None)},
    )
    callbacks = Callbacks(
        voicemails=row["voicemails"],
        called_back=row["called_back"],
        within_hour=row["within_hour"],
        time_to_callback=stats["callback"],
    )
    return answering, callbacks


# --------------------------------------------------------------------------------------------
# Incidents


RESPONSE_STEPS = ("decision", "acknowledged", "en_route", "on_scene", "cleared")


@dataclass
class ResponseChain:
    """Incidents of the period and the time each step of the response took."""

    incidents: int = 0
    steps: dict[str, Stats] = field(default_factory=lambda: {step: Stats() for step in RESPONSE_STEPS})
    # source -> step -> figures of the incidents from that source's contacts (steps they reached)
    by_source: dict[str, dict[str, Stats]] = field(default_factory=dict)


def incidents(period: Period) -> QuerySet[Incident]:
    return Incident.objects.filter(
        period.q("triage__intake__created_at"), period.source_q("triage__intake__source")
    )


def response_chain(period: Period) -> ResponseChain:
    """For incidents opened from contacts of the period: call start to the dispatch decision,
    then dispatch to the first acknowledgement, to the first en route, on scene and cleared;
    and the same per source of the incident's contact (`ResponseChain.by_source`).

    Django writes the per-incident query (one row per incident: its source and the seconds each
    step took). On PostgreSQL one query around it takes the counts and percentiles over all
    incidents and per source at once (GROUPING SETS); elsewhere they are interpolated here
    from the fetched rows."""
    kinds = {
        "acknowledged": IncidentEvent.Kind.ACCEPTED,
        "en_route": IncidentEvent.Kind.EN_ROUTE,
        "on_scene": IncidentEvent.Kind.ON_SCENE,
        "cleared": IncidentEvent.Kind.CLEARED,
    }
    firsts = {step: Min("events__created_at", filter=Q(events__kind=kind)) for step, kind in kinds.items()}
    # One value per incident; as aggregates they keep the grouping to the incident.
    seconds = {"decision": seconds_between("_decided", "_call_start")}
    seconds.update({step: seconds_between(f"_first_{step}", "_opened") for step in kinds})
    per_incident = (
        incidents(period)
        .values("pk")
        .annotate(
            _source=Min("triage__intake__source"),
            _call_start=Min(Coalesce("triage__intake__call__started_at", "triage__intake__created_at")),
            _decided=Min("triage__decided_at"),
            _opened=Min("opened_at"),
            **{f"_first_{step}": expr for step, expr in firsts.items()},
        )
        .annotate(**{f"_s_{step}": expr for step, expr in seconds.items()})
        .values_list("_source", *(f"_s_{step}" for step in RESPONSE_STEPS))
        .order_by()
    )
    chain = ResponseChain()
    if not database_percentiles():
        rows = list(per_incident)
        chain.incidents = len(rows)
        for index, step in enumerate(RESPONSE_STEPS, start=1):
            values = [row[index] for row in rows if row[index] is not None]
            chain.steps[step] = Stats(len(values), *percentiles_of(values, FRACTIONS))
            for source in {row[0] for row in rows}:
                mine = [row[index] for row in rows if row[0] == source and row[index] is not None]
                if mine:
                    chain.by_source.setdefault(source, {})[step] = Stats(
                        len(mine), *percentiles_of(mine, FRACTIONS)
                    )
        return chain
    inner, params = per_incident.query.sql_with_params()
    fractions = ", ".join(repr(float(fraction)) for fraction in FRACTIONS)
    columns = ", ".join(
        f"COUNT({step}), PERCENTILE_CONT(ARRAY[{fractions}]::double precision[]) WITHIN GROUP (ORDER BY {step})"
        for step in RESPONSE_STEPS
    )
    # Django writes the inner query; the rest is constant text (the fractions are ours).
    sql = (
        f"SELECT GROUPING(source), source, COUNT(*), {columns} "  # noqa: S608
        f"FROM ({inner}) AS incident (source, {', '.join(RESPONSE_STEPS)}) "
        "GROUP BY GROUPING SETS ((), (source))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for all_sources, source, count, *figures in rows:
        steps = {
            step: Stats(figures[2 * index], *(figures[2 * index + 1] or (None,) * len(FRACTIONS)))
            for index, step in enumerate(RESPONSE_STEPS)
        }
        if all_sources:
            chain.incidents, chain.steps = count, steps
        else:
            chain.by_source[source] = {step: stats for step, stats in steps.items() if stats.count}
    return chain


def answer_times_by_source(period: Period) -> dict[str, Stats]:
    """Time to answer (as in `calls`) of the calls a volunteer answered, by the source of the
    contact each call became."""
    answered = Call.objects.filter(
        period.q("started_at"),
        period.source_q("intake__source"),
        direction=Call.Direction.INBOUND,
        outcome=Call.Outcome.ANSWERED,
        answered_at__isnull=False,
        intake__isnull=False,
    )
    return stats_by(answered, group="intake__source", seconds=seconds_between("answered_at", "started_at"))


@dataclass(frozen=True)
class ReferralRow:
    partner_id: int
    partner: str
    from_triage: int
    from_incident: int

    @property
    def total(self) -> int:
        return self.from_triage + self.from_incident


def referrals_by_partner(period: Period) -> list[ReferralRow]:
    """Referrals made for contacts of the period, by partner, at triage or as an incident outcome."""
    rows = (
        Referral.objects.filter(
            (period.q("triage__intake__created_at") & period.source_q("triage__intake__source"))
            | (
                period.q("incident__triage__intake__created_at")
                & period.source_q("incident__triage__intake__source")
            )
        )
        .values_list("partner_id", "partner__name")
        .annotate(
            from_triage=Count("pk", filter=Q(incident__isnull=True)),
            from_incident=Count("pk", filter=Q(incident__isnull=False)),
        )
        .order_by()
    )
    result = [ReferralRow(*row) for row in rows]
    return sorted(result, key=lambda row: (-row.total, row.partner))


@dataclass
class RepeatCallers:
    numbers: int = 0  # caller numbers with 3 or more contacts in some 30 days of the period
    contacts: int = 0  # all contacts of the period from those numbers
    total_contacts: int = 0

    @property
    def contacts_share(self) -> float | None:
        return share(self.contacts, self.total_contacts)


def repeat_callers(period: Period, *, total_contacts: int = 0) -> RepeatCallers:
    """Numbers with 3 or more contacts within 30 days (all inside the period), in one pass.

    A contact whose number had two more contacts in the 30 days before it marks the number:
    the contact two before it (LAG 2 by number) is at most 30 days older. Django writes the
    marking query; the two sums over the numbers around it are plain SQL any database runs.
    """
    two_before = Window(
        Lag("created_at", REPEAT_CONTACTS - 1), partition_by=F("caller"), order_by=F("created_at").asc()
    )
    window_start = ExpressionWrapper(F("created_at") - REPEAT_WINDOW, output_field=DateTimeField())
    marked = Case(When(GreaterThanOrEqual(two_before, window_start), then=Value(1)), default=Value(0))
    inner, params = (
        contacts(period)
        .exclude(caller="")
        .annotate(_marks=marked)
        .values_list("caller", "_marks")
        .order_by()
        .query.sql_with_params()
    )
    sql = (
        "SELECT COALESCE(SUM(marked), 0), COALESCE(SUM(marked * contacts), 0) FROM ("  # noqa: S608
        "SELECT COUNT(*) AS contacts, MAX(_marks) AS marked "
        f"FROM ({inner}) AS contact GROUP BY caller) AS per_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        numbers, repeat_contacts = cursor.fetchone()
    return RepeatCallers(numbers=int(numbers), contacts=int(repeat_contacts), total_contacts=total_contacts)


# --------------------------------------------------------------------------------------------
# When and where


def heatmap(period: Period) -> list[list[int]]:
    """Contacts per local weekday (rows, Monday first) and local hour (columns) of opening."""
    if connection.vendor == "postgresql":
        return _heatmap_from_buckets(period)
    zone = local_zone()
    grid = [[0] * 24 for _ in WEEKDAYS]
    slot = Cast(
        (ExtractIsoWeekDay("created_at", tzinfo=zone) - 1) * 24 + ExtractHour("created_at", tzinfo=zone),
        output_field=IntegerField(),
    )
    rows = contacts(period).annotate(_slot=slot).values_list("_slot").annotate(n=Count("pk")).order_by()
    for value, n in rows:
        grid[value // 24][value % 24] += n
    return grid


def _heatmap_from_buckets(period: Period) -> list[list[int]]:
    """PostgreSQL: count contacts per hour of absolute time (no per-row time-zone conversion),
    then place each hour in its local weekday and hour here. Exact when the zone's offsets are
    whole hours during the period (DST changes then fall on whole hours too); otherwise, as in
    Nepal or India, counted again in quarter-hours, which every offset in use divides."""
    zone = local_zone()
    for minutes in (60, 15):
        counts = (
            contacts(period)
            .annotate(_bucket=TimeBucket("created_at", minutes=minutes))
            .values_list("_bucket")
            .annotate(n=Count("pk"))
            .order_by()
        )
        grid = [[0] * 24 for _ in WEEKDAYS]
        exact = True
        for bucket, n in counts:
            local = bucket.astimezone(zone)
            if minutes == 60 and local.minute:
                exact = False
                break
            grid[local.weekday()][local.hour] += n
        if exact:
            return grid
    raise AssertionError("unreachable: quarter-hour buckets are always exact")


# --------------------------------------------------------------------------------------------
# Volunteers


@dataclass(frozen=True)
class RoleRow:
    role: str
    on_roster: int  # active volunteers holding the role
    served: int  # of them (or anyone) attended at least one shift of the role in the period
    shifts_attended: int
    no_shows: int
    hours: float


@dataclass
class VolunteerActivity:
    active: int = 0
    served: int = 0  # distinct volunteers who attended any shift in the period
    hours: float = 0.0
    roles: list[RoleRow] = field(default_factory=list)


ROLE_GROUPS = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}


def volunteer_activity(period: Period) -> VolunteerActivity:
    """Volunteers by role: on the roster (active, approved for it) and serving in the period
    (attended shifts that started in it), with the hours of those shifts."""
    active = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
    roster = active.aggregate(
        active=Count("pk", distinct=True),
        **{
            role: Count("pk", distinct=True, filter=Q(user__groups__name=group))
            for role, group in ROLE_GROUPS.items()
        },
    )
    assignments = ShiftAssignment.objects.filter(period.q("shift__starts_at"))
    attended = Q(status=ShiftAssignment.Status.ATTENDED)
    length = elapsed("shift__ends_at", "shift__starts_at")
    per_role = {
        role: (volunteers, shifts, no_shows, hours)
        for role, volunteers, shifts, no_shows, hours in assignments.values_list("shift__role")
        .annotate(
            volunteers=Count("volunteer", distinct=True, filter=attended),
            shifts=Count("pk", filter=attended),
            no_shows=Count("pk", filter=Q(status=ShiftAssignment.Status.NO_SHOW)),
            hours=Sum(length, filter=attended),
        )
        .order_by()
    }
    total = assignments.filter(attended).aggregate(
        volunteers=Count("volunteer", distinct=True), hours=Sum(length)
    )
    result = VolunteerActivity(
        active=roster["active"], served=total["volunteers"], hours=_hours(total["hours"])
    )
    for role in ShiftRole.values:
        volunteers, shifts, no_shows, hours = per_role.get(role, (0, 0, 0, None))
        result.roles.append(
            RoleRow(
                role=role,
                on_roster=roster[role],
                served=volunteers,
                shifts_attended=shifts,
                no_shows=no_shows,
                hours=_hours(hours),
            )
        )
    return result


def _hours(duration: timedelta | None) -> float:
    return duration.total_seconds() / 3600 if duration else 0.0


@dataclass
class Coverage:
    """Operating hours (until now) of the period, and those that met the minimum staffing."""

    open_hours: float = 0.0
    met_hours: dict[str, float] = field(default_factory=dict)  # per role with a target, and "all"
    targets: dict[str, int] = field(default_factory=dict)

    def rate(self, key: str) -> float | None:
        return share(self.met_hours.get(key, 0.0), self.open_hours)


ALL_ROLES = "all"


def shift_coverage(period: Period, *, targets: dict[str, int], now: datetime | None = None) -> Coverage:
    """Share of the hotline's hours of operation, from the period's start until now, during
    which every role with a target had at least that many people booked on shift (booked or
    attended; cancelled and no-show places do not count)."""
    now = now or timezone.now()
    start, end = period.start, min(period.end, now)
    targets = {role: n for role, n in targets.items() if n > 0}
    coverage = Coverage(targets=targets)
    if end <= start:
        return coverage
    intervals = open_intervals(start=start, end=end)
    shifts = (
        Shift.objects.filter(starts_at__lt=end, ends_at__gt=start, role__in=list(targets))
        .annotate(staffed=Count("assignments", filter=Q(assignments__status__in=ShiftAssignment.HOLDING)))
        .values_list("role", "starts_at", "ends_at", "staffed")
    )
    events: list[tuple[datetime, str, int]] = []
    for role, starts_at, ends_at, staffed in shifts:
        if staffed:
            events += [(starts_at.astimezone(UTC), role, staffed), (ends_at.astimezone(UTC), role, -staffed)]
    events.sort(key=lambda event: event[0])
    points = sorted(
        {t for interval in intervals for t in interval} | {t for t, _r, _d in events if start < t < end}
    )
    levels = dict.fromkeys(targets, 0)
    met = dict.fromkeys([*targets, ALL_ROLES], 0.0)
    open_seconds = 0.0
    next_event = 0
    interval_index = 0
    for begin, finish in pairwise(points):
        while next_event < len(events) and events[next_event][0] <= begin:
            _t, role, delta = events[next_event]
            levels[role] += delta
            next_event += 1
        while interval_index < len(intervals) and intervals[interval_index][1] <= begin:
            interval_index += 1
        if interval_index == len(intervals) or intervals[interval_index][0] > begin:
            continue  # closed
        seconds = (finish - begin).total_seconds()
        open_seconds += seconds
        for role, target in targets.items():
            if levels[role] >= target:
                met[role] += seconds
        if targets and all(levels[role] >= target for role, target in targets.items()):
            met[ALL_ROLES] += seconds
    coverage.open_hours = open_seconds / 3600
    coverage.met_hours = {key: seconds / 3600 for key, seconds in met.items()}
    return coverage


@dataclass(frozen=True)
class TrainingRow:
    module_id: int
    title: str
    completed: int  # completions recorded in the period
    current: int  # active volunteers holding a valid completion on the reference day
    expired: int  # completions expiring in the period (up to the reference day), not renewed
    expiring_soon: int  # valid on the reference day, expiring within 30 days after, not renewed


@dataclass
class Training:
    reference_day: date
    active_volunteers: int
    modules: list[TrainingRow]

    def current_share(self, row: TrainingRow) -> float | None:
        return share(row.current, self.active_volunteers)


def training(period: Period, *, today: date | None = None) -> Training:
    """Per active module: completions in the period, volunteers current on the period's last
    day (today if earlier), expiries in the period and in the 30 days after, without renewal."""
    today = today or timezone.localdate(timezone=local_zone())
    day = min(period.last_day, today)
    renewed = TrainingCompletion.objects.filter(
        volunteer=OuterRef("volunteer"), module=OuterRef("module"), completed_on__gt=OuterRef("completed_on")
    )
    active = Q(volunteer__status=Volunteer.Status.ACTIVE)
    valid = Q(completed_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gt=day))
    rows = {
        module_id: (completed, current, expired, soon)
        for module_id, completed, current, expired, soon in TrainingCompletion.objects.filter(
            module__is_active=True
        )
        .annotate(_renewed=Exists(renewed))
        .values_list("module_id")
        .annotate(
            completed=Count("pk", filter=period.day_q("completed_on")),
            current=Count("volunteer", distinct=True, filter=valid & active),
            expired=Count(
                "pk",
                filter=Q(expires_on__gte=period.first_day, expires_on__lte=day, _renewed=False),
            ),
            soon=Count(
                "pk",
                filter=valid & active & Q(expires_on__lte=day + timedelta(days=30), _renewed=False),
            ),
        )
        .order_by()
    }
    modules = [
        TrainingRow(pk, title, *rows.get(pk, (0, 0, 0, 0)))
        for pk, title in TrainingModule.objects.filter(is_active=True)
        .order_by("title")
        .values_list("pk", "title")
    ]
    active_count = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE).count()
    return Training(reference_day=day, active_volunteers=active_count, modules=modules)


# --------------------------------------------------------------------------------------------
# The whole dashboard


_executor_lock = threading.Lock()
_executors: dict[int, ThreadPoolExecutor] = {}


def _executor(threads: int) -> ThreadPoolExecutor:
    with _executor_lock:
        if threads not in _executors:
            _executors[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pilot-metrics")
        return _executors[threads]


def staffing_targets(pilot: PilotSettings | None) -> dict[str, int]:
    """Target people on shift per role; without a pilot, one dispatcher."""
    if pilot is None:
        return {ShiftRole.DISPATCHER: 1, ShiftRole.RESPONDER: 0}
    return {ShiftRole.DISPATCHER: pilot.min_dispatchers, ShiftRole.RESPONDER: pilot.min_responders}


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
        "_calls",
        "heatmap",
        "_answer_by_source",
    )
    # A few small queries each (volunteers, shifts, training).
    LIGHT = ("volunteers", "coverage", "training")

    def __init__(self, *, period: Period, pilot: PilotSettings | None, now: datetime | None = None):
        self.period = period
        self.pilot = pilot
        self.now = now or timezone.now()

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
