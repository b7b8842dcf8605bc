"""Contacts (hotline intakes) of a period: volume by channel, source, call type and area.

One grouped pass over the period's contacts (`contact_slices`) splits them every way the
dashboard needs; the other sections (outcomes, police share, figures per source) fold their
counts from the same slices with `split_by`. `Metrics` in `assessment.pilot.selectors.metrics`
runs the pass once per dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from assessment.pilot.selectors.periods import Period
from dispatch.models import CallType, Decision, pick_language
from hotline.models import CallTransfer, Intake
from volunteers.models import Area


def contacts(period: Period) -> QuerySet[Intake]:
    return Intake.objects.filter(period.q("created_at"), period.source_q("source"))


DECISIONS = frozenset(Decision.values)


SLICE_DIMENSIONS = (
    "channel",
    "source",
    "decision",
    "call_type_id",
    "area_id",
    "incident_status",
    "incident_outcome",
    "transferred_911",
)
ALL_DIMENSIONS = frozenset(SLICE_DIMENSIONS)
# The splits the dashboard needs (PostgreSQL counts them all in one pass with GROUPING SETS).
GROUPING_SETS = (
    ("channel",),
    ("source", "decision", "incident_status", "incident_outcome", "transferred_911"),
    ("decision", "call_type_id", "incident_status", "incident_outcome", "transferred_911"),
    ("area_id",),
)


@dataclass(frozen=True)
class Slice:
    """Contacts sharing a channel, source, triage decision (None: never triaged), call type,
    area, when responders were sent the incident's status and outcome, and whether the call was
    warm-transferred to 911. `grouping` names
    the dimensions this count is split by; the others are left out (None)."""

    channel: str | None
    source: str | None
    decision: str | None
    call_type_id: int | None
    area_id: int | None
    incident_status: str | None
    incident_outcome: str | None
    transferred_911: bool | None  # the call was bridged to 911 and 911 answered
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
        "d_transferred_911": Exists(
            CallTransfer.objects.filter(
                call_id=OuterRef("call_id"),
                target=CallTransfer.Target.EMERGENCY,
                outcome=CallTransfer.Outcome.ANSWERED,
            )
        ),
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


def split_by(slices: list[Slice], *dimensions: str) -> list[Slice]:
    """The slices of one split covering `dimensions` (the finest counts split every contact
    once; grouping sets give one split per set, and each contact is in each split once)."""
    wanted = set(dimensions)
    groupings = sorted({piece.grouping for piece in slices if wanted <= piece.grouping}, key=len)
    return [piece for piece in slices if groupings and piece.grouping == groupings[0]]


def channels_of(slices: list[Slice]) -> dict[str, int]:
    counts = dict.fromkeys(Intake.Channel.values, 0)
    for piece in split_by(slices, "channel"):
        counts[piece.channel] = counts.get(piece.channel, 0) + piece.contacts
    return counts


def sources_of(slices: list[Slice]) -> dict[str, int]:
    """Contacts by where they came from (hotline call, text, transfer from 911, police or 311,
    partner, field-initiated)."""
    counts = dict.fromkeys(Intake.Source.values, 0)
    for piece in split_by(slices, "source"):
        counts[piece.source] = counts.get(piece.source, 0) + piece.contacts
    return counts


@dataclass(frozen=True)
class Row:
    key: object
    label: str
    count: int


def call_types_of(slices: list[Slice]) -> list[Row]:
    """Triaged contacts by call type, most frequent first; "none recorded" last."""
    counts: dict[int | None, int] = {}
    for piece in split_by(slices, "decision", "call_type_id"):
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
    for piece in split_by(slices, "area_id"):
        counts[piece.area_id] = counts.get(piece.area_id, 0) + piece.contacts
    wanted = {pk for pk in counts if pk is not None} | service_area_ids
    names = dict(Area.objects.filter(pk__in=wanted).values_list("pk", "name"))
    rows = [AreaRow(pk, names.get(pk, ""), counts.get(pk, 0), pk in service_area_ids) for pk in wanted]
    rows.sort(key=lambda row: (not row.in_service_area, -row.contacts, row.label))
    if counts.get(None):
        rows.append(AreaRow(None, "", counts[None], False))
    return rows
