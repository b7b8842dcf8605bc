"""Services of the assessment app: importing 911 calls for service, classifying call types,
column mappings and upload jobs. Each service owns its transaction. One module per concept:

- `datasets`: importing a calls-for-service file as one dataset, all or nothing (the PostgreSQL
  fast path or the Python path), and deleting a dataset;
- `import_reports`: what an import reports on its dataset (how the columns were chosen,
  warnings, the lookup table's match, time on scene);
- `call_types`: classifying a city's call types (suggestions, coordinators' reviews);
- `column_mappings`: a city's saved column mapping;
- `import_jobs`: uploads imported by a Celery task, with progress, an owner's heartbeat, the
  sweep of jobs whose worker stopped, and the clean-up of stored files.

Other modules import from here (`from assessment.services import cfs_dataset_import`, or
`services.cfs_import_job_start`), not from the submodules, so that a concept can move between files.
"""

from assessment.services.call_types import (
    cfs_call_type_classify,
    cfs_call_types_accept_suggestions,
    cfs_call_types_suggest,
)
from assessment.services.column_mappings import cfs_column_mapping_save
from assessment.services.datasets import (
    DEFAULT_CITY,
    CfsImportError,
    CfsImportResult,
    ImportProgress,
    cfs_dataset_delete,
    cfs_dataset_import,
    cfs_mapping_detect,
    max_bad_row_share,
)
from assessment.services.import_jobs import (
    ORPHAN_UPLOAD_AGE,
    cfs_import_job_create,
    cfs_import_job_run,
    cfs_import_job_start,
    cfs_import_jobs_clean,
    cfs_import_jobs_fail_dead,
    upload_dir,
)
from assessment.services.import_reports import UNMATCHED_CODES_KEPT

__all__ = [
    "DEFAULT_CITY",
    "ORPHAN_UPLOAD_AGE",
    "UNMATCHED_CODES_KEPT",
    "CfsImportError",
    "CfsImportResult",
    "ImportProgress",
    "cfs_call_type_classify",
    "cfs_call_types_accept_suggestions",
    "cfs_call_types_suggest",
    "cfs_column_mapping_save",
    "cfs_dataset_delete",
    "cfs_dataset_import",
    "cfs_import_job_create",
    "cfs_import_job_run",
    "cfs_import_job_start",
    "cfs_import_jobs_clean",
    "cfs_import_jobs_fail_dead",
    "cfs_mapping_detect",
    "max_bad_row_share",
    "upload_dir",
]
