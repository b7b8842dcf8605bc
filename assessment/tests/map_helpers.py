"""Boundaries counted the way the application counts them: stored by the upload's service, then
counted by the Celery task sent when the transaction commits (eager in tests)."""

import json

from django.test import TestCase

from assessment import map_jobs, map_services
from assessment.map_models import CfsBoundary


def counted_boundary(dataset, geometry, *, name: str = "Pilot", user=None) -> CfsBoundary:
    with TestCase.captureOnCommitCallbacks(execute=True) as sent:
        made = map_jobs.boundary_create(
            dataset=dataset,
            name=name,
            polygons=map_services.geojson_polygons(json.dumps(geometry)),
            user=user,
        )
    assert len(sent) == 1, "the count is sent once, on commit"
    made.refresh_from_db()
    assert made.is_counted, made.error
    return made
