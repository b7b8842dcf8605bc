"""The statements of the fast path that store an import, from the staging table of text:

1. `typed`: every staged row cast, cleaned (the value maps) and joined (call types, times fixed
   in Python) once, into a temporary table;
2. `aggregates`: the pre-aggregated tables from that table, then the counts the report needs;
3. `calls`: the calls themselves.

Measured (docs/benchmarks.md#import_cfs): storing the calls costs most (a heap row, a WAL
record and a primary-key entry per call), then casting the text and the aggregates, about equal.
Separate statements time each part (the phases `typed_rows`, `aggregates`, `insert_calls`); one
statement holding the typed rows in a common table expression measured the same.
"""

# SQL below interpolates only table names made by the loader (random hex), column names
# "c<number>" and fixed fragments; every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assessment.cfs import presets, scene
from assessment.cfs.fastload.eligibility import CANONICAL

# column(field) -> "c<number>" of the staging table, or None when the file has no such column.
Column = Callable[[str], str | None]


@dataclass(frozen=True)
class Statements:
    """The fast path's three statements, in the order they run."""

    typed: str  # the staged rows cast, cleaned and joined once, into a temporary table
    aggregates: str  # the pre-aggregated tables, then the counts the import report needs
    calls: str  # the calls, converted to UTC in the session's time zone (the import's)


def store_sql(
    *, raw: str, typed: str, types: str, fix: str | None, maps: dict[str, str], column: Column, received: str
) -> Statements:
    """The statements, with parameters %(offset)s (the header's line; `typed`) and %(dataset)s.
    `received` is the received time's text (`FastLoader._received`), `fix` the table of times
    parsed in Python (None when every time was canonical), `maps` the value-cleaning tables per
    column. The calls statement converts local times with the session's time zone, which the
    caller sets to the import's."""
    code, description = column(presets.CODE), column(presets.DESCRIPTION)
    joins = [
        f"JOIN {types} m ON "
        + " AND ".join(
            [f"m.code = r.{code}"] * bool(code) + [f"m.description = r.{description}"] * bool(description)
        )
    ]
    if fix is not None:
        joins.append(f"LEFT JOIN {fix} f ON f.ord = r.ord")
        local = f"CASE WHEN f.ord IS NULL THEN {received}::timestamp ELSE f.local_ts END"
        where = "WHERE f.ord IS NULL OR f.local_ts IS NOT NULL"
    else:
        local = f"{received}::timestamp"
        where = ""

    def value(name: str) -> str:
        staged = column(name)
        if staged is None:
            return "''"
        table = maps.get(staged)
        if table is None:
            return f"r.{staged}"
        alias = f"v_{staged}"
        joins.append(f"LEFT JOIN {table} {alias} ON {alias}.raw = r.{staged}")
        return f"coalesce({alias}.clean, r.{staged})"

    area, priority, disposition = value(presets.AREA), value(presets.PRIORITY), value(presets.DISPOSITION)
    source = value(presets.SOURCE)
    latitude, longitude = column(presets.LATITUDE), column(presets.LONGITUDE)
    if latitude and longitude:
        # Python: both parse as numbers, in range, neither 0 (what exports write for "no coordinate"); else both null.
        # Text that is not a number fails the cast: the statement fails and the Python path runs.
        point = (
            f"CASE WHEN r.{latitude} <> '' AND r.{longitude} <> '' THEN r.{latitude}::float8 END AS la, "
            f"CASE WHEN r.{latitude} <> '' AND r.{longitude} <> '' THEN r.{longitude}::float8 END AS lo"
        )
        valid = "(la BETWEEN -90 AND 90 AND lo BETWEEN -180 AND 180 AND la <> 0 AND lo <> 0)"
        lat_out, lon_out = f"CASE WHEN {valid} THEN la END", f"CASE WHEN {valid} THEN lo END"
    else:
        point = "NULL::float8 AS la, NULL::float8 AS lo"
        lat_out = lon_out = "NULL::float8"
    laterals, raw_scene, units, unreadable = scene_sql(column=column, local=local)
    typed_sql = (
        f"CREATE TEMPORARY TABLE {typed} ON COMMIT DROP AS"
        f" SELECT (r.ord + %(offset)s)::integer AS line, m.type_id, {local} AS local_ts,"
        f"  {area} AS area, {priority} AS priority, {disposition} AS disposition, {source} AS source, {point},"
        f"  {raw_scene} AS raw_scene,"
        f"  CASE WHEN {raw_scene} BETWEEN 0 AND {scene.MAX_SCENE_SECONDS} THEN ({raw_scene})::integer END AS scene,"
        f"  {units} AS units, {unreadable} AS unreadable"
        f" FROM {raw} r {' '.join(joins)}{laterals} {where}"
    )
    aggregates = (
        f"WITH {aggregates_sql(rows=typed, scene_sets=bool(column(presets.CLEARED)))}"
        " SELECT count(*), min(local_ts), max(local_ts), count(scene), count(*) FILTER (WHERE raw_scene < 0),"
        f" count(*) FILTER (WHERE raw_scene > {scene.MAX_SCENE_SECONDS}), count(*) FILTER (WHERE unreadable)"
        f" FROM {typed}"
    )
    calls = (
        "INSERT INTO assessment_cfscall"
        " (dataset_id, line, call_type_id, received_at, area, priority, disposition, latitude, longitude,"
        " source_kind, scene_seconds, units)"
        # A plain cast reads the local time in the session's zone, as AT TIME ZONE does, without
        # looking the zone up for every row (0.11 s instead of 0.25 s per million rows, measured).
        " SELECT %(dataset)s, line, type_id, local_ts::timestamptz, area, priority, disposition,"
        f"  {lat_out}, {lon_out}, source, scene, units FROM {typed}"
    )
    return Statements(typed=typed_sql, aggregates=aggregates, calls=calls)


def scene_sql(*, column: Callable[[str], str | None], local: str) -> tuple[str, str, str, str]:
    """(lateral joins, raw seconds on scene, units, unreadable) for the typed rows, as
    `scene.SceneClock` reads the values; no joins and NULLs without a clear time column.

    Each value is classified once (blank, a canonical date-time, a canonical time of day,
    or anything else: unreadable here, and the file then takes the Python path) with LIKE
    and digit checks, cheaper than regular expressions over millions of rows."""
    cleared = column(presets.CLEARED)
    units_column = column(presets.UNITS)
    if units_column:
        digits = f"btrim(r.{units_column}, E' \\t')"
        units = (
            f"CASE WHEN {digits} <> '' AND length({digits}) <= 9 AND translate({digits}, '0123456789', '') = '' "
            f"AND {digits}::bigint BETWEEN 1 AND {scene.MAX_UNITS} THEN {digits}::smallint END"
        )
    else:
        units = "NULL::smallint"
    if cleared is None:
        return "", "NULL::float8", units, "FALSE"
    rollover = int(scene.ROLLOVER.total_seconds())
    dispatched, arrived = column(presets.DISPATCHED), column(presets.ARRIVED)
    received = column(presets.RECEIVED)

    def kind(column: str) -> str:
        """0 blank, 1 "YYYY-MM-DD HH:MM:SS", 2 "HH:MM" or "HH:MM:SS", 3 anything else."""
        v = f"r.{column}"
        return (
            f"CASE WHEN {v} = '' THEN 0"
            f" WHEN {CANONICAL.format(t=v)} AND translate({v}, '0123456789', '') = '-- ::' THEN 1"
            f" WHEN ({v} LIKE '__:__' OR {v} LIKE '__:__:__')"
            f" AND translate({v}, '0123456789', '') IN (':', '::')"
            f" AND left({v}, 2) COLLATE \"C\" < '24' AND substr({v}, 4, 2) COLLATE \"C\" < '60'"
            f" AND (length({v}) = 5 OR substr({v}, 7, 2) COLLATE \"C\" < '60') THEN 2 ELSE 3 END"
        )

    def moment(column: str, alias: str, anchor: str) -> str:
        v = f"r.{column}"
        on_day = f"(({local})::date + {v}::time)"
        return (
            f"CASE {alias}.k WHEN 1 THEN {v}::timestamp WHEN 2 THEN {on_day} + greatest(0, ceil(extract(epoch "
            f"FROM (({anchor}) - interval '{rollover} seconds' - {on_day})) / 86400))::int * interval '1 day' END"
        )

    joins = []
    checks = []
    columns = [("kc", cleared)]
    if arrived:
        columns.append(("ka", arrived))
    if dispatched is not None and dispatched != received:
        columns.append(("kd", dispatched))
    for alias, column in columns:
        joins.append(f" CROSS JOIN LATERAL (SELECT {kind(column)} AS k OFFSET 0) {alias}")
        checks.append(f"{alias}.k = 3")
    if dispatched is not None and dispatched == received:
        dispatch_sql = f"({local})"
    elif dispatched is not None:
        dispatch_sql = moment(dispatched, "kd", local)
    else:
        dispatch_sql = "NULL::timestamp"
    arrival_sql = moment(arrived, "ka", f"coalesce(sd.t, {local})") if arrived else "NULL::timestamp"
    clear_sql = moment(cleared, "kc", f"coalesce(sa.t, sd.t, {local})")
    joins += [
        f" CROSS JOIN LATERAL (SELECT {dispatch_sql} AS t OFFSET 0) sd",
        f" CROSS JOIN LATERAL (SELECT {arrival_sql} AS t OFFSET 0) sa",
        f" CROSS JOIN LATERAL (SELECT {clear_sql} AS t OFFSET 0) sc",
        " CROSS JOIN LATERAL (SELECT extract(epoch FROM (sc.t - coalesce(sa.t, sd.t)))::float8 AS s OFFSET 0) ss",
    ]
    return "".join(joins), "ss.s", units, " OR ".join(checks)


# GROUPING(weekday, hour, month, priority, disposition) has a bit set for each argument a grouping
# set leaves out, the first argument the highest: the slot set leaves out month, priority and
# disposition; the finer set weekday and hour.
_SLOTS, _FINE = 0b00111, 0b11000


def aggregates_sql(*, rows: str, scene_sets: bool) -> str:
    """The CTEs that fill the pre-aggregated tables from the table `rows` in one scan filling two
    hash tables: the slots, and the calls per type, month, priority, area, source, disposition
    (and bucket of time on scene) from which the other tables are summed. (Measured against one
    GROUP BY per table: the same within the noise of a shared machine, about 0.3 s less server
    CPU per million calls.)

    `bucket` (of time on scene) only when the file has clear times."""
    bucket = sums = ""
    if scene_sets:
        bucket = f", {scene.bucket_sql('scene')} AS bucket"
        sums = ", sum(scene) AS seconds, sum(scene * coalesce(units, 1)) AS unit_seconds"
    fine = "type_id, month, priority, area, source, disposition" + ", bucket" * scene_sets
    ctes = (
        # OFFSET 0 keeps the subquery's columns apart: without it, two columns that are the same
        # constant ('' for a column the file does not have) could be taken for one.
        "agg AS MATERIALIZED ("
        f" SELECT GROUPING(weekday, hour, month, priority, disposition) AS g, type_id, area, source, weekday, hour,"
        f"  month, priority, disposition{', bucket' * scene_sets}, count(*) AS calls{sums}"
        " FROM (SELECT type_id, area, source, priority, disposition, scene, units,"
        "  (date_part('isodow', local_ts) - 1)::smallint AS weekday, date_part('hour', local_ts)::smallint AS hour,"
        f"  date_trunc('month', local_ts)::date AS month{bucket} FROM {rows} OFFSET 0) s"
        f" GROUP BY GROUPING SETS ((type_id, weekday, hour, area, source), ({fine}))"
        "), slots AS ("
        " INSERT INTO assessment_cfsslotcount (dataset_id, call_type_id, weekday, hour, area, source_kind, calls)"
        f" SELECT %(dataset)s, type_id, weekday, hour, area, source, calls FROM agg WHERE g = {_SLOTS}"
        "), periods AS ("
        " INSERT INTO assessment_cfsperiodcount (dataset_id, call_type_id, month, priority, area, source_kind,"
        " calls) SELECT %(dataset)s, type_id, month, priority, area, source, sum(calls) FROM agg"
        f" WHERE g = {_FINE} GROUP BY type_id, month, priority, area, source"
        "), dispositions AS ("
        " INSERT INTO assessment_cfsdispositioncount"
        " (dataset_id, call_type_id, area, source_kind, disposition, calls)"
        " SELECT %(dataset)s, type_id, area, source, disposition, sum(calls) FROM agg"
        f" WHERE g = {_FINE} GROUP BY type_id, area, source, disposition"
        ")"
    )
    if scene_sets:
        # Calls without a time on scene have no bucket.
        ctes += (
            ", scene_times AS ("
            " INSERT INTO assessment_cfsscenetimecount"
            " (dataset_id, call_type_id, area, source_kind, bucket, calls, seconds, unit_seconds)"
            " SELECT %(dataset)s, type_id, area, source, bucket, sum(calls), sum(seconds), sum(unit_seconds) FROM agg"
            f" WHERE g = {_FINE} AND bucket IS NOT NULL GROUP BY type_id, area, source, bucket"
            ")"
        )
    return ctes
