"""When and where contacts came from: the weekday x hour heatmap and the areas."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.pilot.selectors import HOURS, Metrics, share
from assessment.pilot.tables.layout import Column, Kind, Table, bar

WEEKDAY_LABELS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
HEAT_LEVELS = 5


def heatmap_table(m: Metrics) -> Table:
    grid = m.heatmap
    rows = [[str(WEEKDAY_LABELS[day]), *grid[day], sum(grid[day])] for day in range(7)]
    by_hour = [sum(grid[day][hour] for day in range(7)) for hour in HOURS]
    return Table(
        slug="heatmap",
        columns=[
            Column(_("Weekday")),
            *(Column(f"{hour:02d}", Kind.COUNT) for hour in HOURS),
            Column(_("Total"), Kind.COUNT),
        ],
        rows=rows,
        totals=[_("All days"), *by_hour, sum(by_hour)],
        chart=bar([f"{hour:02d}" for hour in HOURS], [(_("Contacts by hour of day"), by_hour)]),
    )


def heat_cells(table: Table) -> list[dict]:
    """The heatmap's rows with a shading level (0 to HEAT_LEVELS) per hour cell."""
    peak = max((value for row in table.rows for value in row[1:-1]), default=0)
    rows = []
    for row, shown in zip(table.rows, table.display_rows, strict=True):
        cells = [
            {"text": cell["text"], "level": (value * HEAT_LEVELS + peak - 1) // peak if peak else 0}
            for value, cell in zip(row[1:-1], shown[1:-1], strict=True)
        ]
        rows.append({"label": shown[0]["text"], "cells": cells, "total": shown[-1]["text"]})
    return rows


def areas_table(m: Metrics) -> Table:
    rows = [
        [
            row.label or _("(area not recorded)"),
            row.contacts,
            share(row.contacts, m.contacts),
            _("yes") if row.in_service_area else _("no"),
        ]
        for row in m.areas
    ]
    return Table(
        slug="areas",
        columns=[
            Column(_("Area")),
            Column(_("Contacts"), Kind.COUNT),
            Column(_("Share"), Kind.SHARE),
            Column(_("Service area")),
        ],
        rows=rows,
        totals=[_("All contacts"), m.contacts, share(m.contacts, m.contacts), ""],
        chart=bar([row[0] for row in rows], [(_("Contacts"), [row[1] for row in rows])], horizontal=True)
        if rows
        else None,
    )
