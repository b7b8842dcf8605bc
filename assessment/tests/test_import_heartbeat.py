"""An import is owned by a heartbeat: a job whose worker died is failed cleanly, never left
"running" for ever, and can be run again (issue 17, finding 8)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import CfsCall, CfsDataset, CfsImportJob
from assessment.services import import_jobs
from assessment.tests.test_tasks_and_demo import _job


def _killed_worker(job: CfsImportJob, *, beat_ago: timedelta) -> None:
    """What a worker killed mid-import leaves: RUNNING under its owner, its beat stopped."""
    at = timezone.now() - beat_ago
    CfsImportJob.objects.filter(pk=job.pk).update(
        status=CfsImportJob.Status.RUNNING, owner="dead-worker", started_at=at, heartbeat_at=at
    )


@pytest.fixture
def queued_job(coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    return _job(coordinator)


@pytest.mark.django_db
def test_a_dead_owners_job_is_failed_by_the_sweep_then_runs_again(client, coordinator, queued_job):
    _killed_worker(queued_job, beat_ago=timedelta(hours=3))
    assert services.cfs_import_jobs_fail_dead() == 1
    queued_job.refresh_from_db()
    assert queued_job.status == CfsImportJob.Status.FAILED
    assert "stopped" in queued_job.error and "nothing was imported" in queued_job.error
    assert not CfsCall.objects.exists() and not CfsDataset.objects.exists()  # nothing half-stored

    # The page shows it and offers to run it again (the mapping form of a failed job).
    client.force_login(coordinator)
    page = client.get(reverse("assessment:cfs_job", args=[queued_job.pk])).content.decode()
    assert "Run it again" in page and 'method="post"' in page
    again = services.cfs_import_job_start(
        job=queued_job, columns=queued_job.column_mapping, save_mapping=False, user=coordinator
    )
    assert again.status == CfsImportJob.Status.QUEUED
    services.cfs_import_job_run(job_id=queued_job.pk)
    queued_job.refresh_from_db()
    assert queued_job.status == CfsImportJob.Status.SUCCEEDED
    assert CfsCall.objects.count() == 50


@pytest.mark.django_db
def test_a_redelivered_task_fails_a_dead_owners_job_instead_of_leaving_it_running(queued_job):
    _killed_worker(queued_job, beat_ago=timedelta(hours=3))
    assert services.cfs_import_job_run(job_id=queued_job.pk) is None
    queued_job.refresh_from_db()
    assert queued_job.status == CfsImportJob.Status.FAILED


@pytest.mark.django_db
def test_a_live_import_is_not_touched(queued_job):
    _killed_worker(queued_job, beat_ago=timedelta(seconds=5))
    assert services.cfs_import_jobs_fail_dead() == 0
    assert services.cfs_import_job_run(job_id=queued_job.pk) is None  # a duplicate delivery
    queued_job.refresh_from_db()
    assert queued_job.status == CfsImportJob.Status.RUNNING


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the heartbeat thread needs a second writer")
def test_the_heartbeat_beats_while_the_import_runs(transactional_db, queued_job, settings):
    settings.CFS_IMPORT_HEARTBEAT_SECONDS = 0.05
    start = timezone.now() - timedelta(minutes=10)
    CfsImportJob.objects.filter(pk=queued_job.pk).update(
        status=CfsImportJob.Status.RUNNING, owner="me", heartbeat_at=start
    )
    heartbeat = import_jobs._Heartbeat(job_id=queued_job.pk, owner="me")
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            queued_job.refresh_from_db()
            if queued_job.heartbeat_at > start:
                break
            time.sleep(0.05)
    finally:
        heartbeat.close()
    assert queued_job.heartbeat_at > start
    assert services.cfs_import_jobs_fail_dead() == 0
