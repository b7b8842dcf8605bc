"""`FastLoader`: one import's fast path, step by step (see the package's docstring)."""

# SQL below interpolates only table names made here (random hex), column names "c<number>"
# and fixed fragments; every value is a query parameter or goes through COPY.
# ruff: noqa: S608

from __future__ import annotations

import io
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, DataError, connection, transaction

from assessment.cfs import limits, presets, scene
from assessment.cfs.fastload import statement
from assessment.cfs.fastload.copy_stream import CsvStream, Progress, copy_text, escape
from assessment.cfs.fastload.eligibility import CANONICAL, FastPathUnavailable
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

# Above this many distinct values an area/priority/disposition column is free text (a wrong
# mapping); the Python path handles it with bounded caches.
MAX_DISTINCT_VALUES = 50_000
_FETCH_ROWS = 2000


@dataclass
class FastResult:
    inserted: int
    new_call_types: list
    timings: dict[str, float] = field(default_factory=dict)


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
            stream = CsvStream(self.opened, progress)
            try:
                raw.copy_expert(
                    f"COPY {self.raw} ({columns}) FROM STDIN WITH (FORMAT csv, DELIMITER E'{escape(delimiter)}', "
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
                f"WHERE NOT {CANONICAL.format(t=received)} ORDER BY ord"
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
                    io.StringIO("".join(f"{copy_text(k)}\t{copy_text(v)}\n" for k, v in changed.items())),
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
                        f"{copy_text(c)}\t{copy_text(d)}\t{copy_text(k)}\n" for (c, d), k in keys.items() if k
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

    def _insert(self, *, dataset_id: int) -> int:
        """The calls and the pre-aggregated tables (`statement`), from the staged rows cast,
        cleaned and joined once into a temporary table, each part timed on its own."""
        started = time.perf_counter()
        self.typed = f"cfs_typed_{secrets.token_hex(6)}"
        statements = statement.store_sql(
            raw=self.raw,
            typed=self.typed,
            types=self.types,
            fix=self.fix if self._has_fix else None,
            maps=self._maps,
            column=self._column,
            received=self._received("r"),
        )
        with connection.cursor() as cursor:
            # The staging table has no statistics: without this, the filter on the few fixed
            # times can be estimated at one row and joined in a nested loop.
            cursor.execute("SET LOCAL enable_nestloop = off")
            try:
                cursor.execute(statements.typed, {"offset": self.opened.header_line})
            except DataError as exc:
                # A value the server will not cast (a date such as 2018-02-30, text in a
                # coordinate column): the Python path reads the file and says which line.
                raise FastPathUnavailable(str(exc)) from exc
            self._tables.append(self.typed)
            cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
            self._timed("typed_rows", started)
            started = time.perf_counter()
            cursor.execute(statements.aggregates, {"dataset": dataset_id})
            rows, first, last, timed, negative, too_long, unreadable_rows = cursor.fetchone()
            if unreadable_rows:
                # Dispatch, arrival or clear times in another format: the Python path reads them.
                raise FastPathUnavailable(f"{unreadable_rows} scene times not canonical")
            self.normalizer.scene.update({"timed": timed, scene.NEGATIVE: negative, scene.TOO_LONG: too_long})
            self._timed("aggregates", started)
            started = time.perf_counter()
            cursor.execute("SELECT current_setting('TimeZone')")
            (session_zone,) = cursor.fetchone()
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [self.zone_name])
            cursor.execute(statements.calls, {"dataset": dataset_id})
            inserted = cursor.rowcount
            # A failed statement rolls back to the caller's savepoint, which restores it too.
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])
        if inserted != rows:
            raise FastPathUnavailable(f"{inserted} calls stored from {rows} rows")
        self.normalizer.good_rows = inserted
        self.normalizer.first_local = _naive(first)
        self.normalizer.last_local = _naive(last)
        self._timed("insert_calls", started)
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
                f"SELECT DISTINCT {received} FROM {self.raw} r WHERE {where} AND {CANONICAL.format(t=received)}",
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


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None and value.tzinfo is not None else value
