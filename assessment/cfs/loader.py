"""Bulk loading of normalised calls into the database, inside the caller's transaction.

This is the Python path: every row goes through `RowNormalizer`. On PostgreSQL most files take
the fast path instead (`assessment.cfs.fastload`: the raw CSV is COPY-ed and parsed in SQL) and
come here only when it cannot take them (records over several lines, blank lines, ragged rows,
values the server will not cast...).

PostgreSQL: the normalised rows are streamed with COPY into a temporary staging table from a
generator-backed file object (nothing is buffered beyond one chunk), then one set-based
INSERT ... SELECT moves them into `assessment_cfscall`, resolving call types by a join, and two
GROUP BY inserts refresh the pre-aggregated tables from the same staging table.

SQLite (development and tests): the same staging design fed by batched executemany.
"""

# SQL below interpolates only the staging table's name (random hex made here) and fixed SQL
# fragments; every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from datetime import tzinfo

from django.db import connection

from assessment.cfs import scene
from assessment.cfs.parsing import NormalizedCall, utc_text

BATCH_ROWS = 5000
CHUNK_LINES = 2000
PROGRESS_EVERY_ROWS = 20_000

# progress(phase, rows_read) -> None
Progress = Callable[[str, int], None]


def _noop_progress(phase: str, rows: int) -> None:
    return None


class _StreamFile:
    """The file object COPY reads: each read() returns the next chunk of the generator."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> str:
        try:
            return next(self._chunks, "")
        except BaseException as exc:
            # psycopg2 turns any error here into "COPY from stdin failed"; keep ours to re-raise.
            self.error = exc
            raise

    readline = read


def _copy_chunks(lines: Iterator[str], progress: Progress) -> Iterator[str]:
    """Join COPY text lines (see RowNormalizer.rows(copy_text=True)) into chunks."""
    batch: list[str] = []
    append = batch.append
    count = 0
    for line in lines:
        append(line)
        if len(batch) >= CHUNK_LINES:
            count += len(batch)
            append("")
            yield "\n".join(batch)
            batch.clear()
            if count % PROGRESS_EVERY_ROWS == 0:
                progress("reading", count)
    if batch:
        append("")
        yield "\n".join(batch)


class Staging:
    """A per-import temporary table; created in the transaction and dropped with it."""

    def __init__(self, *, zone_name: str, zone: tzinfo):
        self.name = f"cfs_staging_{secrets.token_hex(6)}"
        self.zone_name = zone_name
        self.zone = zone
        self.postgres = connection.vendor == "postgresql"
        self.timings: dict[str, float] = {}

    def _timed(self, label: str, started: float) -> None:
        self.timings[label] = round(time.perf_counter() - started, 3)

    def create(self) -> None:
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.name} (line integer NOT NULL, local_ts timestamp NOT NULL, "
                    "key text NOT NULL, area text NOT NULL, priority text NOT NULL, disposition text NOT NULL, "
                    "lat double precision, lon double precision, source text NOT NULL, scene integer, units smallint) "
                    "ON COMMIT DROP"
                )
            else:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.name} (line integer NOT NULL, local_ts text NOT NULL, "
                    "utc text NOT NULL, key text NOT NULL, area text NOT NULL, priority text NOT NULL, "
                    "disposition text NOT NULL, lat real, lon real, source text NOT NULL, scene integer, units integer)"
                )

    def fill(self, rows: Callable[[bool], Iterator], progress: Progress = _noop_progress) -> None:
        """Stream the calls into the staging table. `rows(copy_text)` gives the normalised calls,
        as COPY text lines when copy_text is true (RowNormalizer.rows)."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if self.postgres and hasattr(raw, "copy_expert"):
                stream = _StreamFile(_copy_chunks(rows(True), progress))
                try:
                    raw.copy_expert(f"COPY {self.name} FROM STDIN", stream)
                except Exception:
                    if stream.error is not None:
                        raise stream.error from None  # the file's problem, not the database's
                    raise
            else:
                self._fill_batched(cursor, rows(False), progress)
        self._timed("copy_to_staging", started)

    def _fill_batched(self, cursor, rows: Iterator[NormalizedCall], progress: Progress) -> None:
        zone = self.zone
        if self.postgres:
            sql = f"INSERT INTO {self.name} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        else:
            sql = f"INSERT INTO {self.name} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        batch: list[tuple] = []
        count = 0
        for (
            line,
            local,
            _text,
            key,
            area,
            priority,
            disposition,
            latitude,
            longitude,
            source,
            seconds,
            units,
        ) in rows:
            if self.postgres:
                batch.append(
                    (
                        line,
                        local,
                        key,
                        area,
                        priority,
                        disposition,
                        latitude,
                        longitude,
                        source,
                        seconds,
                        units,
                    )
                )
            else:
                batch.append(
                    (
                        line,
                        local.isoformat(" "),
                        utc_text(local, zone),
                        key,
                        area,
                        priority,
                        disposition,
                        latitude,
                        longitude,
                        source,
                        seconds,
                        units,
                    )
                )
            if len(batch) >= BATCH_ROWS:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
                if count % PROGRESS_EVERY_ROWS == 0:
                    progress("reading", count)
        if batch:
            cursor.executemany(sql, batch)

    def move_into(self, *, dataset_id: int, city_id: int) -> int:
        """The one set-based insert into the calls table; returns the rows inserted."""
        started = time.perf_counter()
        received = "s.local_ts AT TIME ZONE %s" if self.postgres else "s.utc"
        params: list = [dataset_id]
        if self.postgres:
            params.append(self.zone_name)
        params.append(city_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO assessment_cfscall "
                "(dataset_id, line, call_type_id, received_at, area, priority, disposition, latitude, longitude, "
                "source_kind, scene_seconds, units) "
                f"SELECT %s, s.line, t.id, {received}, s.area, s.priority, s.disposition, s.lat, s.lon, s.source, "
                "s.scene, s.units "
                f"FROM {self.name} s JOIN assessment_cfscalltype t ON t.city_id = %s AND t.key = s.key",
                params,
            )
            inserted = cursor.rowcount
        self._timed("insert_select", started)
        return inserted

    def aggregate_into(self, *, dataset_id: int, city_id: int) -> None:
        """Refresh the pre-aggregated tables for this dataset from the staging table."""
        started = time.perf_counter()
        if self.postgres:
            weekday = "(date_part('isodow', local_ts) - 1)::smallint"
            hour = "date_part('hour', local_ts)::smallint"
            month = "date_trunc('month', local_ts)::date"
        else:
            weekday = "(CAST(strftime('%%w', local_ts) AS INTEGER) + 6) %% 7"
            hour = "CAST(strftime('%%H', local_ts) AS INTEGER)"
            month = "strftime('%%Y-%%m-01', local_ts)"
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO assessment_cfsslotcount (dataset_id, call_type_id, weekday, hour, area, source_kind, "
                "calls) SELECT %s, t.id, g.weekday, g.hour, g.area, g.source, g.calls FROM ("
                f"  SELECT key, {weekday} AS weekday, {hour} AS hour, area, source, COUNT(*) AS calls "
                f"  FROM {self.name} GROUP BY 1, 2, 3, 4, 5"
                ") g JOIN assessment_cfscalltype t ON t.city_id = %s AND t.key = g.key",
                [dataset_id, city_id],
            )
            cursor.execute(
                "INSERT INTO assessment_cfsperiodcount (dataset_id, call_type_id, month, priority, area, "
                "source_kind, calls) SELECT %s, t.id, g.month, g.priority, g.area, g.source, g.calls FROM ("
                f"  SELECT key, {month} AS month, priority, area, source, COUNT(*) AS calls "
                f"  FROM {self.name} GROUP BY 1, 2, 3, 4, 5"
                ") g JOIN assessment_cfscalltype t ON t.city_id = %s AND t.key = g.key",
                [dataset_id, city_id],
            )
            # The disposition breakdown and the time on scene (assessment.cfs.scene).
            cursor.execute(
                "INSERT INTO assessment_cfsdispositioncount (dataset_id, call_type_id, area, source_kind, "
                "disposition, calls) SELECT %s, t.id, g.area, g.source, g.disposition, g.calls FROM ("
                f"  SELECT key, area, source, disposition, COUNT(*) AS calls FROM {self.name} GROUP BY 1, 2, 3, 4"
                ") g JOIN assessment_cfscalltype t ON t.city_id = %s AND t.key = g.key",
                [dataset_id, city_id],
            )
            cursor.execute(
                "INSERT INTO assessment_cfsscenetimecount (dataset_id, call_type_id, area, source_kind, bucket, "
                "calls, seconds, unit_seconds) "
                "SELECT %s, t.id, g.area, g.source, g.bucket, g.calls, g.seconds, g.unit_seconds FROM ("
                f"  SELECT key, area, source, {scene.bucket_sql('scene', postgres=self.postgres)} AS bucket, COUNT(*) AS calls,"
                "   SUM(scene) AS seconds, SUM(scene * coalesce(units, 1)) AS unit_seconds"
                f"  FROM {self.name} WHERE scene IS NOT NULL GROUP BY 1, 2, 3, 4"
                ") g JOIN assessment_cfscalltype t ON t.city_id = %s AND t.key = g.key",
                [dataset_id, city_id],
            )
        self._timed("aggregate", started)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
