"""The PostgreSQL fast path of the import: the file's own CSV goes to the server untouched.

The file's text (BOMs removed and decoded by `open_csv`, so every encoding works) is streamed
with `COPY ... (FORMAT csv)` into a temporary table of text columns, numbered in file order.
Everything else is set-based, with Python looking only at what is rare or small:

1. rows whose received time is not the canonical "YYYY-MM-DD HH:MM:SS" (bad times, other
   formats, offsets) are fetched and parsed by the same `TimeParser` as the Python path;
2. one GROUPING SETS scan lists the distinct call type, area, priority and disposition values,
   which `RowNormalizer` cleans exactly as it does row by row (call types by first appearance,
   so codes and descriptions come out the same);
3. one statement casts, joins and inserts the calls and fills both pre-aggregated tables from
   the same materialised rows.

It covers the common case: every record on one line, no blank lines, as many fields as
headers, no point column. Dispatch, arrival and clear times are read in SQL when they are
canonical date-times ("YYYY-MM-DD HH:MM:SS") or times of day ("HH:MM[:SS]"), as
`assessment.cfs.scene` reads them; any other value makes the file take the Python path. A date in one column and the time of day in another are joined in SQL
as `combine_date_and_time` joins them; values that do not come out canonical are joined by it. Anything else (and any value PostgreSQL
refuses to cast) raises `FastPathUnavailable` before anything is kept; the caller rolls back to
its savepoint and imports the file with the Python path, which reports the file's problems with
line numbers. Results are the same either way; the tests compare them.
"""

# SQL below interpolates only table names made here (random hex), column names "c<number>"
# and fixed fragments; every value is a query parameter or goes through COPY.
# ruff: noqa: S608

from __future__ import annotations

import functools
import io
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, DataError, connection, transaction

from assessment.cfs import limits, presets, scene
from assessment.cfs.parsing import (
    MAX_YEAR,
    MIN_YEAR,
    BadRows,
    OpenedCsv,
    RowNormalizer,
    TimeParser,
    clean_area,
    clean_disposition,
    clean_priority,
    combine_date_and_time,
    shown,
)
from assessment.cfs.parsing.sources import source_kind

CHUNK_CHARS = 1 << 20
# Above this many distinct values an area/priority/disposition column is free text (a wrong
# mapping); the Python path handles it with bounded caches.
MAX_DISTINCT_VALUES = 50_000
# Canonical times the server casts itself; everything else is parsed in Python. Comparisons in
# the "C" collation are plain byte comparisons.
_CANONICAL = (
    "({t} LIKE '____-__-__ __:__:__' AND substr({t}, 12, 2) COLLATE \"C\" < '24' "
    "AND substr({t}, 18, 2) COLLATE \"C\" < '60' "
    f"AND left({{t}}, 4) COLLATE \"C\" BETWEEN '{MIN_YEAR}' AND '{MAX_YEAR}')"
)
_FETCH_ROWS = 2000

# progress(phase, rows_read) -> None
Progress = Callable[[str, int], None]


class FastPathUnavailable(Exception):
    """The file needs the Python path; nothing the fast path did may be kept."""


@dataclass
class FastResult:
    inserted: int
    new_call_types: list
    timings: dict[str, float] = field(default_factory=dict)


def usable(positions: dict[str, int], sample: list[list[str]]) -> bool:
    """Whether the fast path fits this mapping and the file's first rows."""
    if connection.vendor != "postgresql":
        return False
    if presets.POINT in positions:
        return False
    cleaned = [
        positions[name]
        for name in (presets.AREA, presets.PRIORITY, presets.DISPOSITION, presets.SOURCE)
        if name in positions
    ]
    if len(set(cleaned)) != len(cleaned):
        return False  # one column cleaned two ways: the value maps are per column
    received = positions[presets.RECEIVED]
    time_at = positions.get(presets.RECEIVED_TIME)
    if time_at is None:
        times = [row[received] for row in sample if received < len(row)]
    else:
        times = [
            combine_date_and_time(row[received], row[time_at])
            for row in sample
            if max(received, time_at) < len(row)
        ]
    canonical = sum(1 for value in times if _is_canonical(value))
    return bool(times) and canonical * 2 > len(times)


def _is_canonical(value: str) -> bool:
    return (
        len(value) == 19
        and value[4] == "-"
        and value[7] == "-"
        and value[10] == " "
        and value[13] == ":"
        and value[16] == ":"
        and value[11:13] < "24"
        and value[17:19] < "60"
    )


class _CsvStream:
    """The file's text after the header, as COPY reads it, with its line breaks counted so that
    each record can be checked to be one line. Trailing blank lines are held back (COPY refuses
    blank lines). A lone carriage return, which COPY and Python's csv read differently, makes the
    file ineligible.

    Decoding and checking the text costs about as much CPU as the server's parsing of it, so a
    reader thread prepares the next chunks while the server parses the previous ones (the
    string work runs in the thread, the socket writes in the caller's, without the GIL)."""

    QUEUED_CHUNKS = 4

    def __init__(self, opened: OpenedCsv, progress: Progress):
        self._text = opened.text
        self._delimiter = opened.delimiter
        self._progress = progress
        self.lines = 0
        self.trailing_blank_lines = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=self.QUEUED_CHUNKS)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._produce, name="cfs-copy-reader", daemon=True)
        self._thread.start()

    # -- the reader thread ----------------------------------------------------------------
    def _produce(self) -> None:
        try:
            for item in self._chunks():
                if not self._put(item):
                    return
            self._put(("", 0))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self._put(exc)

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _next_chunk(self) -> str:
        """About a megabyte of text ending at a line break, so that quotes can be checked."""
        chunk = self._text.read(CHUNK_CHARS)
        if chunk and not chunk.endswith("\n"):
            rest = self._text.readline(limits.MAX_LINE_CHARS)
            if len(rest) >= limits.MAX_LINE_CHARS and not rest.endswith("\n"):
                raise FastPathUnavailable("a line too long")  # the Python path says which one
            chunk += rest
        if _stray_quotes(chunk, self._delimiter):
            raise FastPathUnavailable("quotes inside unquoted fields")
        return chunk

    def _chunks(self) -> Iterator[tuple[str, int]]:
        """(text, line breaks in it) in file order; the last one ends the records."""
        pending = self._next_chunk()
        while pending:
            chunk = pending
            following = self._next_chunk()
            if following:
                # Keep a carriage return that may pair with the next chunk's line feed.
                if chunk.endswith("\r"):
                    chunk, following = chunk[:-1], "\r" + following
                pending = following
                extra = 0
            else:
                pending = ""
                chunk, extra = self._finish(chunk)
            if "\r" in chunk and chunk.count("\r") != chunk.count("\r\n"):
                raise FastPathUnavailable("a carriage return without a line feed")
            if chunk:
                yield chunk, chunk.count("\n") + extra

    def _finish(self, chunk: str) -> tuple[str, int]:
        """The last chunk: trailing blank lines dropped, counted as the Python path counts them.
        Returns the text and the records it holds beyond its line breaks."""
        body = chunk.rstrip("\r\n")
        tail = chunk[len(body) :]
        if not body:
            if "\n" in tail or "\r" in tail:
                raise FastPathUnavailable("blank lines")
            return "", 0
        if not tail:
            return body, 1  # the last record has no line break
        self.trailing_blank_lines = tail.count("\n") - 1
        return body + ("\r\n" if tail.startswith("\r\n") else tail[0]), 0

    # -- the caller's side (COPY reads here) ------------------------------------------------
    def read(self, size: int = -1) -> str:
        if self._finished:
            return ""
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._finished = True
            self.error = item
            raise item
        chunk, lines = item
        if not chunk:
            self._finished = True
            return ""
        self.lines += lines
        self._progress("reading", self.lines)
        return chunk

    readline = read

    def close(self) -> None:
        """Stop the reader thread (also when COPY gave up half-way)."""
        self._stop.set()
        self._thread.join()


class FastLoader:
    """One import's fast path, inside the caller's transaction (and savepoint)."""

    def __init__(
        self,
        *,
        opened: OpenedCsv,
        positions: dict[str, int],
        normalizer: RowNormalizer,
        zone_name: str,
    ):
        self.opened = opened
        self.positions = positions
        self.normalizer = normalizer
        self.zone_name = zone_name
        self.raw = f"cfs_raw_{secrets.token_hex(6)}"
        self.timings: dict[str, float] = {}
        self._tables = [self.raw]
        self._records = 0
        self._trailing_blank_lines = 0
        self._has_fix = False

    def _timed(self, label: str, started: float) -> None:
        self.timings[label] = round(time.perf_counter() - started, 3)

    def _column(self, name: str) -> str | None:
        position = self.positions.get(name)
        return None if position is None else f"c{position}"

    def _received(self, alias: str = "") -> str:
        """The received time's text: its column, or the date column's date joined to the time
        column's clock (the same text `combine_date_and_time` makes whenever it is canonical;
        other values are fixed in Python with that function)."""
        prefix = f"{alias}." if alias else ""
        received = f"{prefix}{self._column(presets.RECEIVED)}"
        time_column = self._column(presets.RECEIVED_TIME)
        if time_column is None:
            return received
        return f"(split_part(split_part(btrim({received}), 'T', 1), ' ', 1) || ' ' || btrim({prefix}{time_column}))"

    def _raw_received(self, row: list[str]) -> str:
        """The received time of a staged row as the Python path reads it."""
        value = row[self.positions[presets.RECEIVED]]
        time_at = self.positions.get(presets.RECEIVED_TIME)
        return value if time_at is None else combine_date_and_time(value, row[time_at])

    # ------------------------------------------------------------------------------------
    def run(self, *, dataset_id: int, city, upsert_call_types, progress: Progress) -> FastResult:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # Compiling these one-off statements (JIT is on by default above a small cost) takes
            # longer than it saves: measured 0.6 s of the 3.4 s insert over a million rows.
            cursor.execute("SET LOCAL jit = off")
        try:
            # Room for the staging table in memory; refused once the session has used a
            # temporary table, which only costs speed.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL temp_buffers = '256MB'")
        except DatabaseError:
            pass
        self._copy(progress)
        self._fix_times()
        pairs = self._distinct_values()
        progress("loading", self._records)
        new_types = upsert_call_types(city, self.normalizer.call_types)
        self._type_map(pairs, city.pk)
        inserted = self._insert(dataset_id=dataset_id)
        self._bad_call_types(pairs)
        self._drop()
        blank = self.normalizer.blank_lines - self._trailing_blank_lines
        expected = self._records - self.normalizer.bad.total - blank
        if inserted != expected:
            raise FastPathUnavailable(f"{inserted} rows stored but {expected} expected")
        return FastResult(inserted=inserted, new_call_types=new_types, timings=self.timings)

    def _copy(self, progress: Progress) -> None:
        started = time.perf_counter()
        width = len(self.opened.headers)
        columns = ", ".join(f"c{i}" for i in range(width))
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.raw} (ord bigint GENERATED ALWAYS AS IDENTITY, "
                + ", ".join(f"c{i} text" for i in range(width))
                + ") ON COMMIT DROP"
            )
            raw = cursor.cursor
            if not hasattr(raw, "copy_expert"):
                raise FastPathUnavailable("the database driver has no COPY")
            delimiter = self.opened.delimiter.replace("'", "''")
            stream = _CsvStream(self.opened, progress)
            try:
                raw.copy_expert(
                    f"COPY {self.raw} ({columns}) FROM STDIN WITH (FORMAT csv, DELIMITER E'{_escape(delimiter)}', "
                    f"FORCE_NOT_NULL ({columns}))",
                    stream,
                )
            except Exception as exc:
                if isinstance(stream.error, (FastPathUnavailable, limits.CfsLimitError)):
                    raise stream.error from None
                # The file's problem (its CSV, its bytes): the Python path says which line.
                raise FastPathUnavailable(str(stream.error or exc)) from exc
            finally:
                stream.close()
            self._records = raw.rowcount
            if self._records != stream.lines:
                raise FastPathUnavailable("records spanning several lines, or blank lines")
            self._trailing_blank_lines = stream.trailing_blank_lines
            self.normalizer.blank_lines += stream.trailing_blank_lines
        self._timed("copy_raw", started)

    def _fix_times(self) -> None:
        """Parse the non-canonical times in Python; bad ones become bad rows."""
        started = time.perf_counter()
        normalizer = self.normalizer
        received = self._received()
        width = len(self.opened.headers)
        parser = TimeParser()
        zone = normalizer.zone
        offset = self.opened.header_line
        fixed: list[str] = []
        bad_ords: list[str] = []
        self.fix = f"cfs_fix_{secrets.token_hex(6)}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.fix} (ord bigint PRIMARY KEY, local_ts timestamp) ON COMMIT DROP"
            )
        self._tables.append(self.fix)
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT ord, {', '.join(f'c{i}' for i in range(width))} FROM {self.raw} "
                f"WHERE NOT {_CANONICAL.format(t=received)} ORDER BY ord"
            )
            while True:
                rows = cursor.fetchmany(_FETCH_ROWS)
                if not rows:
                    break
                for ord_, *row in rows:
                    self._has_fix = True
                    raw_time = self._raw_received(row)
                    moment = parser.parse(raw_time) if raw_time else None
                    line = ord_ + offset
                    reason = ""
                    if moment is None:
                        if raw_time.strip():
                            reason = f"unreadable received time {shown(raw_time)!r}"
                        elif any(value.strip() for value in row):
                            reason = "no received time"
                        else:
                            normalizer.blank_lines += 1
                            bad_ords.append(f"{ord_}\t\\N\n")
                            continue
                    else:
                        if moment.tzinfo is not None:
                            moment = moment.astimezone(zone).replace(tzinfo=None)
                        if not MIN_YEAR <= moment.year <= MAX_YEAR:
                            reason = f"received time out of range {shown(raw_time)!r}"
                    if reason:
                        normalizer.bad.add(line, reason)
                        bad_ords.append(f"{ord_}\t\\N\n")
                    else:
                        fixed.append(f"{ord_}\t{moment.isoformat(' ')}\n")
                if len(fixed) + len(bad_ords) >= 10 * _FETCH_ROWS:
                    self._write_fix(fixed, bad_ords)
        self._write_fix(fixed, bad_ords)
        if self._has_fix:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.fix}")
        self._timed("times_fixed", started)

    def _write_fix(self, fixed: list[str], bad_ords: list[str]) -> None:
        if not fixed and not bad_ords:
            return
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {self.fix} FROM STDIN", io.StringIO("".join(fixed + bad_ords)))
        fixed.clear()
        bad_ords.clear()

    def _good_time_filter(self, alias: str) -> str:
        """Rows whose time is readable (a canonical time, or one parsed in Python)."""
        if not self._has_fix:
            return "TRUE"
        return f"NOT EXISTS (SELECT 1 FROM {self.fix} b WHERE b.ord = {alias}.ord AND b.local_ts IS NULL)"

    def _distinct_values(self) -> dict[tuple[str, str], str]:
        """Clean each distinct value as the Python path would; returns {(code, description): key}.

        One scan of the staging table, grouped by the call type columns and by each other column."""
        started = time.perf_counter()
        normalizer = self.normalizer
        code, description = self._column(presets.CODE), self._column(presets.DESCRIPTION)
        others = [
            (column, clean)
            for column, clean in (
                (self._column(presets.AREA), clean_area),
                (self._column(presets.PRIORITY), clean_priority),
                (self._column(presets.DISPOSITION), clean_disposition),
                (self._column(presets.SOURCE), source_kind),
            )
            if column
        ]
        code_sql = f"r.{code}" if code else "''"
        description_sql = f"r.{description}" if description else "''"
        type_columns = [c for c in (code, description) if c]
        used = type_columns + [column for column, _clean in others]
        if len(set(used)) == len(used):
            # One scan, one hash table per set. GROUPING() has a bit set for each column a row
            # is not grouped by: the type set is the one grouped by the type columns.
            grouping = ", ".join(f"r.{c}" for c in used)
            sets = [f"({', '.join(f'r.{c}' for c in type_columns)})"] + [f"(r.{c})" for c, _clean in others]
            kind = (
                "0"
                if not others
                else (
                    f"CASE GROUPING({grouping}) "
                    + " ".join(
                        f"WHEN {((1 << len(used)) - 1) ^ (1 << (len(used) - 1 - index))} THEN {number}"
                        for number, index in (
                            (n, used.index(c)) for n, (c, _clean) in enumerate(others, start=1)
                        )
                    )
                    + " ELSE 0 END"
                )
            )
            others_sql = " ".join(
                f"WHEN {((1 << len(used)) - 1) ^ (1 << (len(used) - 1 - used.index(c)))} THEN r.{c}"
                for c, _clean in others
            )
            first_sql = f"CASE GROUPING({grouping}) {others_sql} ELSE {code_sql} END" if others else code_sql
            query = (
                f"SELECT {kind}, {first_sql}, {description_sql}, min(r.ord), count(*) FROM {self.raw} r "
                f"WHERE {self._good_time_filter('r')} GROUP BY GROUPING SETS ({', '.join(sets)})"
            )
        else:
            # A column mapped twice: one (set, value, value) triple per column and row.
            triples = [f"(0, {code_sql}, {description_sql})"]
            triples += [
                f"({number}, r.{column}, '')" for number, (column, _clean) in enumerate(others, start=1)
            ]
            query = (
                f"SELECT v.s, v.a, v.b, min(r.ord), count(*) FROM {self.raw} r "
                f"CROSS JOIN LATERAL (VALUES {', '.join(triples)}) AS v(s, a, b) "
                f"WHERE {self._good_time_filter('r')} GROUP BY 1, 2, 3"
            )
        pairs: list[tuple[int, str, str, int]] = []
        values: list[dict[str, str]] = [{} for _other in others]
        counts = [0] * len(others)
        with connection.chunked_cursor() as cursor:
            cursor.execute(query)
            while True:
                rows = cursor.fetchmany(_FETCH_ROWS)
                if not rows:
                    break
                for kind, first_value, second_value, first, calls in rows:
                    if kind == 0:
                        pairs.append((first, first_value, second_value, calls))
                        continue
                    index = kind - 1
                    counts[index] += 1
                    if counts[index] > MAX_DISTINCT_VALUES:
                        raise FastPathUnavailable(f"column {others[index][0]} holds free text")
                    cleaned = others[index][1](first_value)
                    if cleaned != first_value:
                        values[index][first_value] = cleaned
        keys: dict[tuple[str, str], str] = {}
        # In order of first appearance, as the Python path meets them.
        for _first, code_value, description_value, _calls in sorted(pairs):
            keys[(code_value, description_value)] = normalizer._call_type(code_value, description_value)
        self._counts = {(c, d): calls for _first, c, d, calls in pairs}
        self._maps: dict[str, str] = {}
        for (column, _clean), changed in zip(others, values, strict=True):
            if not changed:
                continue  # every value is already clean: no join needed
            table = f"cfs_map_{secrets.token_hex(6)}"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {table} (raw text PRIMARY KEY, clean text NOT NULL) ON COMMIT DROP"
                )
                cursor.cursor.copy_expert(
                    f"COPY {table} FROM STDIN",
                    io.StringIO("".join(f"{_copy_text(k)}\t{_copy_text(v)}\n" for k, v in changed.items())),
                )
                cursor.execute(f"ANALYZE {table}")
            self._tables.append(table)
            self._maps[column] = table
        self._timed("distinct_values", started)
        return keys

    def _type_map(self, keys: dict[tuple[str, str], str], city_id: int) -> None:
        started = time.perf_counter()
        self.types = f"cfs_types_{secrets.token_hex(6)}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.types} (code text, description text, key text) ON COMMIT DROP"
            )
            cursor.cursor.copy_expert(
                f"COPY {self.types} FROM STDIN",
                io.StringIO(
                    "".join(
                        f"{_copy_text(c)}\t{_copy_text(d)}\t{_copy_text(k)}\n"
                        for (c, d), k in keys.items()
                        if k
                    )
                ),
            )
            cursor.execute(
                f"ALTER TABLE {self.types} ADD COLUMN type_id bigint; "
                f"UPDATE {self.types} m SET type_id = t.id FROM assessment_cfscalltype t "
                f"WHERE t.city_id = %s AND t.key = m.key; ANALYZE {self.types}",
                [city_id],
            )
        self._tables.append(self.types)
        self._timed("call_types", started)

    def _scene_sql(self, local: str) -> tuple[str, str, str, str]:
        """(lateral joins, raw seconds on scene, units, unreadable) for the src statement, as
        `scene.SceneClock` reads the values; no joins and NULLs without a clear time column.

        Each value is classified once (blank, a canonical date-time, a canonical time of day,
        or anything else: unreadable here, and the file then takes the Python path) with LIKE
        and digit checks, cheaper than regular expressions over millions of rows."""
        cleared = self._column(presets.CLEARED)
        units_column = self._column(presets.UNITS)
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
        dispatched, arrived = self._column(presets.DISPATCHED), self._column(presets.ARRIVED)
        received = self._column(presets.RECEIVED)

        def kind(column: str) -> str:
            """0 blank, 1 "YYYY-MM-DD HH:MM:SS", 2 "HH:MM" or "HH:MM:SS", 3 anything else."""
            v = f"r.{column}"
            return (
                f"CASE WHEN {v} = '' THEN 0"
                f" WHEN {_CANONICAL.format(t=v)} AND translate({v}, '0123456789', '') = '-- ::' THEN 1"
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

    def _insert(self, *, dataset_id: int) -> int:
        """One statement: the calls, the slot counts and the period counts."""
        started = time.perf_counter()
        received = self._received("r")
        code, description = self._column(presets.CODE), self._column(presets.DESCRIPTION)
        joins = [
            f"JOIN {self.types} m ON "
            + " AND ".join(
                [f"m.code = r.{code}"] * bool(code) + [f"m.description = r.{description}"] * bool(description)
            )
        ]
        if self._has_fix:
            joins.append(f"LEFT JOIN {self.fix} f ON f.ord = r.ord")
            local = f"CASE WHEN f.ord IS NULL THEN {received}::timestamp ELSE f.local_ts END"
            where = "WHERE f.ord IS NULL OR f.local_ts IS NOT NULL"
        else:
            local = f"{received}::timestamp"
            where = ""

        def value(name: str) -> str:
            column = self._column(name)
            if column is None:
                return "''"
            table = self._maps.get(column)
            if table is None:
                return f"r.{column}"
            alias = f"v_{column}"
            joins.append(f"LEFT JOIN {table} {alias} ON {alias}.raw = r.{column}")
            return f"coalesce({alias}.clean, r.{column})"

        area, priority, disposition = value(presets.AREA), value(presets.PRIORITY), value(presets.DISPOSITION)
        source = value(presets.SOURCE)
        latitude, longitude = self._column(presets.LATITUDE), self._column(presets.LONGITUDE)
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
        laterals, raw_scene, units, unreadable = self._scene_sql(local)
        sql = (
            "WITH src AS MATERIALIZED ("
            f" SELECT (r.ord + %(offset)s)::integer AS line, m.type_id, {local} AS local_ts,"
            f"  {area} AS area, {priority} AS priority, {disposition} AS disposition, {source} AS source, {point},"
            f"  {raw_scene} AS raw_scene,"
            f"  CASE WHEN {raw_scene} BETWEEN 0 AND {scene.MAX_SCENE_SECONDS} THEN ({raw_scene})::integer END AS scene,"
            f"  {units} AS units, {unreadable} AS unreadable"
            f" FROM {self.raw} r {' '.join(joins)}{laterals} {where}"
            "), calls AS ("
            " INSERT INTO assessment_cfscall"
            " (dataset_id, line, call_type_id, received_at, area, priority, disposition, latitude, longitude,"
            " source_kind, scene_seconds, units)"
            # The session's time zone is the import's here (see below): a plain cast reads the
            # local time in it, as AT TIME ZONE does, without looking the zone up for every row.
            " SELECT %(dataset)s, line, type_id, local_ts::timestamptz, area, priority, disposition,"
            f"  {lat_out}, {lon_out}, source, scene, units FROM src"
            f"), {_aggregates_sql(scene_sets=bool(self._column(presets.CLEARED)))}"
            " SELECT count(*), min(local_ts), max(local_ts), count(scene), count(*) FILTER (WHERE raw_scene < 0),"
            f" count(*) FILTER (WHERE raw_scene > {scene.MAX_SCENE_SECONDS}), count(*) FILTER (WHERE unreadable)"
            " FROM src"
        )
        with connection.cursor() as cursor:
            # The staging table has no statistics: without this, the filter on the few fixed
            # times can be estimated at one row and joined in a nested loop.
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SELECT current_setting('TimeZone')")
            (session_zone,) = cursor.fetchone()
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [self.zone_name])
            try:
                cursor.execute(sql, {"offset": self.opened.header_line, "dataset": dataset_id})
            except DataError as exc:
                # A value the server will not cast (a date such as 2018-02-30, text in a
                # coordinate column): the Python path reads the file and says which line.
                raise FastPathUnavailable(str(exc)) from exc
            inserted, first, last, timed, negative, too_long, unreadable_rows = cursor.fetchone()
            if unreadable_rows:
                # Dispatch, arrival or clear times in another format: the Python path reads them.
                raise FastPathUnavailable(f"{unreadable_rows} scene times not canonical")
            self.normalizer.scene.update({"timed": timed, scene.NEGATIVE: negative, scene.TOO_LONG: too_long})
            cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
            # A failed statement rolls back to the caller's savepoint, which restores it too.
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])
        self.normalizer.good_rows = inserted
        self.normalizer.first_local = _naive(first)
        self.normalizer.last_local = _naive(last)
        self._timed("insert_and_aggregate", started)
        return inserted

    def _bad_call_types(self, keys: dict[tuple[str, str], str]) -> None:
        """Rows with a readable time but no call type: counted, the first ones with their line."""
        empty = [pair for pair, key in keys.items() if not key]
        if not empty:
            return
        code, description = self._column(presets.CODE), self._column(presets.DESCRIPTION)
        total = sum(self._counts[pair] for pair in empty)
        conditions = []
        params: list[str] = []
        for code_value, description_value in empty:
            parts = []
            if code:
                parts.append(f"r.{code} = %s")
                params.append(code_value)
            if description:
                parts.append(f"r.{description} = %s")
                params.append(description_value)
            conditions.append("(" + " AND ".join(parts) + ")")
        where = f"({' OR '.join(conditions)}) AND {self._good_time_filter('r')}"
        self._check_times_of_rows_without_call_type(where, params)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ord FROM {self.raw} r WHERE {where} ORDER BY ord LIMIT %s",
                [*params, 20],
            )
            lines = [ord_ + self.opened.header_line for (ord_,) in cursor.fetchall()]
        merged = BadRows()
        for line, reason in sorted(
            [*self.normalizer.bad.first, *((line, "no call type") for line in lines)],
            key=lambda item: item[0],
        ):
            merged.add(line, reason)
        merged.total = self.normalizer.bad.total + total
        self.normalizer.bad = merged

    def _check_times_of_rows_without_call_type(self, where: str, params: list[str]) -> None:
        """The insert casts the canonical-looking times of the rows it stores, and fails (so the
        Python path runs) on an impossible one such as 2018-02-30; rows without a call type are
        not stored, so their times are checked here. The Python path reports such a row for its
        time, which it reads first."""
        received = self._received("r")
        parser = TimeParser()
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT {received} FROM {self.raw} r WHERE {where} AND {_CANONICAL.format(t=received)}",
                params,
            )
            while True:
                rows = cursor.fetchmany(_FETCH_ROWS)
                if not rows:
                    return
                for (value,) in rows:
                    if parser.parse(value) is None:
                        raise FastPathUnavailable(f"an impossible time {shown(value)!r}")

    def _drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(self._tables)}")


# GROUPING(weekday, hour, month, priority, disposition) has a bit set for each argument a grouping
# set leaves out, the first argument the highest: the slot set leaves out month, priority and
# disposition; the finer set weekday and hour.
_SLOTS, _FINE = 0b00111, 0b11000


def _aggregates_sql(*, scene_sets: bool) -> str:
    """The CTEs that fill the pre-aggregated tables from `src` with two hash tables filled in one
    scan: the slots, and the calls per type, month, priority, area, source, disposition (and
    bucket of time on scene) from which the other tables are summed (hashing every call once per
    table costs more: each hash table is hashed and probed once per call).

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
        f"  date_trunc('month', local_ts)::date AS month{bucket} FROM src OFFSET 0) s"
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


@functools.lru_cache(maxsize=8)
def _quoted_field(delimiter: str) -> re.Pattern[str]:
    """A well-formed quoted field between two delimiters: only doubled quotes inside. Possessive,
    so that a field that is not well-formed fails at once instead of backtracking."""
    d = re.escape(delimiter)
    return re.compile(f'{d}"(?:[^"]++|"")*+"(?={d})')


def _stray_quotes(chunk: str, delimiter: str) -> bool:
    """Whether some quote is not part of a well-formed quoted field.

    Python's csv keeps a quote inside an unquoted field as it is (`say "hi" now`, `TV 32"" SCREEN`)
    where COPY takes it for the start of a quoted part (`say hi now`, `TV 32 SCREEN`); such a file
    goes to the Python path. With every line break written as the delimiter and the text wrapped
    in delimiters, every well-formed quoted field is removed by one regular expression; no quote
    may remain. (Fields that both read alike but are not well-formed, such as `"ab"cd`, go to the
    Python path too: slower, never different.)"""
    if '"' not in chunk:
        return False
    d = delimiter
    text = chunk
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if d != "\n":
        text = text.replace("\n", d)
    return '"' in _quoted_field(d).sub(d, d + text + d)


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None and value.tzinfo is not None else value


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t")


def _copy_text(value: str) -> str:
    """A value in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
