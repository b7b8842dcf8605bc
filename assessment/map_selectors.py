"""Reads behind the 911 map and the pilot-area filter.

The map shows divertible public-generated calls per grid cell, read from the cell counts
(counted in the background by assessment.map_jobs), never the calls. When there are more than MAX_CELLS
cells, neighbouring cells are merged (2 x 2, then 4 x 4...) so the page stays small.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet, Sum

from assessment.map_models import CfsBoundary, CfsBoundaryCellCount, CfsCellCount, CfsGrid, CfsPilotArea
from assessment.models import CfsCall, CfsCallType, CfsDataset, Divertibility
from assessment.selectors import is_public_generated

MAX_CELLS = 3000


@dataclass
class PilotFilter:
    """The filter in effect on the analysis page: area names and/or a boundary (None: all).

    A chosen boundary applies once its calls are counted; until then (or when its count
    failed) it is `waiting` and the page counts without it, saying so."""

    areas: list[str] | None = None
    boundary: CfsBoundary | None = None
    waiting: CfsBoundary | None = None

    @property
    def active(self) -> bool:
        return self.areas is not None or self.boundary is not None


@dataclass
class MapData:
    cell_degrees: float
    located_calls: int
    cells: list[list[float]] = field(default_factory=list)  # [south, west, north, east, divertible calls]
    max_calls: int = 0
    merged: int = 1  # cells of the grid per side of a drawn cell
    tile_url: str = ""

    @property
    def divertible_calls(self) -> int:
        return int(sum(cell[4] for cell in self.cells))

    def as_json(self) -> dict:
        return {
            "cells": self.cells,
            "max": self.max_calls,
            "tileUrl": self.tile_url,
            "cellDegrees": self.cell_degrees * self.merged,
        }

    def busiest(self, count: int = 10) -> list[list[float]]:
        return sorted(self.cells, key=lambda cell: -cell[4])[:count]


def pilot_filter(dataset: CfsDataset) -> PilotFilter:
    """The filter remembered for the dataset (areas it no longer has are dropped)."""
    choice = CfsPilotArea.objects.filter(dataset=dataset).select_related("boundary").first()
    if choice is None:
        return PilotFilter()
    chosen = choice.boundary
    if chosen is not None and not chosen.is_counted:
        return PilotFilter(areas=list(choice.areas) or None, waiting=chosen)
    return PilotFilter(areas=list(choice.areas) or None, boundary=chosen)


def cfs_boundaries(*, dataset: CfsDataset) -> list[CfsBoundary]:
    return list(CfsBoundary.objects.filter(dataset=dataset).order_by("name", "pk"))


def has_coordinates(dataset: CfsDataset) -> bool:
    """From the counted grid; before it is counted, whether any call has a point (found at
    once when calls have coordinates; a dataset without any is read through once)."""
    grid = CfsGrid.objects.filter(dataset=dataset).first()
    if grid is not None and grid.is_counted:
        return bool(grid.located_calls)
    return CfsCall.objects.filter(dataset=dataset, latitude__isnull=False, longitude__isnull=False).exists()


def _cells(dataset: CfsDataset, areas: Sequence[str] | None, boundary: CfsBoundary | None) -> QuerySet:
    if boundary is not None:
        rows = CfsBoundaryCellCount.objects.filter(boundary=boundary)
    else:
        rows = CfsCellCount.objects.filter(dataset=dataset)
    return rows if areas is None else rows.filter(area__in=list(areas))


def cfs_map(
    *,
    dataset: CfsDataset,
    grid: CfsGrid,
    areas: Sequence[str] | None = None,
    boundary: CfsBoundary | None = None,
) -> MapData:
    """Divertible public-generated calls per cell, in the areas / inside the boundary."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    divertible = list(
        CfsCallType.objects.filter(
            city_id=dataset.city_id, divertibility=Divertibility.DIVERTIBLE
        ).values_list("pk", flat=True)
    )
    rows = (
        _cells(dataset, areas, boundary)
        .filter(call_type_id__in=divertible)
        .values("lat_cell", "lon_cell", "source_kind", "call_type__officer_initiated")
        .annotate(n=Sum("calls"))
        .values_list("lat_cell", "lon_cell", "source_kind", "call_type__officer_initiated", "n")
    )
    for lat_cell, lon_cell, source, officer_type, calls in rows:
        if is_public_generated(source, officer_type):
            counts[(lat_cell, lon_cell)] += calls
    merged = 1
    while len(counts) > MAX_CELLS:
        merged *= 2
        coarse: dict[tuple[int, int], int] = defaultdict(int)
        for (lat_cell, lon_cell), calls in counts.items():
            coarse[(lat_cell // 2, lon_cell // 2)] += calls
        counts = coarse
    size = grid.cell_degrees * merged
    cells = [
        [
            round(lat * size, 6),
            round(lon * size, 6),
            round((lat + 1) * size, 6),
            round((lon + 1) * size, 6),
            calls,
        ]
        for (lat, lon), calls in sorted(counts.items())
    ]
    return MapData(
        cell_degrees=grid.cell_degrees,
        located_calls=grid.located_calls,
        cells=cells,
        max_calls=max(counts.values(), default=0),
        merged=merged,
        tile_url=settings.CFS_MAP_TILE_URL,
    )
