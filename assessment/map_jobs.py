"""Counting a map grid or a pilot-area boundary in the background (Celery), never in a request.

A count over a city's calls takes seconds to minutes (a 64-vertex boundary, 15 s at 10 M calls;
the grid, 12 s), longer than a page may wait. So a request only records that a count is wanted
(`count_state` QUEUED on the CfsGrid or CfsBoundary row) and sends the task once its transaction
commits; the task claims the row with an owner token (a redelivered task finds it claimed and
does nothing), beats on it while it counts (PostgreSQL: a thread with its own connection), and
writes the counts and COUNTED in one transaction, so nothing half-written is ever read. A count
that fails is FAILED with its error; one whose worker died (its heartbeat stopped) is failed by
the sweep (`map_counts_fail_dead`, every minute) and shown as failed by the page even before.
Either can be counted again (`boundary_count_retry`, `grid_count_retry`).

Without a broker (development, tests) Celery runs the task eagerly, at commit.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import map_counting, map_selectors
from assessment.map_models import CfsBoundary, CfsGrid, CountState, stale_before
from assessment.models import CfsDataset

logger = logging.getLogger(__name__)


class _LostOwnership(Exception):
    """The sweep failed the count while it ran (its heartbeat was late): roll back."""


class _Heartbeat:
    """Beats on the row every CFS_IMPORT_HEARTBEAT_SECONDS from a thread with its own connection
    (the count's transaction is uncommitted until the end). PostgreSQL only: SQLite takes one
    writer at a time."""

    def __init__(self, *, model, pk: int, owner: str):
        self.table, self.pk, self.owner = model._meta.db_table, pk, owner
        self.stop = threading.Event()
        self.thread = None
        if connection.vendor == "postgresql":
            self.thread = threading.Thread(target=self._run, name=f"{self.table}-beat-{pk}", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        beat = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            while not self.stop.wait(settings.CFS_IMPORT_HEARTBEAT_SECONDS):
                try:
                    with beat.cursor() as cursor:
                        cursor.execute(
                            f"UPDATE {self.table} SET heartbeat_at = %s WHERE id = %s AND owner = %s",  # noqa: S608 - a model's table
                            [timezone.now(), self.pk, self.owner],
                        )
                except Exception:  # a missed beat is retried; the sweep allows several
                    logger.warning("%s %s: heartbeat failed", self.table, self.pk, exc_info=True)
        finally:
            beat.close()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


def _dead_owner_error() -> str:
    return _("The worker counting it stopped (its heartbeat ended); nothing was stored. Count it again.")


def _internal_error() -> str:
    return _("The count failed because of an internal error; nothing was stored. See the server log.")


def _run_claimed(model, pk: int, count) -> bool:
    """Claim a QUEUED row, run `count(row)` in one transaction with a heartbeat, and mark it
    COUNTED (in that transaction) or FAILED. False when the row was not ours to count."""
    started = timezone.now()
    owner = uuid.uuid4().hex
    claimed = model.objects.filter(pk=pk, count_state=CountState.QUEUED).update(
        count_state=CountState.COUNTING, started_at=started, heartbeat_at=started, owner=owner, error=""
    )
    if not claimed:
        return False
    heartbeat = _Heartbeat(model=model, pk=pk, owner=owner)
    try:
        with transaction.atomic():
            row = model.objects.get(pk=pk)
            fields = count(row)
            still_ours = model.objects.filter(pk=pk, count_state=CountState.COUNTING, owner=owner).update(
                count_state=CountState.COUNTED, computed_at=timezone.now(), **fields
            )
            if not still_ours:
                raise _LostOwnership
    except _LostOwnership:
        logger.error("%s %s was failed by the sweep while it counted; rolled back", model.__name__, pk)
    except Exception:  # the row says so; the page offers to count again
        logger.exception("counting %s %s failed", model.__name__, pk)
        model.objects.filter(pk=pk, owner=owner).update(
            count_state=CountState.FAILED, error=_internal_error()
        )
    finally:
        heartbeat.close()
    return True


def map_counts_fail_dead(*, now: datetime | None = None) -> int:
    """Fail the counts whose worker stopped beating (a killed worker). Their counts were never
    committed. Returns how many."""
    now = now or timezone.now()
    cutoff = stale_before(now)
    dead = Q(count_state=CountState.COUNTING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    failed = sum(
        model.objects.filter(dead).update(count_state=CountState.FAILED, error=_dead_owner_error())
        for model in (CfsBoundary, CfsGrid)
    )
    if failed:
        logger.error("failed %s map count(s) whose worker stopped", failed)
    return failed


def _enqueue(task_name: str, pk: int) -> None:
    from assessment import tasks

    try:
        getattr(tasks, task_name).delay(pk)
    except Exception:  # the broker is down: the row stays queued; the page offers a retry later
        logger.exception("could not enqueue %s %s", task_name, pk)


# --------------------------------------------------------------------------------------------
# Boundaries


def boundary_create(
    *, dataset: CfsDataset, name: str, polygons: list[map_counting.Polygon], user
) -> CfsBoundary:
    """Store an uploaded boundary; its calls are counted in the background once this commits."""
    if not map_selectors.has_coordinates(dataset):
        raise ValidationError(_("This dataset has no coordinates: a boundary cannot select any call."))
    with transaction.atomic():
        boundary = CfsBoundary.objects.create(
            dataset=dataset,
            name=name.strip()[:120] or _("Uploaded boundary"),
            polygons=polygons,
            vertices=map_counting.count_vertices(polygons),
            created_by=user,
        )
        transaction.on_commit(partial(_enqueue, "cfs_boundary_count", boundary.pk))
    return boundary


def boundary_count_run(*, boundary_id: int) -> bool:
    """Count a queued boundary's calls (the Celery task). False when it was not queued."""

    def count(boundary: CfsBoundary) -> dict:
        return {"calls_inside": map_counting.boundary_materialise(boundary)}

    return _run_claimed(CfsBoundary, boundary_id, count)


def boundary_count_retry(*, boundary: CfsBoundary) -> bool:
    """Queue a failed or stalled count again. False when the boundary is counted or counting."""
    if not boundary.can_retry:
        return False
    with transaction.atomic():
        requeued = CfsBoundary.objects.filter(pk=boundary.pk, count_state=boundary.count_state).update(
            count_state=CountState.QUEUED, requested_at=timezone.now(), error="", owner=""
        )
        if requeued:
            transaction.on_commit(partial(_enqueue, "cfs_boundary_count", boundary.pk))
    return bool(requeued)


def boundaries_recount(*, dataset_id: int) -> None:
    """The dataset's calls were replaced: its boundaries are counted again (after commit)."""
    ids = list(CfsBoundary.objects.filter(dataset_id=dataset_id).values_list("pk", flat=True))
    CfsBoundary.objects.filter(pk__in=ids).update(
        count_state=CountState.QUEUED, requested_at=timezone.now(), error="", owner="", computed_at=None
    )
    for pk in ids:
        transaction.on_commit(partial(_enqueue, "cfs_boundary_count", pk))


def boundary_for_dataset(*, boundary: CfsBoundary, dataset: CfsDataset, user) -> CfsBoundary:
    """The same polygons as a boundary of `dataset` (the comparison's other dataset): the
    boundary itself, a boundary of `dataset` with the same polygons, or a copy counted in the
    background."""
    if boundary.dataset_id == dataset.pk:
        return boundary
    with transaction.atomic():
        # Serialises two requests asking for the same copy at once.
        CfsDataset.objects.select_for_update().filter(pk=dataset.pk).first()
        for candidate in CfsBoundary.objects.filter(dataset=dataset, vertices=boundary.vertices):
            if candidate.polygons_tuples == boundary.polygons_tuples:
                return candidate
        copy = CfsBoundary.objects.create(
            dataset=dataset,
            name=boundary.name,
            polygons=boundary.polygons,
            vertices=boundary.vertices,
            created_by=user,
        )
        transaction.on_commit(partial(_enqueue, "cfs_boundary_count", copy.pk))
    return copy


# --------------------------------------------------------------------------------------------
# The grid


def grid_request(dataset: CfsDataset) -> CfsGrid:
    """The dataset's grid row; the first request queues its count (sent once this commits)."""
    grid, created = CfsGrid.objects.get_or_create(dataset=dataset)
    if created:
        transaction.on_commit(partial(_enqueue, "cfs_grid_count", grid.pk))
        if not connection.in_atomic_block:  # sent already; without a broker, even counted
            grid.refresh_from_db()
    return grid


def _grid_count(grid: CfsGrid) -> dict:
    return {"located_calls": map_counting.grid_count(grid.dataset), "cell_degrees": map_counting.CELL_DEGREES}


def grid_count_run(*, grid_id: int) -> bool:
    """Count a queued grid (the Celery task). False when it was not queued."""
    return _run_claimed(CfsGrid, grid_id, _grid_count)


def grid_ensure(dataset: CfsDataset) -> CfsGrid:
    """Count the dataset's grid now unless it is counted or being counted (an import's worker,
    right after the import; benchmarks)."""
    grid, _created = CfsGrid.objects.get_or_create(dataset=dataset)
    if grid.count_state in (CountState.FAILED, CountState.COUNTING) and grid.can_retry:
        CfsGrid.objects.filter(pk=grid.pk, count_state=grid.count_state).update(count_state=CountState.QUEUED)
    grid_count_run(grid_id=grid.pk)
    return CfsGrid.objects.get(pk=grid.pk)


def grid_count_retry(*, grid: CfsGrid) -> bool:
    """Queue a failed or stalled grid count again."""
    if not grid.can_retry:
        return False
    with transaction.atomic():
        requeued = CfsGrid.objects.filter(pk=grid.pk, count_state=grid.count_state).update(
            count_state=CountState.QUEUED, requested_at=timezone.now(), error="", owner=""
        )
        if requeued:
            transaction.on_commit(partial(_enqueue, "cfs_grid_count", grid.pk))
    return bool(requeued)
