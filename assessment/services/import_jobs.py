"""Uploads imported in the background: jobs, their progress and heartbeat, sweeps and clean-up."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import map_services
from assessment.cfs import limits, parsing, presets
from assessment.models import CfsImportJob
from assessment.services.datasets import (
    DEFAULT_CITY,
    CfsImportError,
    _check_columns,
    cfs_dataset_import,
    cfs_mapping_detect,
)

logger = logging.getLogger(__name__)


def upload_dir() -> Path:
    return Path(getattr(settings, "CFS_UPLOAD_DIR", Path(settings.MEDIA_ROOT) / "cfs_uploads"))


def _store_upload(uploaded, suffix: str) -> Path:
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}{suffix}"
    if hasattr(uploaded, "temporary_file_path"):  # a large upload Django already wrote to disk
        shutil.move(uploaded.temporary_file_path(), target)
        return target
    try:
        with open(target, "wb") as handle:
            for chunk in uploaded.chunks():
                handle.write(chunk)
    except BaseException:
        _remove_files(str(target))
        raise
    return target


def cfs_import_job_create(
    *,
    upload,
    lookup=None,
    dataset_name: str,
    city_name: str,
    preset: str,
    replace: bool,
    timezone_name: str,
    user,
) -> CfsImportJob:
    """Store an uploaded file and detect its mapping; the coordinator confirms it next."""
    path = _store_upload(upload, ".csv")
    lookup_path = _store_upload(lookup, ".lookup.csv") if lookup else None
    try:
        lookup_table = parsing.read_lookup(lookup_path) if lookup_path else None
        headers, sample, choice = cfs_mapping_detect(
            path=path, preset=preset, city_name=city_name, lookup=lookup_table
        )
        if preset and preset != "auto":
            _check_columns(headers, choice)  # a chosen preset must fit the file
        elif presets.missing_required(presets.resolve_columns(choice.columns, headers)[0]):
            # Auto-detection found no usable mapping: the coordinator picks the columns next.
            choice.notes.insert(0, str(parsing.missing_fields_error(headers, choice.columns)))
    except BaseException:  # refused, or the request itself failed: no upload without its job
        _remove_files(str(path), str(lookup_path or ""))
        raise
    with transaction.atomic():
        return CfsImportJob.objects.create(
            created_by=user,
            upload_path=str(path),
            original_name=upload.name[:255],
            lookup_path=str(lookup_path or ""),
            lookup_name=(lookup.name[:255] if lookup else ""),
            dataset_name=dataset_name.strip(),
            city_name=" ".join((city_name or choice.city or DEFAULT_CITY).split()),
            timezone=timezone_name or choice.timezone,
            replace=replace,
            headers=headers,
            sample_rows=sample,
            column_mapping=choice.columns,
            mapping_source=choice.source,
            mapping_notes=choice.notes,
            mapping_explanations=choice.explanations,
            bytes_total=path.stat().st_size,
        )


def cfs_import_job_start(
    *, job: CfsImportJob, columns: dict[str, str], save_mapping: bool, user
) -> CfsImportJob:
    """Confirm the mapping and queue the import; the task is sent once this commits."""
    cleaned = {name: header for name, header in columns.items() if header}
    if presets.missing_required(cleaned):
        raise ValidationError(_("Map the received time and a call type code or description column."))
    unknown = [header for header in cleaned.values() if header not in job.headers]
    if unknown:
        raise ValidationError(
            _("These columns are not in the file: %(columns)s") % {"columns": ", ".join(unknown)}
        )
    with transaction.atomic():
        locked = CfsImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (CfsImportJob.Status.AWAITING_MAPPING, CfsImportJob.Status.FAILED):
            raise ValidationError(_("This import has already started."))
        if not Path(locked.upload_path).exists():
            raise ValidationError(_("The uploaded file is gone; upload it again."))
        locked.column_mapping = cleaned
        locked.mapping_source = "manual" if cleaned != job.column_mapping else locked.mapping_source
        locked.save_mapping = save_mapping
        locked.status = CfsImportJob.Status.QUEUED
        locked.error = ""
        locked.phase = ""
        locked.bytes_done = locked.rows_done = 0
        locked.save()
        transaction.on_commit(partial(_enqueue, locked.pk))
    return locked


def _enqueue(job_id: int) -> None:
    from assessment.tasks import cfs_import_job_run

    try:
        result = cfs_import_job_run.delay(job_id)
    except Exception:  # the broker is down: the job stays queued and can be started again
        logger.exception("could not enqueue 911 import job %s", job_id)
        return
    CfsImportJob.objects.filter(pk=job_id, task_id="").update(task_id=result.id or "")


class _JobProgress:
    """Writes progress to the job row through its own connection: the import's transaction is
    not committed until the end, so updates made inside it would be invisible."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0
        self.connection = (
            connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None
        )

    def __call__(self, phase: str, rows: int, done: int) -> None:
        now = time.monotonic()
        if self.connection is None or (now - self.last < 0.5 and phase == "reading"):
            return
        self.last = now
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE assessment_cfsimportjob SET phase = %s, rows_done = %s, bytes_done = %s WHERE id = %s",
                    [phase, rows, done, self.job_id],
                )
        except Exception:  # progress is a courtesy; never fail an import for it
            logger.warning("could not record progress of 911 import job %s", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class _Heartbeat:
    """Beats on the job row every CFS_IMPORT_HEARTBEAT_SECONDS from a thread with its own
    connection (the import's transaction is uncommitted until the end), while the import runs.
    Only where the database takes a second writer at once (PostgreSQL)."""

    def __init__(self, *, job_id: int, owner: str):
        self.job_id, self.owner = job_id, owner
        self.stop = threading.Event()
        self.thread = None
        if connection.vendor == "postgresql":
            self.thread = threading.Thread(target=self._run, name=f"cfs-heartbeat-{job_id}", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        beat = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            while not self.stop.wait(settings.CFS_IMPORT_HEARTBEAT_SECONDS):
                try:
                    with beat.cursor() as cursor:
                        cursor.execute(
                            "UPDATE assessment_cfsimportjob SET heartbeat_at = %s WHERE id = %s AND owner = %s",
                            [timezone.now(), self.job_id, self.owner],
                        )
                except Exception:  # a missed beat is retried; the sweep allows several
                    logger.warning("911 import job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            beat.close()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


class _LostOwnership(Exception):
    """The sweep failed the job while this import ran (its heartbeat was late): roll back."""


def _stale_before(now) -> datetime:
    """Heartbeats older than this mean a dead owner. SQLite (development) has no heartbeat
    thread, so there a job is only given up after the old two hours."""
    if connection.vendor != "postgresql":
        return now - timedelta(hours=2)
    return now - timedelta(seconds=settings.CFS_IMPORT_STALE_SECONDS)


def _dead_owner_error() -> str:
    return _(
        "The worker running this import stopped (its heartbeat ended); nothing was imported. Run it again."
    )


def cfs_import_jobs_fail_dead(*, now: datetime | None = None) -> int:
    """Fail the running imports whose owner stopped beating (a killed worker). Nothing of theirs
    was stored: an import commits all its rows at once, at the end. Returns how many."""
    now = now or timezone.now()
    dead = CfsImportJob.objects.filter(status=CfsImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=_stale_before(now))
        | Q(heartbeat_at__isnull=True, started_at__lt=_stale_before(now))
    )
    failed = dead.update(
        status=CfsImportJob.Status.FAILED, error=_dead_owner_error(), finished_at=now, phase=""
    )
    if failed:
        logger.error("failed %s 911 import job(s) whose worker stopped", failed)
    return failed


def cfs_import_job_run(*, job_id: int) -> CfsImportJob | None:
    """Run a queued import (called by the Celery task). Claims the job with an owner token so
    that a redelivered task cannot import twice; a redelivered task finding the job still
    RUNNING under a dead owner fails it (the page offers to run it again)."""
    now = timezone.now()
    owner = uuid.uuid4().hex
    claimed = CfsImportJob.objects.filter(pk=job_id, status=CfsImportJob.Status.QUEUED).update(
        status=CfsImportJob.Status.RUNNING, started_at=now, phase="reading", owner=owner, heartbeat_at=now
    )
    if not claimed:
        cfs_import_jobs_fail_dead(now=now)
        return None
    job = CfsImportJob.objects.get(pk=job_id)
    progress = _JobProgress(job.pk)
    heartbeat = _Heartbeat(job_id=job.pk, owner=owner)
    try:
        with transaction.atomic():
            result = cfs_dataset_import(
                path=job.upload_path,
                dataset_name=job.dataset_name,
                city_name=job.city_name,
                columns=job.column_mapping,
                mapping_source=job.mapping_source,
                lookup_path=job.lookup_path or None,
                timezone_name=job.timezone,
                replace=job.replace,
                user=job.created_by,
                source_name=job.original_name,
                save_mapping=job.save_mapping,
                progress=progress,
            )
            still_ours = CfsImportJob.objects.filter(
                pk=job.pk, status=CfsImportJob.Status.RUNNING, owner=owner
            ).update(
                status=CfsImportJob.Status.SUCCEEDED,
                finished_at=timezone.now(),
                phase="done",
                dataset=result.dataset,
                rows_done=result.rows_imported + result.bad_row_count,
                bytes_done=job.bytes_total,
                rows_imported=result.rows_imported,
                bad_row_count=result.bad_row_count,
                bad_rows=[list(item) for item in result.bad_rows],
            )
            if not still_ours:
                raise _LostOwnership
    except _LostOwnership:
        logger.error(
            "911 import job %s was failed by the sweep while it ran; its rows were rolled back", job.pk
        )
        return CfsImportJob.objects.get(pk=job.pk)
    except (CfsImportError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if isinstance(exc, limits.CfsLimitError):  # no run can import this file: do not keep it
            _remove_files(job.upload_path, job.lookup_path)
        CfsImportJob.objects.filter(pk=job.pk).update(
            status=CfsImportJob.Status.FAILED, error=message, finished_at=timezone.now(), phase=""
        )
        return CfsImportJob.objects.get(pk=job.pk)
    except Exception:
        logger.exception("911 import job %s failed", job.pk)
        CfsImportJob.objects.filter(pk=job.pk).update(
            status=CfsImportJob.Status.FAILED,
            error=_(
                "The import failed because of an internal error; nothing was imported. See the server log."
            ),
            finished_at=timezone.now(),
            phase="",
        )
        raise
    finally:
        heartbeat.close()
        progress.close()
    _remove_files(job.upload_path, job.lookup_path)
    done = CfsImportJob.objects.select_related("dataset").get(pk=job.pk)
    if done.status == CfsImportJob.Status.SUCCEEDED and done.dataset is not None:
        # The map's grid now, in the worker, rather than at the first view of the page (a
        # GROUP BY over every call). Optional: the page counts it itself if this fails.
        try:
            map_services.grid_ensure(done.dataset)
        except DatabaseError:
            logger.exception("the map grid of dataset %s could not be counted", done.dataset_id)
    return done


def _remove_files(*paths: str) -> None:
    for path in paths:
        if path:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


def cfs_import_jobs_clean(*, older_than_days: int = 7) -> int:
    """Delete uploaded files of jobs finished or abandoned long ago. Returns files removed."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed = 0
    jobs = CfsImportJob.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[CfsImportJob.Status.QUEUED, CfsImportJob.Status.RUNNING]
    )
    for job in jobs.exclude(upload_path=""):
        for path in (job.upload_path, job.lookup_path):
            if path and Path(path).exists():
                _remove_files(path)
                removed += 1
    return removed + _remove_orphan_uploads()


ORPHAN_UPLOAD_AGE = timedelta(hours=1)


def _remove_orphan_uploads() -> int:
    """Remove stored uploads that no job refers to: what a request killed half-way (a worker
    timeout, a crash) left behind. Younger files may belong to a request still detecting."""
    directory = upload_dir()
    if not directory.is_dir():
        return 0
    cutoff = (timezone.now() - ORPHAN_UPLOAD_AGE).timestamp()
    kept = set()
    for upload_path, lookup_path in CfsImportJob.objects.values_list("upload_path", "lookup_path"):
        kept.update((upload_path, lookup_path))
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and str(path) not in kept and path.stat().st_mtime < cutoff:
            _remove_files(str(path))
            removed += 1
    return removed
