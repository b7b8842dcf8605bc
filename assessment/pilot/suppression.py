"""Small-cell suppression of the dashboard's equity tables: one function for the page, the CSV
export and the printed report (the print is the page), so the three hide the same cells.

Primary suppression: a count from 1 to THRESHOLD - 1 is shown as "<11" (zero reveals nobody and
is shown). Complementary suppression: a row, column or the totals line that has exactly one
hidden entry could be solved from its total, so the next-smallest entry of that line is hidden
too (a non-zero cell first, then the line's total, then a zero cell), repeated until no line
has a single hidden entry. Totals are lines' entries like any other: a total under 11 is hidden
and then protected the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 11


class Suppressed:
    """A hidden count. Shown and exported as "<11"."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"<{THRESHOLD}"

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = Suppressed()


@dataclass(frozen=True)
class Grid:
    """A table of counts after suppression: each value an int or SUPPRESSED."""

    cells: list[list]
    row_totals: list | None
    column_totals: list | None
    total: object | None


def is_small(value: int, threshold: int = THRESHOLD) -> bool:
    return 0 < value < threshold


def suppress(
    cells: list[list[int]], *, row_totals: bool = True, column_totals: bool = True, threshold: int = THRESHOLD
) -> Grid:
    """Suppress `cells` (rows of counts) and the totals shown with them.

    `row_totals`: each row ends with its total (the columns add up); `column_totals`: a totals
    row under the table (the rows add up). With both, the grand total closes the totals row and
    column. Columns that do not add up across (different measures side by side) are passed with
    `row_totals=False`: each column is then only protected against its own total.
    """
    n_rows = len(cells)
    n_cols = len(cells[0]) if cells else 0
    values: dict[tuple, int] = {}
    for i, row in enumerate(cells):
        if len(row) != n_cols:
            raise ValueError("every row needs the same number of cells")
        for j, value in enumerate(row):
            if value < 0:
                raise ValueError("counts cannot be negative")
            values[("cell", i, j)] = value
    if row_totals:
        for i in range(n_rows):
            values[("row", i)] = sum(cells[i])
    if column_totals:
        for j in range(n_cols):
            values[("col", j)] = sum(cells[i][j] for i in range(n_rows))
    if row_totals and column_totals:
        values[("all",)] = sum(sum(row) for row in cells)

    lines: list[list[tuple]] = []
    for i in range(n_rows):
        lines.append([("cell", i, j) for j in range(n_cols)] + ([("row", i)] if row_totals else []))
    for j in range(n_cols):
        lines.append([("cell", i, j) for i in range(n_rows)] + ([("col", j)] if column_totals else []))
    if row_totals and column_totals:
        lines.append([("col", j) for j in range(n_cols)] + [("all",)])
        lines.append([("row", i) for i in range(n_rows)] + [("all",)])
    # A line without its total cannot be solved for a hidden entry: nothing to protect.
    lines = [line for line in lines if line[-1][0] != "cell"]

    hidden = {key for key, value in values.items() if is_small(value, threshold)}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(key in hidden for key in line) != 1:
                continue
            candidates = [key for key in line if key not in hidden]
            if not candidates:
                continue
            partner = min(candidates, key=lambda key: _preference(key, values[key]))
            hidden.add(partner)
            changed = True

    def shown(key):
        return SUPPRESSED if key in hidden else values[key]

    return Grid(
        cells=[[shown(("cell", i, j)) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown(("row", i)) for i in range(n_rows)] if row_totals else None,
        column_totals=[shown(("col", j)) for j in range(n_cols)] if column_totals else None,
        total=shown(("all",)) if row_totals and column_totals else None,
    )


def _preference(key: tuple, value: int) -> tuple:
    """Which entry to hide next in a line: the smallest non-zero cell, then a total, then a zero."""
    if key[0] == "cell" and value > 0:
        return (0, value, key)
    if key[0] != "cell":
        return (1, value, key)
    return (2, value, key)
