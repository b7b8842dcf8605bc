"""Which files the fast path takes: the mapping and the file's first rows decide before anything
is read; what the fast path meets later (`FastPathUnavailable`) sends the file to the Python path."""

from __future__ import annotations

from django.db import connection

from assessment.cfs import presets
from assessment.cfs.parsing import MAX_YEAR, MIN_YEAR, combine_date_and_time

# Canonical times the server casts itself; everything else is parsed in Python. Comparisons in
# the "C" collation are plain byte comparisons.
CANONICAL = (
    "({t} LIKE '____-__-__ __:__:__' AND substr({t}, 12, 2) COLLATE \"C\" < '24' "
    "AND substr({t}, 18, 2) COLLATE \"C\" < '60' "
    f"AND left({{t}}, 4) COLLATE \"C\" BETWEEN '{MIN_YEAR}' AND '{MAX_YEAR}')"
)


class FastPathUnavailable(Exception):
    """The file needs the Python path; nothing the fast path did may be kept."""


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
