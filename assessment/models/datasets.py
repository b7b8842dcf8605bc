"""Imported 911 datasets and their calls, and the source a call came in by."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from assessment.models.call_types import CfsCallType
from assessment.models.cities import CfsCity


class CallSource(models.TextChoices):
    """How a call came in, from the export's call-source column (blank: no such column, or a
    value that says neither; the call type's officer-initiated flag decides then)."""

    PUBLIC = "public", _("public-generated")
    OFFICER = "officer", _("officer-initiated")
    UNKNOWN = "", _("not recorded")


class CfsDataset(models.Model):
    """One imported export of a city's calls for service."""

    city = models.ForeignKey(CfsCity, on_delete=models.PROTECT, related_name="datasets")
    name = models.CharField(_("name"), max_length=120, unique=True)
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    mapping_source = models.CharField(_("mapping"), max_length=120, blank=True)
    column_mapping = models.JSONField(_("columns used"), default=dict)
    timezone = models.CharField(_("time zone"), max_length=64)
    row_count = models.PositiveIntegerField(_("calls"), default=0)
    bad_row_count = models.PositiveIntegerField(_("bad rows"), default=0)
    bad_rows = models.JSONField(_("first bad rows"), default=list, blank=True)
    blank_line_count = models.PositiveIntegerField(_("blank lines"), default=0)
    first_received_at = models.DateTimeField(_("first call"), null=True, blank=True)
    last_received_at = models.DateTimeField(_("last call"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    elapsed_seconds = models.FloatField(_("import time (s)"), default=0)
    import_report = models.JSONField(
        _("import report"),
        default=dict,
        blank=True,
        help_text=_(
            "How the columns were chosen (explanations), warnings, and the lookup table's match "
            "(codes matched, unmatched codes by calls)."
        ),
    )

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name = _("911 calls dataset")
        verbose_name_plural = _("911 calls datasets")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assessment:cfs_analysis", args=[self.pk])

    @property
    def mapping_source_label(self) -> str:
        from assessment.cfs.presets import mapping_source_label

        return mapping_source_label(self.mapping_source)


class CfsCall(models.Model):
    """One historical call for service. Identified by its dataset and its line in the file."""

    pk = models.CompositePrimaryKey("dataset", "line")
    # The bulk tables carry no database foreign keys: PostgreSQL checks one per inserted row at
    # commit, which would cost more than the whole import. Rows are only written by the import,
    # from a join on existing call types, and deleted with their dataset (Django cascades).
    dataset = models.ForeignKey(
        CfsDataset, on_delete=models.CASCADE, related_name="calls", db_index=False, db_constraint=False
    )
    line = models.PositiveIntegerField(_("line in file"))
    call_type = models.ForeignKey(
        CfsCallType, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    received_at = models.DateTimeField(_("received at"))
    area = models.CharField(_("area"), max_length=60, blank=True)
    priority = models.CharField(_("priority"), max_length=20, blank=True)
    disposition = models.CharField(_("disposition"), max_length=60, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    source_kind = models.CharField(
        _("call source"), max_length=10, blank=True, choices=CallSource.choices, default=CallSource.UNKNOWN
    )
    # From the dispatch, arrival and clear times when the file has them (assessment.cfs.scene).
    scene_seconds = models.PositiveIntegerField(_("time on scene (s)"), null=True, blank=True)
    units = models.PositiveSmallIntegerField(_("units"), null=True, blank=True)

    class Meta:
        verbose_name = _("911 call")
        verbose_name_plural = _("911 calls")

    def __str__(self) -> str:
        return f"{self.dataset_id}:{self.line}"
