"""The import task on a real Celery worker, progress through a second connection, demo data."""

import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from assessment import demo, services
from assessment.models import CfsCall, CfsDataset, CfsImportJob
from assessment.services import import_jobs
from assessment.tests.factories import MKE_HEADER, csv_text, mke_row

ROWS = [MKE_HEADER] + [
    mke_row(i, f"2018-05-0{1 + i % 7} 1{i % 10}:00:00", "WELFARE CITIZEN") for i in range(50)
]


def _job(user) -> CfsImportJob:
    job = services.cfs_import_job_create(
        upload=SimpleUploadedFile("calls.csv", csv_text(ROWS).encode()),
        dataset_name="via worker",
        city_name="",
        preset="auto",
        replace=False,
        timezone_name="",
        user=user,
    )
    return services.cfs_import_job_start(job=job, columns=job.column_mapping, save_mapping=False, user=user)


@pytest.mark.worker
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared database")
def test_upload_is_imported_by_a_real_worker(transactional_db, celery_worker_process, coordinator):
    job = _job(coordinator)  # autocommit: the task is sent on commit, at once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.25)
    assert job.status == CfsImportJob.Status.SUCCEEDED, job.error
    assert job.task_id
    assert job.rows_imported == 50
    assert CfsCall.objects.filter(dataset__name="via worker").count() == 50
    assert not Path(job.upload_path).exists()


@pytest.mark.django_db
def test_a_job_runs_once(coordinator, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(coordinator)
    job.refresh_from_db()
    assert job.status == CfsImportJob.Status.SUCCEEDED
    # A redelivered task finds the job claimed and does nothing.
    assert services.cfs_import_job_run(job_id=job.pk) is None
    assert CfsDataset.objects.filter(name="via worker").count() == 1


@pytest.mark.django_db
def test_a_failed_job_keeps_its_error_and_file(coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    job = _job(coordinator)
    CfsImportJob.objects.filter(pk=job.pk).update(
        column_mapping={"received": "location", "description": "nature"}
    )
    services.cfs_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == CfsImportJob.Status.FAILED
    assert "No row could be read" in job.error
    assert Path(job.upload_path).exists()  # kept so that the coordinator can fix the mapping
    assert not CfsDataset.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="progress uses a second connection on PostgreSQL"
)
def test_progress_is_visible_while_the_import_transaction_is_open(transactional_db):
    job = CfsImportJob.objects.create(upload_path="/x", original_name="x", dataset_name="x", city_name="x")
    progress = import_jobs._JobProgress(job.pk)
    try:
        with transaction.atomic():
            progress("loading", 1234, 567)
            # Another connection wrote it: it is committed even though this transaction is open.
            job.refresh_from_db()
            assert (job.phase, job.rows_done, job.bytes_done) == ("loading", 1234, 567)
    finally:
        progress.close()


@pytest.mark.django_db
def test_demo_seed_imports_a_slice_once():
    out = StringIO()
    demo.seed(stdout=out)
    dataset = CfsDataset.objects.get(name=demo.DEMO_DATASET)
    assert dataset.row_count == demo.DEMO_ROWS
    assert "imported 2000" in out.getvalue()
    demo.seed(stdout=StringIO())
    assert CfsDataset.objects.count() == 1
    assert CfsCall.objects.count() == demo.DEMO_ROWS


@pytest.mark.django_db
def test_old_uploads_are_cleaned(coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    job = services.cfs_import_job_create(
        upload=SimpleUploadedFile("calls.csv", csv_text(ROWS).encode()),
        dataset_name="old",
        city_name="",
        preset="auto",
        replace=False,
        timezone_name="",
        user=coordinator,
    )
    assert services.cfs_import_jobs_clean(older_than_days=7) == 0
    CfsImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert services.cfs_import_jobs_clean(older_than_days=7) == 1
    assert not Path(job.upload_path).exists()


@pytest.mark.django_db
def test_an_uploaded_file_keeps_how_its_mapping_was_chosen(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    rows = [["Received", "Description", "Beat"], ["2024-01-01 10:15:00", "WELFARE CHECK", "A"]]
    job = services.cfs_import_job_create(
        upload=SimpleUploadedFile("calls.csv", csv_text(rows).encode()),
        dataset_name="detected",
        city_name="Testville",
        preset="auto",
        replace=False,
        timezone_name="America/Chicago",
        user=coordinator,
    )
    assert job.mapping_source == "auto"
    services.cfs_import_job_start(job=job, columns=job.column_mapping, save_mapping=False, user=coordinator)
    services.cfs_import_job_run(job_id=job.pk)
    dataset = CfsDataset.objects.get(name="detected")
    assert dataset.mapping_source == "auto"
    client.force_login(coordinator)
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "mapping: detected automatically" in " ".join(page.split())
    assert "manual" not in page

    # Columns the coordinator changed are theirs.
    corrected = services.cfs_import_job_create(
        upload=SimpleUploadedFile("calls.csv", csv_text(rows).encode()),
        dataset_name="corrected",
        city_name="Testville",
        preset="auto",
        replace=False,
        timezone_name="America/Chicago",
        user=coordinator,
    )
    columns = {**corrected.column_mapping, "area": ""}
    services.cfs_import_job_start(job=corrected, columns=columns, save_mapping=False, user=coordinator)
    services.cfs_import_job_run(job_id=corrected.pk)
    assert CfsDataset.objects.get(name="corrected").mapping_source_label == "chosen by hand"
