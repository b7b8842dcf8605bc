"""What reading an uploaded 911 export may cost, whatever the file holds.

An upload is read by a web worker (the header and first rows, for the preview) and then by an
import task. A hostile or broken file must not make either hold it in memory: a gzip "bomb"
(a few kilobytes that expand to gigabytes), a header of a million commas, one endless line, a
quoted field that never closes, more columns than PostgreSQL allows in a table. Every read of
the reader (`parsing.sniffing.open_csv`) goes through the bounds below, and crossing one raises
`CfsLimitError` with a message that says which bound and what to do, before memory or time run
out. The bounds that an operator may want to move are settings (`CFS_MAX_COLUMNS`,
`CFS_MAX_COMPRESSION_RATIO`, `CFS_MAX_DECOMPRESSED_BYTES`); docs/assessment.md lists them all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings

from assessment.cfs.parsing._common import CfsFileError

# One physical line, the header included: real exports have lines of a few hundred bytes to a
# few kilobytes; free-text narrative fields stay far below this.
MAX_LINE_CHARS = 1 << 20
# One field (the csv module's limit), and one record, line breaks inside quotes included.
MAX_FIELD_CHARS = 1 << 20
MAX_RECORD_CHARS = 2 << 20
# The first rows kept for detection and the preview stop at this many characters (or at the
# usual number of rows, whichever comes first).
SAMPLE_CHARS = 4 << 20
# Decompressed bytes read before the compression ratio is judged: a small file of one repeated
# row may compress well, a real export never compresses beyond about 20:1 for long.
RATIO_FREE_BYTES = 16 << 20
# A lookup table (code -> description) with more codes than this is not a lookup table.
MAX_LOOKUP_CODES = 100_000

DEFAULT_MAX_COLUMNS = 500
DEFAULT_MAX_COMPRESSION_RATIO = 200
DEFAULT_MAX_DECOMPRESSED_BYTES = 20 * 1024**3

csv.field_size_limit(MAX_FIELD_CHARS)


class CfsLimitError(CfsFileError):
    """The file crosses one of the bounds: it cannot be imported as it is, however often one
    tries (so its upload is not kept)."""


def max_columns() -> int:
    """PostgreSQL refuses tables of more than 1,600 columns (the fast path loads the file's
    columns as they are); real exports have a few dozen."""
    return int(getattr(settings, "CFS_MAX_COLUMNS", DEFAULT_MAX_COLUMNS))


def max_compression_ratio() -> float:
    return float(getattr(settings, "CFS_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO))


def max_decompressed_bytes() -> int:
    return int(getattr(settings, "CFS_MAX_DECOMPRESSED_BYTES", DEFAULT_MAX_DECOMPRESSED_BYTES))


def _mib(size: int) -> str:
    if size < 1024**2:
        return f"{size / 1024:,.0f} KB"
    return f"{size / 1024**2:,.0f} MB"


def check_columns(headers: list[str]) -> None:
    limit = max_columns()
    if len(headers) > limit:
        raise CfsLimitError(
            f"The file has {len(headers):,} columns; at most {limit:,} are allowed. A calls-for-service "
            "export has a few dozen: remove the columns you do not need (or check the delimiter) "
            "and upload it again."
        )


def read_line(text: IO[str], line: int) -> str:
    """`text.readline()`, refusing a line longer than MAX_LINE_CHARS instead of holding it."""
    value = text.readline(MAX_LINE_CHARS)
    if len(value) >= MAX_LINE_CHARS and not value.endswith(("\n", "\r")):
        raise CfsLimitError(
            f"Line {line} is longer than {MAX_LINE_CHARS:,} characters: the file is not a CSV export "
            "with one call per line (or its line breaks are missing). Nothing was read past it."
        )
    return value


class DecompressionGuard(io.RawIOBase):
    """The decompressed bytes of a gzip file, refused beyond an absolute size or, after the
    first RATIO_FREE_BYTES, beyond a ratio to the compressed bytes consumed."""

    def __init__(self, inner: IO[bytes], compressed_position: Callable[[], int]):
        self._inner = inner
        self._compressed = compressed_position
        self._ratio = max_compression_ratio()
        self._cap = max_decompressed_bytes()
        self.decompressed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.decompressed += size
        self._check()
        return size

    def _check(self) -> None:
        if self.decompressed > self._cap:
            raise CfsLimitError(
                f"The compressed file expands to more than {_mib(self._cap)}, the most allowed. "
                "Split the export (by year, for example) and import the parts."
            )
        if self.decompressed > RATIO_FREE_BYTES:
            compressed = max(self._compressed(), 1)
            if self.decompressed / compressed > self._ratio:
                raise CfsLimitError(
                    f"The compressed file expands more than {self._ratio:,.0f} times "
                    f"({_mib(compressed)} to {_mib(self.decompressed)} and more): this is not an "
                    "export but a compression bomb, or a file of one repeated line. Upload the "
                    "export as it came."
                )

    def close(self) -> None:
        self._inner.close()
        super().close()


class BoundedReader:
    """A csv reader over the text after the header whose lines, records and fields are bounded.

    Drop-in for `csv.reader(text)`: iterate it for rows; `line_num` is the csv module's (physical
    lines read); `chars_read` counts the characters read so far (for bounded samples).
    """

    def __init__(self, text: IO[str], *, delimiter: str, line_offset: int = 0):
        self._text = text
        self._line_offset = line_offset
        self._lines_read = 0
        self._record_chars = 0
        self.chars_read = 0
        self._reader = csv.reader(self._lines(), delimiter=delimiter)

    def _lines(self) -> Iterator[str]:
        while True:
            line = read_line(self._text, self._line_offset + self._lines_read + 1)
            if not line:
                return
            self._lines_read += 1
            self.chars_read += len(line)
            self._record_chars += len(line)
            if self._record_chars > MAX_RECORD_CHARS:
                raise CfsLimitError(
                    f"The row ending on line {self._line_offset + self._lines_read} is longer than "
                    f"{MAX_RECORD_CHARS:,} characters (a quote that is never closed?). Fix the file "
                    "and upload it again."
                )
            yield line

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> BoundedReader:
        return self

    def __next__(self) -> list[str]:
        self._record_chars = 0
        return next(self._reader)
