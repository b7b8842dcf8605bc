"""Opening an export and deciding how to read it: compression (gzip), encoding (UTF-8 with or
without BOM, UTF-16 with BOM, otherwise Windows-1252), delimiter, the header row (BOMs stripped,
also a double-encoded one, "ï»¿"), and which column holds what (a preset, the city's saved
mapping, or detection checked against the first rows).

`open_csv` returns the header row and a csv reader positioned on the first data row; nothing
but a 64 KiB sniffing buffer is ever held in memory. Called by the import service
(`assessment.services`) and the upload form's preview, and by `lookup.read_lookup`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.utils.translation import gettext

from assessment.cfs import limits, presets
from assessment.cfs.parsing._common import CfsFileError
from assessment.cfs.parsing.detection import detect_columns
from assessment.cfs.parsing.rows import normalize_key, parse_coordinate, parse_point
from assessment.cfs.parsing.times import MAX_YEAR, MIN_YEAR, TimeParser, time_of_day
from assessment.cfs.presets import MappingChoice

SNIFF_BYTES = 64 * 1024
SAMPLE_ROWS = 200


@dataclass
class OpenedCsv:
    headers: list[str]
    reader: Iterator[list[str]]  # a csv.reader; `line_num` gives the physical line
    text: IO[str]
    raw: IO[bytes]
    encoding: str
    delimiter: str
    header_line: int

    @property
    def line_num(self) -> int:
        """The physical line of the file where the last row read ends."""
        return self.reader.line_num + self.header_line  # type: ignore[attr-defined]

    def bytes_read(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.text.close()


class _CountingReader(io.RawIOBase):
    """Counts the compressed bytes consumed, for progress on gzip files."""

    def __init__(self, inner: IO[bytes], position: Callable[[], int]):
        self._inner = inner
        self._position = position

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self._position()

    def close(self) -> None:
        self._inner.close()
        super().close()


def _sniff_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0  # the codec consumes the BOM itself
    if head.startswith(b"\xc3\xaf\xc2\xbb\xc2\xbf"):
        return "utf-8", 6  # a UTF-8 BOM that was itself decoded as Latin-1 and re-encoded
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252", 0
    return "utf-8", 0


def _check_not_binary(head: bytes, encoding: str) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise CfsFileError(
            "This is a zip archive or an Excel workbook, not a CSV file. Export the sheet as CSV "
            "(comma-separated values) and upload that."
        )
    if encoding != "utf-16" and b"\x00" in head:
        raise CfsFileError(
            "This file contains binary data, not comma-separated text. Export the calls as a CSV file."
        )


def _clean_header(value: str) -> str:
    return value.replace("\ufeff", "").replace("ï»¿", "").replace("\x00", "").strip()


def _choose_delimiter(line: str) -> str:
    counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def open_csv(path: str | Path) -> OpenedCsv:
    """Open an export for streaming; raise CfsFileError when it is not a readable CSV."""
    path = Path(path)
    if not path.exists():
        raise CfsFileError(f"File not found: {path}")
    if path.is_dir():
        raise CfsFileError(f"{path} is a folder, not a file.")
    base = open(path, "rb", buffering=SNIFF_BYTES)  # noqa: SIM115 - closed by OpenedCsv.close
    is_gzip = base.read(2) == b"\x1f\x8b"
    base.seek(0)
    if is_gzip:
        inflated = limits.DecompressionGuard(gzip.GzipFile(fileobj=base, mode="rb"), base.tell)
        raw: IO[bytes] = _CountingReader(inflated, base.tell)  # type: ignore[assignment]
    else:
        raw = base
    buffered = io.BufferedReader(raw, buffer_size=SNIFF_BYTES) if is_gzip else raw
    try:
        head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(buffered, "peek") else b""
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        base.close()
        raise CfsFileError(f"The file could not be read ({exc}).") from exc
    if not head.strip():
        base.close()
        raise CfsFileError("The file is empty.")
    encoding, skip = _sniff_encoding(head)
    try:
        _check_not_binary(head, encoding)
    except CfsFileError:
        base.close()
        raise
    if skip:
        buffered.read(skip)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")  # type: ignore[arg-type]
    first_line = ""
    try:
        # Find the header: the first non-blank line. Read it to choose the delimiter, then
        # parse it with the csv module so that quoted headers work.
        header_line = 0
        while True:
            first_line = limits.read_line(text, header_line + 1)
            header_line += 1
            if not first_line:
                raise CfsFileError("The file has no header row.")
            if _clean_header(first_line):
                break
        delimiter = _choose_delimiter(first_line)
        headers = [_clean_header(value) for value in next(csv.reader([first_line], delimiter=delimiter))]
        limits.check_columns(headers)
    except CfsFileError:
        text.close()
        raise
    except (csv.Error, UnicodeError, OSError, EOFError) as exc:
        text.close()
        raise CfsFileError(f"The header row could not be read ({exc}).") from exc
    reader = limits.BoundedReader(text, delimiter=delimiter, line_offset=header_line)
    return OpenedCsv(
        headers=headers,
        reader=reader,
        text=text,
        raw=base,
        encoding=encoding,
        delimiter=delimiter,
        header_line=header_line,
    )


def read_sample(opened: OpenedCsv, limit: int = SAMPLE_ROWS) -> list[tuple[int, list[str]]]:
    sample: list[tuple[int, list[str]]] = []
    try:
        for row in opened.reader:
            if row and any(value.strip() for value in row):
                sample.append((opened.line_num, row))
                if len(sample) >= limit or opened.reader.chars_read > limits.SAMPLE_CHARS:  # type: ignore[attr-defined]
                    break
    except csv.Error as exc:
        raise CfsFileError(f"Line {opened.line_num}: the file is not valid CSV ({exc}).") from exc
    return sample


def _values(sample: list[tuple[int, list[str]]], position: int) -> list[str]:
    return [row[position].strip() for _line, row in sample if position < len(row) and row[position].strip()]


def _share(values: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


_TIME_OF_DAY_SYNONYMS = (
    "time",
    "calltime",
    "receivedtime",
    "timereceived",
    "dispatchtime",
    "incidenttime",
    "eventtime",
    "timeofcall",
    "hour",
)


def check_detected_columns(
    columns: dict[str, str], headers: list[str], sample: list[tuple[int, list[str]]]
) -> tuple[dict[str, str], list[str]]:
    """Drop auto-detected columns whose values do not fit, and split date/time columns.

    Returns the corrected columns and notes saying what was changed and why.
    """
    columns = dict(columns)
    notes: list[str] = []
    positions, _absent = presets.resolve_columns(columns, headers)
    parser = TimeParser()

    def parses_as_time(value: str) -> bool:
        parsed = parser.parse(value)
        return parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR

    if presets.RECEIVED in positions:
        values = _values(sample, positions[presets.RECEIVED])
        if values and _share(values, parses_as_time) < 0.5:
            notes.append(f'"{columns[presets.RECEIVED]}" does not hold dates and times; not used')
            del columns[presets.RECEIVED]
        elif values and all(len(value) <= 10 for value in values):
            # A date-only column: look for a separate time-of-day column.
            index = presets.header_index(headers)
            for synonym in _TIME_OF_DAY_SYNONYMS:
                position = index.get(synonym)
                if position is None or position == positions[presets.RECEIVED]:
                    continue
                times = _values(sample, position)
                if times and _share(times, lambda v: time_of_day(v) is not None) >= 0.9:
                    columns[presets.RECEIVED_TIME] = headers[position]
                    notes.append(
                        f'date in "{columns[presets.RECEIVED]}", time of day in "{headers[position]}"'
                    )
                    break
    if presets.POINT in positions:
        values = _values(sample, positions[presets.POINT])
        if not values or _share(values, lambda v: parse_point(v)[0] is not None) < 0.5:
            notes.append(f'"{columns[presets.POINT]}" holds no coordinates; not used')
            del columns[presets.POINT]
    for field_name, limit in ((presets.LATITUDE, 90), (presets.LONGITUDE, 180)):
        if field_name in positions:
            values = _values(sample, positions[field_name])
            if values and _share(values, lambda v, limit=limit: parse_coordinate(v, limit) is not None) < 0.5:
                notes.append(f'"{columns[field_name]}" holds no {field_name}s; not used')
                del columns[field_name]
    if (presets.LATITUDE in columns) != (presets.LONGITUDE in columns):
        columns.pop(presets.LATITUDE, None)
        columns.pop(presets.LONGITUDE, None)
    if presets.LATITUDE in columns:
        columns.pop(presets.POINT, None)
    return columns, notes


def choose_mapping(
    headers: list[str],
    sample: list[tuple[int, list[str]]],
    *,
    preset_name: str = "auto",
    custom_columns: dict[str, str] | None = None,
    custom_city: str = "",
    custom_timezone: str = "",
    lookup: dict[str, str] | None = None,
) -> MappingChoice:
    """The mapping to use: a named preset; or, for "auto", the city's saved mapping when the file
    has all its columns, else a preset whose columns the file has, else header synonyms checked
    against the first rows."""
    if preset_name and preset_name != "auto":
        preset = presets.PRESETS.get(preset_name)
        if preset is None:
            raise CfsFileError(
                f"Unknown preset {preset_name!r}. Presets: auto, {', '.join(sorted(presets.PRESETS))}."
            )
        return MappingChoice(
            columns=dict(preset.columns),
            source=f"preset:{preset.name}",
            city=preset.city,
            timezone=preset.timezone,
        )
    if custom_columns:
        _positions, absent = presets.resolve_columns(custom_columns, headers)
        if not absent and not presets.missing_required(custom_columns):
            return MappingChoice(
                columns=dict(custom_columns),
                source=f"custom:{custom_city}",
                city=custom_city,
                timezone=custom_timezone,
            )
    preset = presets.preset_matching(headers)
    if preset is not None:
        return MappingChoice(
            columns=dict(preset.columns),
            source=f"preset:{preset.name}",
            city=preset.city,
            timezone=preset.timezone,
            notes=[f'the headers match the "{preset.name}" preset'],
        )
    if not sample:
        # Nothing to judge the values by: header synonyms only.
        columns, notes = check_detected_columns(presets.detect_by_synonyms(headers), headers, sample)
        return MappingChoice(columns=columns, source="auto", notes=notes)
    return _detect_by_content(headers, sample, lookup=lookup)


def _detect_by_content(
    headers: list[str], sample: list[tuple[int, list[str]]], *, lookup: dict[str, str] | None
) -> MappingChoice:
    """Detection by the values (see `detection`), explained column by column; a header named
    like a field whose values do not fit is reported as not used."""
    codes = {normalize_key(code) for code in lookup} if lookup else None
    detection = detect_columns(headers, sample, lookup_codes=codes)
    notes: list[str] = []
    chosen = set(detection.columns.values())
    for field_name, header in presets.detect_by_synonyms(headers).items():
        if header not in chosen and field_name not in detection.columns:
            notes.append(
                gettext('"%(column)s" is named like the %(field)s but its values do not fit; not used')
                % {"column": header, "field": presets.FIELD_LABELS[field_name]}
            )
    notes += detection.warnings
    return MappingChoice(
        columns=detection.columns,
        source="auto",
        notes=notes,
        explanations=[choice.as_dict() for choice in detection.choices],
        warnings=list(detection.warnings),
    )


def missing_fields_error(headers: list[str], columns: dict[str, str]) -> CfsFileError:
    shown = [header if len(header) <= 40 else header[:37] + "..." for header in headers[:60]]
    if len(headers) > 60:
        shown.append(f"... ({len(headers)} in all)")
    missing = presets.missing_required(columns)
    labels = []
    for item in missing:
        if item == presets.RECEIVED:
            labels.append("received time")
        else:
            labels.append("call type (a code or a description column)")
    return CfsFileError(
        "The required fields could not be found: "
        + ", ".join(labels)
        + ". Headers in the file: "
        + (", ".join(f'"{header}"' for header in shown) or "(none)")
        + ". Needed: "
        + presets.required_fields_text()
        + ". Choose a preset (--preset NAME) or save a column mapping for this city."
    )
