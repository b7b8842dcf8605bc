"""Writes behind the 911 map and the pilot-area filter.

- GeoJSON boundaries: `geojson_polygons` validates an upload; `assessment.map_jobs` stores it
  and counts the calls inside it in the background (`assessment.map_counting` does the counting).
- The map grid: counted in the background too (`assessment.map_jobs.grid_request`), or at once
  by the import's worker (`grid_ensure`).
- Replacing or deleting a dataset forgets these aggregates (`forget_aggregates`); its
  boundaries keep their polygons and are counted again in the background.
- `pilot_area_choose` remembers the filter of a dataset's analysis page.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import map_jobs
from assessment.map_counting import BOUNDARY_COUNT_MODELS, Polygon, count_vertices
from assessment.map_models import CfsBoundary, CfsGrid, CfsPilotArea
from assessment.models import CfsDataset

MAX_VERTICES = 2000
MAX_GEOJSON_BYTES = 2 * 1024 * 1024

# --------------------------------------------------------------------------------------------
# GeoJSON


def geojson_polygons(text: str) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection of those.

    Raises ValidationError with a message for the person uploading."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise ValidationError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from None
    geometries = _geometries(data)
    polygons: list[Polygon] = []
    for geometry in geometries:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if kind == "Polygon":
            polygons.append(_polygon(coordinates))
        elif kind == "MultiPolygon":
            if not isinstance(coordinates, list) or not coordinates:
                raise ValidationError(_("The MultiPolygon has no polygons."))
            polygons.extend(_polygon(item) for item in coordinates)
        else:
            raise ValidationError(
                _("The boundary must be a Polygon or a MultiPolygon, not %(kind)s.") % {"kind": kind or "?"}
            )
    vertices = count_vertices(polygons)
    if vertices > MAX_VERTICES:
        raise ValidationError(
            _("The boundary has %(count)d vertices; at most %(max)d are allowed. Simplify it first.")
            % {"count": vertices, "max": MAX_VERTICES}
        )
    return polygons


def _geometries(data) -> list:
    if not isinstance(data, dict):
        raise ValidationError(_("The file is not a GeoJSON object."))
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ValidationError(_("The FeatureCollection has no features."))
        return [feature.get("geometry") if isinstance(feature, dict) else None for feature in features]
    if kind == "Feature":
        return [data.get("geometry")]
    return [data]


def _polygon(coordinates) -> Polygon:
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("A polygon has no rings."))
    rings = []
    for ring in coordinates:
        points = []
        if not isinstance(ring, list):
            raise ValidationError(_("A polygon ring is not a list of positions."))
        for position in ring:
            if (
                not isinstance(position, list)
                or len(position) < 2
                or not all(
                    isinstance(value, int | float) and not isinstance(value, bool) for value in position[:2]
                )
            ):
                raise ValidationError(
                    _("A position is not [longitude, latitude]: %(value)s") % {"value": position}
                )
            lon, lat = float(position[0]), float(position[1])
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValidationError(
                    _("A position is outside the world ([longitude, latitude] expected): %(value)s")
                    % {"value": position}
                )
            points.append((lon, lat))
        if len(points) >= 2 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            raise ValidationError(_("A polygon ring needs at least 3 distinct positions."))
        rings.append(points)
    return rings


# --------------------------------------------------------------------------------------------
# The grid and the counts of a dataset


def grid_ensure(dataset: CfsDataset) -> CfsGrid:
    """Count the dataset's grid now, unless it is counted or being counted (the import's worker
    calls this right after an import)."""
    return map_jobs.grid_ensure(dataset)


def forget_aggregates(dataset_id: int) -> None:
    """A dataset's calls are being replaced or deleted: its grid and its boundaries' counts go;
    the boundaries are counted again once this commits."""
    CfsGrid.objects.filter(dataset_id=dataset_id).delete()
    boundaries = CfsBoundary.objects.filter(dataset_id=dataset_id)
    for model in BOUNDARY_COUNT_MODELS:
        model.objects.filter(boundary__in=boundaries).delete()
    boundaries.update(calls_inside=0)
    map_jobs.boundaries_recount(dataset_id=dataset_id)


# --------------------------------------------------------------------------------------------
# The remembered filter


def pilot_area_choose(
    *, dataset: CfsDataset, areas: list[str], boundary: CfsBoundary | None, user
) -> CfsPilotArea:
    """Remember the filter for the dataset (areas and/or a boundary of this dataset; none = all)."""
    if boundary is not None and boundary.dataset_id != dataset.pk:
        raise ValidationError(_("That boundary belongs to another dataset."))
    choice, _created = CfsPilotArea.objects.update_or_create(
        dataset=dataset,
        defaults={
            "areas": sorted(set(areas)),
            "boundary": boundary,
            "updated_by": user,
            "updated_at": timezone.now(),
        },
    )
    return choice
