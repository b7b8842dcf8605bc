"""A dashboard table: its columns, its cells as the page shows and the CSV exports them, its chart."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessment.numbers import decimal_text, percent_text, percentage, rounded
from assessment.pilot import glossary
from assessment.pilot.selectors import Stats
from assessment.pilot.suppression import Suppressed


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    SHARE = "share"  # a fraction, shown as a percentage
    DURATION = "duration"  # seconds
    HOURS = "hours"
    TYPED = "typed"  # each cell says its kind (a Typed value)


@dataclass(frozen=True)
class Typed:
    value: object
    kind: Kind


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT

    @property
    def csv_label(self) -> str:
        unit = {Kind.SHARE: " (%)", Kind.DURATION: " (s)", Kind.HOURS: " (h)"}.get(self.kind, "")
        return f"{self.label}{unit}"

    @property
    def numeric(self) -> bool:
        return self.kind != Kind.TEXT


def show(value, kind: Kind) -> str:
    """A cell as the page shows it (localized numbers, "–" for nothing to show, "<11" hidden)."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    if value is None:
        return "–"
    if kind == Kind.COUNT:
        return number_format(value, force_grouping=True)
    if kind == Kind.SHARE:
        return percent_text(value)
    if kind == Kind.DURATION:
        return duration_text(value)
    if kind == Kind.HOURS:
        return decimal_text(value, grouping=True)
    return str(value)


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": decimal_text(seconds)}
    whole = round(seconds)
    if whole < 3600:
        return _("%(minutes)d min %(seconds)02d s") % {"minutes": whole // 60, "seconds": whole % 60}
    return _("%(hours)d h %(minutes)02d min") % {"hours": whole // 3600, "minutes": whole % 3600 // 60}


def export(value, kind: Kind) -> str:
    """A cell as the CSV export writes it: plain numbers, percentages as 0-100, seconds, "<11"."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    if value is None:
        return ""
    if kind == Kind.SHARE:
        return str(percentage(value))
    if kind in (Kind.DURATION, Kind.HOURS):
        return str(rounded(value))
    return str(value)


@dataclass
class Table:
    slug: str
    columns: list[Column]
    rows: list[list]
    totals: list | None = None
    chart: dict | None = None
    note: str = ""
    row_glossary: list[str] | None = None  # the glossary entry of each row, when rows differ

    @property
    def title(self) -> str:
        return glossary.term(self.slug)

    @property
    def definition(self) -> str:
        return glossary.definition(self.slug)

    def _shown(self, row: list) -> list[dict]:
        return [
            {"text": show(value, column.kind), "numeric": column.numeric}
            for value, column in zip(row, self.columns, strict=True)
        ]

    @property
    def display_rows(self) -> list[list[dict]]:
        return [self._shown(row) for row in self.rows]

    @property
    def display_totals(self) -> list[dict] | None:
        return self._shown(self.totals) if self.totals is not None else None

    def csv_rows(self) -> list[list[str]]:
        lines = [[column.csv_label for column in self.columns]]
        for row in [*self.rows, *([self.totals] if self.totals is not None else [])]:
            lines.append(
                [export(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            )
        return lines


def bar(labels, datasets, *, horizontal=False, stacked=False, unit="") -> dict:
    return {
        "type": "bar",
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": data} for label, data in datasets],
        "horizontal": horizontal,
        "stacked": stacked,
        "unit": unit,
    }


def percent(value: float | None) -> float | None:
    return None if value is None else float(percentage(value))


def minutes(value: float | None) -> float | None:
    return None if value is None else float(rounded(value / 60))


def _stats_row(label: str, stats: Stats) -> list:
    return [label, stats.count, stats.median, stats.p90]


def stats_columns(first: str) -> list[Column]:
    return [
        Column(first),
        Column(_("Count"), Kind.COUNT),
        Column(_("Median"), Kind.DURATION),
        Column(_("90th percentile"), Kind.DURATION),
    ]
