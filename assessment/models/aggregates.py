"""A dataset's calls counted at import; the analysis pages read these, never the calls."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment.models.call_types import CfsCallType
from assessment.models.datasets import CallSource, CfsDataset


class CfsSlotCount(models.Model):
    """Calls of a dataset per call type, weekday (0 = Monday), hour (local) and area."""

    dataset = models.ForeignKey(
        CfsDataset, on_delete=models.CASCADE, related_name="slot_counts", db_constraint=False
    )
    call_type = models.ForeignKey(
        CfsCallType, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = models.CharField(
        _("call source"), max_length=10, blank=True, choices=CallSource.choices, default=CallSource.UNKNOWN
    )
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per slot")
        verbose_name_plural = _("calls per slot")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="cfs_slot_weekday_valid"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="cfs_slot_hour_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}: weekday {self.weekday} hour {self.hour} area {self.area!r}: {self.calls}"


class CfsPeriodCount(models.Model):
    """Calls of a dataset per call type, month (its first day, local), priority and area."""

    dataset = models.ForeignKey(
        CfsDataset, on_delete=models.CASCADE, related_name="period_counts", db_constraint=False
    )
    call_type = models.ForeignKey(
        CfsCallType, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(_("month"))
    priority = models.CharField(_("priority"), max_length=20, blank=True)
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = models.CharField(
        _("call source"), max_length=10, blank=True, choices=CallSource.choices, default=CallSource.UNKNOWN
    )
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per month and priority")
        verbose_name_plural = _("calls per month and priority")

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.month:%Y-%m} priority {self.priority!r}: {self.calls}"


class CfsDispositionCount(models.Model):
    """Calls of a dataset per call type, area, call source and disposition (the disposition
    breakdown of the analysis page), written at import by both paths."""

    dataset = models.ForeignKey(
        CfsDataset, on_delete=models.CASCADE, related_name="disposition_counts", db_constraint=False
    )
    call_type = models.ForeignKey(
        CfsCallType, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = models.CharField(
        _("call source"), max_length=10, blank=True, choices=CallSource.choices, default=CallSource.UNKNOWN
    )
    disposition = models.CharField(_("disposition"), max_length=60, blank=True)
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per disposition")
        verbose_name_plural = _("calls per disposition")

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.disposition!r}: {self.calls}"


class CfsSceneTimeCount(models.Model):
    """Calls with a time on scene per call type, area and duration bucket (`bucket`: the index
    of `assessment.cfs.scene.BUCKET_UPPER_SECONDS`), with the seconds on scene and unit-seconds
    summed: medians are interpolated in the buckets, means and unit-hours are exact."""

    dataset = models.ForeignKey(
        CfsDataset, on_delete=models.CASCADE, related_name="scene_time_counts", db_constraint=False
    )
    call_type = models.ForeignKey(
        CfsCallType, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = models.CharField(
        _("call source"), max_length=10, blank=True, choices=CallSource.choices, default=CallSource.UNKNOWN
    )
    bucket = models.PositiveSmallIntegerField(_("duration bucket"))
    calls = models.PositiveIntegerField(_("calls"))
    seconds = models.BigIntegerField(_("seconds on scene"))
    unit_seconds = models.BigIntegerField(_("unit-seconds on scene"))

    class Meta:
        verbose_name = _("time on scene per bucket")
        verbose_name_plural = _("time on scene per bucket")

    def __str__(self) -> str:
        return f"{self.dataset_id}: bucket {self.bucket}: {self.calls}"
