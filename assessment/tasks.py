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


@shared_task(ignore_result=True, acks_late=True, time_limit=3600, soft_time_limit=3600 - 60)
def cfs_boundary_count(boundary_id: int) -> None:
    """Count the calls inside an uploaded pilot-area boundary (seconds to minutes)."""
    from assessment.map_jobs import boundary_count_run

    boundary_count_run(boundary_id=boundary_id)


@shared_task(ignore_result=True, acks_late=True, time_limit=3600, soft_time_limit=3600 - 60)
def cfs_grid_count(grid_id: int) -> None:
    """Count a dataset's calls per map cell (seconds to minutes)."""
    from assessment.map_jobs import grid_count_run

    grid_count_run(grid_id=grid_id)


@shared_task(ignore_result=True)
def cfs_map_counts_fail_dead() -> None:
    """Every minute: fail the grid and boundary counts whose worker stopped beating."""
    from assessment.map_jobs import map_counts_fail_dead

    map_counts_fail_dead()
