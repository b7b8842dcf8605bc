"""Shapes the analysis for the page: chart data (rendered with the vendored Chart.js from a
json_script block) and the heatmap table. The tables on the page carry the same numbers."""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessment.forms import WEEKDAY_CHOICES
from assessment.models import Divertibility
from assessment.selectors import DIVERTIBILITY_ORDER, HOURS, WEEKDAYS, PilotPattern, share

# Bars and lines stand out 3:1 from the white background (WCAG 2.1 1.4.11).
COLORS = {
    Divertibility.DIVERTIBLE: "#146c43",
    Divertibility.MAYBE: "#b35900",
    Divertibility.NOT_DIVERTIBLE: "#495057",
    Divertibility.UNCLASSIFIED: "#868e96",
}


def _split_datasets(rows) -> list[dict]:
    return [
        {
            "label": str(Divertibility(value).label),
            "data": [row.split[value] for row in rows],
            "backgroundColor": COLORS[value],
            "stack": "calls",
        }
        for value in DIVERTIBILITY_ORDER
    ]


def _percent(values: list[int]) -> list[float]:
    total = sum(values)
    return [round(100 * value / total, 2) if total else 0 for value in values]


def analysis_chart_data(analysis: dict, pilot: PilotPattern) -> dict:
    unknown = _("(unknown)")
    hours = [f"{hour:02d}" for hour in HOURS]
    weekdays = [str(label) for _value, label in WEEKDAY_CHOICES]
    data = {
        "categories": {
            "type": "bar",
            "horizontal": True,
            "labels": [row.label or _("(no category)") for row in analysis["categories"]],
            "datasets": _split_datasets(analysis["categories"]),
        },
        "hours": {
            "type": "bar",
            "labels": hours,
            "datasets": [
                {
                    "label": str(Divertibility.DIVERTIBLE.label),
                    "data": analysis["divertible_by_hour"],
                    "backgroundColor": COLORS[Divertibility.DIVERTIBLE],
                    "stack": "calls",
                },
                {
                    "label": str(Divertibility.MAYBE.label),
                    "data": analysis["maybe_by_hour"],
                    "backgroundColor": COLORS[Divertibility.MAYBE],
                    "stack": "calls",
                },
            ],
        },
        "areas": {
            "type": "bar",
            "labels": [row.label or unknown for row in analysis["areas"]],
            "datasets": _split_datasets(analysis["areas"]),
        },
        "priorities": {
            "type": "bar",
            "labels": [row.label or unknown for row in analysis["priorities"]],
            "datasets": _split_datasets(analysis["priorities"]),
        },
        "months": {
            "type": "line",
            "labels": [row.label for row in analysis["trend"]],
            "datasets": [
                {
                    "label": str(Divertibility.DIVERTIBLE.label),
                    "data": [row.divertible for row in analysis["trend"]],
                    "borderColor": COLORS[Divertibility.DIVERTIBLE],
                    "backgroundColor": COLORS[Divertibility.DIVERTIBLE],
                },
                {
                    "label": str(Divertibility.MAYBE.label),
                    "data": [row.maybe for row in analysis["trend"]],
                    "borderColor": COLORS[Divertibility.MAYBE],
                    "backgroundColor": COLORS[Divertibility.MAYBE],
                },
                {
                    "label": _("all calls"),
                    "data": [row.total for row in analysis["trend"]],
                    "borderColor": COLORS[Divertibility.NOT_DIVERTIBLE],
                    "backgroundColor": COLORS[Divertibility.NOT_DIVERTIBLE],
                },
            ],
        },
    }
    if pilot.available and pilot.contacts:
        data["pilot_hours"] = {
            "type": "line",
            "percent": True,
            "labels": hours,
            "datasets": [
                {
                    "label": _("divertible 911 calls, % by hour"),
                    "data": _percent(analysis["divertible_by_hour"]),
                    "borderColor": COLORS[Divertibility.DIVERTIBLE],
                    "backgroundColor": COLORS[Divertibility.DIVERTIBLE],
                },
                {
                    "label": _("hotline contacts, % by hour"),
                    "data": _percent(pilot.by_hour),
                    "borderColor": "#0a58ca",
                    "backgroundColor": "#0a58ca",
                },
            ],
        }
        data["pilot_weekdays"] = {
            "type": "bar",
            "percent": True,
            "labels": weekdays,
            "datasets": [
                {
                    "label": _("divertible 911 calls, % by weekday"),
                    "data": _percent(analysis["divertible_by_weekday"]),
                    "backgroundColor": COLORS[Divertibility.DIVERTIBLE],
                },
                {
                    "label": _("hotline contacts, % by weekday"),
                    "data": _percent(pilot.by_weekday),
                    "backgroundColor": "#0a58ca",
                },
            ],
        }
    return data


def heatmap_rows(heatmap: dict[str, list[list[int]]]) -> list[dict]:
    """Divertible calls per weekday x hour with a 0-1 intensity for the cell shading."""
    grid = heatmap[Divertibility.DIVERTIBLE]
    peak = max((value for row in grid for value in row), default=0)
    rows = []
    for weekday in WEEKDAYS:
        cells = [
            {
                "hour": hour,
                "calls": grid[weekday][hour],
                "intensity": round(share(grid[weekday][hour], peak), 2),
            }
            for hour in HOURS
        ]
        rows.append({"weekday": WEEKDAY_CHOICES[weekday][1], "cells": cells, "total": sum(grid[weekday])})
    return rows


def pilot_rows(analysis: dict, pilot: PilotPattern) -> list[dict]:
    historical = _percent(analysis["divertible_by_hour"])
    contacts = _percent(pilot.by_hour)
    return [
        {
            "hour": hour,
            "historical": historical[hour],
            "pilot": contacts[hour],
            "contacts": pilot.by_hour[hour],
        }
        for hour in HOURS
    ]
