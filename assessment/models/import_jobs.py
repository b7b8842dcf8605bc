"""An upload from the web page, imported by a Celery task with progress and a heartbeat."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from assessment.models.datasets import CfsDataset


class CfsImportJob(models.Model):
    """An upload from the web page: mapping confirmation, then a Celery task with progress."""

    class Status(models.TextChoices):
        AWAITING_MAPPING = "awaiting_mapping", _("waiting for the column mapping")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        SUCCEEDED = "succeeded", _("imported")
        FAILED = "failed", _("failed")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_MAPPING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    # The running import owns the job by a token and proves it is alive by a heartbeat: a job
    # whose owner stopped beating (a killed worker) is failed by the sweep, never left running.
    owner = models.CharField(_("owner"), max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    upload_path = models.CharField(_("stored file"), max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    lookup_path = models.CharField(_("stored lookup file"), max_length=500, blank=True)
    lookup_name = models.CharField(_("lookup file name"), max_length=255, blank=True)
    dataset_name = models.CharField(_("dataset name"), max_length=120)
    city_name = models.CharField(_("city"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    replace = models.BooleanField(_("replace an existing dataset"), default=False)
    headers = models.JSONField(_("headers"), default=list)
    sample_rows = models.JSONField(_("first rows"), default=list)
    column_mapping = models.JSONField(_("column mapping"), default=dict)
    mapping_source = models.CharField(_("mapping"), max_length=120, blank=True)
    mapping_notes = models.JSONField(_("mapping notes"), default=list)
    mapping_explanations = models.JSONField(
        _("why each column was chosen"), default=list, help_text=_("field, header, why, confidence")
    )
    save_mapping = models.BooleanField(_("save the mapping for the city"), default=False)
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    bytes_total = models.BigIntegerField(_("file size"), default=0)
    bytes_done = models.BigIntegerField(_("bytes read"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("calls imported"), default=0)
    bad_row_count = models.PositiveIntegerField(_("bad rows"), default=0)
    bad_rows = models.JSONField(_("first bad rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    dataset = models.ForeignKey(
        CfsDataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("911 data import")
        verbose_name_plural = _("911 data imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_mapping", "queued", "running", "succeeded", "failed"]),
                name="cfs_import_job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(bytes_done__gte=0) & Q(bytes_total__gte=0), name="cfs_import_job_bytes_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.dataset_name}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:cfs_job", args=[self.pk])

    @property
    def mapping_source_label(self) -> str:
        from assessment.cfs.presets import mapping_source_label

        return mapping_source_label(self.mapping_source)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.bytes_total:
            return 0
        # Reading the file is most of the work; the last tenth is loading and aggregating.
        return min(99, int(90 * self.bytes_done / self.bytes_total) + (9 if self.phase == "loading" else 0))
