"""Response times of incidents: from the call to the dispatch decision, then from dispatch
to the first acknowledgement, en route, on scene and cleared, over all incidents and per source.

`response_chain` is one query (two on SQLite); `Metrics.chain` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Min, Q, QuerySet
from django.db.models.functions import Coalesce

from assessment.pilot import db
from assessment.pilot.db import percentiles_of, seconds_between
from assessment.pilot.selectors.durations import FRACTIONS, Stats
from assessment.pilot.selectors.periods import Period
from dispatch.models import Incident, IncidentEvent

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
    if not db.database_percentiles():
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
