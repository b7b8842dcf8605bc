"""Celery tasks of the assessment app: thin, started on commit, services do the work."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60)
def cfs_import_job_run(job_id: int) -> None:
    """Import an uploaded 911 calls file. Large files take minutes, hence the long limits."""
    from assessment.services import cfs_import_job_run as run

    run(job_id=job_id)


@shared_task(ignore_result=True)
def cfs_import_uploads_clean() -> None:
    """Daily: remove uploaded files of old import jobs."""
    from assessment.services import cfs_import_jobs_clean

    cfs_import_jobs_clean()


@shared_task(ignore_result=True)
def cfs_import_jobs_fail_dead() -> None:
    """Every minute: fail the imports whose worker stopped beating (killed, lost)."""
    from assessment.services import cfs_import_jobs_fail_dead

    cfs_import_jobs_fail_dead()
