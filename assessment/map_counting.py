"""The counts behind the 911 map and the pilot-area filter, run by the background jobs
(assessment.map_jobs), never in a request.

- The map grid: a dataset's calls with coordinates counted per cell (`grid_count`), so the page
  reads a few thousand cells, never the calls.
- A boundary's calls aggregated (`boundary_materialise`) into tables shaped like the dataset's
  own, which the analysis then reads. "Inside" is the even-odd (ray casting) rule on
  longitude/latitude taken as plane coordinates: holes are outside, the parts of a MultiPolygon
  add up. PostgreSQL does it in one statement (a bounding-box prefilter, then the test once per
  distinct coordinate); other databases (SQLite in development) do it in Python.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC
from zoneinfo import ZoneInfo

from django.db import connection

from assessment.cfs import scene
from assessment.map_models import (
    CELL_DEGREES,
    CfsBoundary,
    CfsBoundaryCellCount,
    CfsBoundaryDispositionCount,
    CfsBoundaryPeriodCount,
    CfsBoundarySceneTimeCount,
    CfsBoundarySlotCount,
    CfsCellCount,
)
from assessment.models import CfsCall, CfsDataset

# Every table a boundary's calls are aggregated into (cleared together, recounted together).
BOUNDARY_COUNT_MODELS = (
    CfsBoundarySlotCount,
    CfsBoundaryPeriodCount,
    CfsBoundaryCellCount,
    CfsBoundaryDispositionCount,
    CfsBoundarySceneTimeCount,
)

Ring = list[tuple[float, float]]  # (longitude, latitude)
Polygon = list[Ring]  # outer ring first, then holes


# --------------------------------------------------------------------------------------------
# Geometry


def count_vertices(polygons: list[Polygon]) -> int:
    return sum(len(ring) for polygon in polygons for ring in polygon)


def _edges(polygons: list[Polygon]) -> list[tuple[float, float, float, float]]:
    """Every ring's edges (x1, y1, x2, y2), horizontal ones left out (they never cross a ray)."""
    edges = []
    for polygon in polygons:
        for ring in polygon:
            for index, (x1, y1) in enumerate(ring):
                x2, y2 = ring[(index + 1) % len(ring)]
                if y1 != y2:
                    edges.append((x1, y1, x2, y2))
    return edges


def _bbox(polygons: list[Polygon]) -> tuple[float, float, float, float]:
    lons = [lon for polygon in polygons for ring in polygon for lon, _lat in ring]
    lats = [lat for polygon in polygons for ring in polygon for _lon, lat in ring]
    return min(lons), min(lats), max(lons), max(lats)


def contains(polygons: list[Polygon], lon: float, lat: float) -> bool:
    """Even-odd rule: a ray from the point crosses the rings an odd number of times."""
    return _crossings(_edges(polygons), lon, lat) % 2 == 1


def _crossings(edges, lon: float, lat: float) -> int:
    return sum(
        1
        for x1, y1, x2, y2 in edges
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1
    )


# --------------------------------------------------------------------------------------------
# The grid


def cell_of(lat: float, lon: float, size: float = CELL_DEGREES) -> tuple[int, int]:
    return math.floor(lat / size), math.floor(lon / size)


def grid_count(dataset: CfsDataset) -> int:
    """(Re)count the dataset's calls per grid cell; returns the calls with coordinates. Call in
    a transaction."""
    CfsCellCount.objects.filter(dataset=dataset).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO assessment_cfscellcount"
                " (dataset_id, call_type_id, area, lat_cell, lon_cell, source_kind, calls)"
                " SELECT dataset_id, call_type_id, area, floor(latitude / %(size)s)::integer,"
                "  floor(longitude / %(size)s)::integer, source_kind, count(*)"
                " FROM assessment_cfscall WHERE dataset_id = %(dataset)s AND latitude IS NOT NULL"
                "  AND longitude IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6",
                {"size": CELL_DEGREES, "dataset": dataset.pk},
            )
    else:
        counts: dict[tuple, int] = defaultdict(int)
        for type_id, area, lat, lon, source in (
            CfsCall.objects.filter(dataset=dataset, latitude__isnull=False, longitude__isnull=False)
            .values_list("call_type_id", "area", "latitude", "longitude", "source_kind")
            .iterator(chunk_size=5000)
        ):
            counts[(type_id, area, *cell_of(lat, lon), source)] += 1
        CfsCellCount.objects.bulk_create(
            [
                CfsCellCount(
                    dataset=dataset,
                    call_type_id=key[0],
                    area=key[1],
                    lat_cell=key[2],
                    lon_cell=key[3],
                    source_kind=key[4],
                    calls=calls,
                )
                for key, calls in counts.items()
            ],
            batch_size=1000,
        )
    return sum(CfsCellCount.objects.filter(dataset=dataset).values_list("calls", flat=True))


# --------------------------------------------------------------------------------------------
# Boundaries


def boundary_materialise(boundary: CfsBoundary) -> int:
    """(Re)count the boundary's calls into its slot, period, cell, disposition and time-on-scene
    tables; returns the calls inside. Call in a transaction (assessment.map_jobs does)."""
    for model in BOUNDARY_COUNT_MODELS:
        model.objects.filter(boundary=boundary).delete()
    if connection.vendor == "postgresql":
        _materialise_sql(boundary)
    else:
        _materialise_python(boundary)
    return sum(CfsBoundaryPeriodCount.objects.filter(boundary=boundary).values_list("calls", flat=True))


def _materialise_sql(boundary: CfsBoundary) -> None:
    edges = _edges(boundary.polygons_tuples)
    min_lon, min_lat, max_lon, max_lat = _bbox(boundary.polygons_tuples)
    if not edges:  # a degenerate (flat) boundary: nothing inside
        return
    local = "c.received_at AT TIME ZONE %(zone)s"
    named = {
        "dataset": boundary.dataset_id,
        "boundary": boundary.pk,
        "zone": boundary.dataset.timezone,
        "size": CELL_DEGREES,
        "min_lon": min_lon,
        "max_lon": max_lon,
        "min_lat": min_lat,
        "max_lat": max_lat,
    }
    # The edges are written into the statement: floats we computed (repr), never text from the upload.
    edge_rows = ", ".join(
        f"({float(x1)!r}::float8, {float(y1)!r}::float8, {float(x2)!r}::float8, {float(y2)!r}::float8)"
        for x1, y1, x2, y2 in edges
    )
    # The only text written in is numbers (the edges) and fixed names.
    sql = (
        f"WITH edges (x1, y1, x2, y2) AS (VALUES {edge_rows}),"  # noqa: S608
        " pts AS (SELECT DISTINCT latitude AS la, longitude AS lo FROM assessment_cfscall"
        "  WHERE dataset_id = %(dataset)s AND latitude BETWEEN %(min_lat)s AND %(max_lat)s"
        "  AND longitude BETWEEN %(min_lon)s AND %(max_lon)s),"
        " inside AS (SELECT la, lo FROM pts WHERE (SELECT count(*) FROM edges e"
        "  WHERE (e.y1 > pts.la) <> (e.y2 > pts.la)"
        "  AND pts.lo < (e.x2 - e.x1) * (pts.la - e.y1) / (e.y2 - e.y1) + e.x1) %% 2 = 1),"
        f" src AS MATERIALIZED (SELECT c.call_type_id, {local} AS local_ts, c.area, c.priority, c.source_kind,"
        "  c.latitude, c.longitude, c.disposition, c.scene_seconds, c.units"
        " FROM assessment_cfscall c JOIN inside i ON c.latitude = i.la"
        "  AND c.longitude = i.lo WHERE c.dataset_id = %(dataset)s),"
        " slots AS (INSERT INTO assessment_cfsboundaryslotcount"
        "  (boundary_id, call_type_id, weekday, hour, area, source_kind, calls)"
        "  SELECT %(boundary)s, call_type_id, (date_part('isodow', local_ts) - 1)::smallint,"
        "  date_part('hour', local_ts)::smallint, area, source_kind, count(*) FROM src GROUP BY 2, 3, 4, 5, 6),"
        " periods AS (INSERT INTO assessment_cfsboundaryperiodcount"
        "  (boundary_id, call_type_id, month, priority, area, source_kind, calls)"
        "  SELECT %(boundary)s, call_type_id, date_trunc('month', local_ts)::date, priority, area, source_kind,"
        "  count(*) FROM src GROUP BY 2, 3, 4, 5, 6),"
        " cells AS (INSERT INTO assessment_cfsboundarycellcount"
        "  (boundary_id, call_type_id, area, lat_cell, lon_cell, source_kind, calls)"
        "  SELECT %(boundary)s, call_type_id, area, floor(latitude / %(size)s)::integer,"
        "  floor(longitude / %(size)s)::integer, source_kind, count(*) FROM src GROUP BY 2, 3, 4, 5, 6),"
        " dispositions AS (INSERT INTO assessment_cfsboundarydispositioncount"
        "  (boundary_id, call_type_id, area, source_kind, disposition, calls)"
        "  SELECT %(boundary)s, call_type_id, area, source_kind, disposition, count(*) FROM src"
        "  GROUP BY 2, 3, 4, 5),"
        " scenes AS (INSERT INTO assessment_cfsboundaryscenetimecount"
        "  (boundary_id, call_type_id, area, source_kind, bucket, calls, seconds, unit_seconds)"
        f"  SELECT %(boundary)s, call_type_id, area, source_kind, {scene.bucket_sql('scene_seconds')}, count(*),"
        "  sum(scene_seconds), sum(scene_seconds * coalesce(units, 1)) FROM src"
        "  WHERE scene_seconds IS NOT NULL GROUP BY 2, 3, 4, 5)"
        " SELECT count(*) FROM src"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, named)


def _materialise_python(boundary: CfsBoundary) -> None:
    polygons = boundary.polygons_tuples
    edges = _edges(polygons)
    min_lon, min_lat, max_lon, max_lat = _bbox(polygons)
    zone = ZoneInfo(boundary.dataset.timezone)
    slots: dict[tuple, int] = defaultdict(int)
    periods: dict[tuple, int] = defaultdict(int)
    cells: dict[tuple, int] = defaultdict(int)
    dispositions: dict[tuple, int] = defaultdict(int)
    scenes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])  # calls, seconds, unit-seconds
    verdicts: dict[tuple[float, float], bool] = {}
    for type_id, received, area, priority, source, lat, lon, disposition, seconds, units in (
        CfsCall.objects.filter(
            dataset_id=boundary.dataset_id,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
        )
        .values_list(
            "call_type_id",
            "received_at",
            "area",
            "priority",
            "source_kind",
            "latitude",
            "longitude",
            "disposition",
            "scene_seconds",
            "units",
        )
        .iterator(chunk_size=5000)
    ):
        inside = verdicts.get((lat, lon))
        if inside is None:
            inside = verdicts[(lat, lon)] = _crossings(edges, lon, lat) % 2 == 1
        if not inside:
            continue
        local = received.astimezone(UTC).astimezone(zone)
        slots[(type_id, local.weekday(), local.hour, area, source)] += 1
        periods[(type_id, local.date().replace(day=1), priority, area, source)] += 1
        cells[(type_id, area, *cell_of(lat, lon), source)] += 1
        dispositions[(type_id, area, source, disposition)] += 1
        if seconds is not None:
            totals = scenes[(type_id, area, source, scene.bucket_of(seconds))]
            totals[0] += 1
            totals[1] += seconds
            totals[2] += seconds * (units if units is not None else 1)
    CfsBoundarySlotCount.objects.bulk_create(
        [
            CfsBoundarySlotCount(
                boundary=boundary, call_type_id=t, weekday=w, hour=h, area=a, source_kind=s, calls=n
            )
            for (t, w, h, a, s), n in slots.items()
        ],
        batch_size=1000,
    )
    CfsBoundaryPeriodCount.objects.bulk_create(
        [
            CfsBoundaryPeriodCount(
                boundary=boundary, call_type_id=t, month=m, priority=p, area=a, source_kind=s, calls=n
            )
            for (t, m, p, a, s), n in periods.items()
        ],
        batch_size=1000,
    )
    CfsBoundaryCellCount.objects.bulk_create(
        [
            CfsBoundaryCellCount(
                boundary=boundary, call_type_id=t, area=a, lat_cell=y, lon_cell=x, source_kind=s, calls=n
            )
            for (t, a, y, x, s), n in cells.items()
        ],
        batch_size=1000,
    )
    CfsBoundaryDispositionCount.objects.bulk_create(
        [
            CfsBoundaryDispositionCount(
                boundary=boundary, call_type_id=t, area=a, source_kind=s, disposition=d, calls=n
            )
            for (t, a, s, d), n in dispositions.items()
        ],
        batch_size=1000,
    )
    CfsBoundarySceneTimeCount.objects.bulk_create(
        [
            CfsBoundarySceneTimeCount(
                boundary=boundary,
                call_type_id=t,
                area=a,
                source_kind=s,
                bucket=b,
                calls=n,
                seconds=seconds,
                unit_seconds=unit_seconds,
            )
            for (t, a, s, b), (n, seconds, unit_seconds) in scenes.items()
        ],
        batch_size=1000,
    )
