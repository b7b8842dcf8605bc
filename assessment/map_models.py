"""Models of where 911 calls happened: the map grid and the pilot-area filter.

`CfsCellCount` holds a dataset's calls with coordinates per grid cell (call type x area x
source), computed once per dataset (`CfsGrid` says when) so that the map never reads the calls.
A `CfsBoundary` is an uploaded GeoJSON pilot area; the calls inside it are aggregated once into
the `CfsBoundary*Count` tables, the same shape as the dataset's own aggregates, and every table
of the analysis reads those instead when the boundary is the active filter. `CfsPilotArea`
remembers the filter chosen for a dataset.

A grid and a boundary are counted by a Celery task (assessment.map_jobs): each row carries the
state of its count (`CountState`), claimed by an owner token and kept alive by a heartbeat, like
an import job.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from assessment.models import CallSource, CfsCallType, CfsDataset

# Side of a grid cell in degrees (about 550 m north-south; a little less east-west).
CELL_DEGREES = 0.005


def _source_field():
    return models.CharField(
        _("call source"), max_length=10, blank=True, choices=CallSource.choices, default=CallSource.UNKNOWN
    )


def _call_type_field():
    return models.ForeignKey(
        CfsCallType, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )


class CountState(models.TextChoices):
    QUEUED = "queued", _("waiting to be counted")
    COUNTING = "counting", _("being counted")
    COUNTED = "counted", _("counted")
    FAILED = "failed", _("failed")


def stale_before(at):
    """Heartbeats older than this mean a dead worker. SQLite (development) has no heartbeat
    thread (it takes one writer at a time), so there a count is only given up after two hours."""
    if connection.vendor != "postgresql":
        return at - timedelta(hours=2)
    return at - timedelta(seconds=settings.CFS_IMPORT_STALE_SECONDS)


class CountJob(models.Model):
    """The state of a count run by a Celery task: claimed by an owner token, alive while its
    heartbeat is recent; its rows are written in one transaction, at the end."""

    count_state = models.CharField(
        _("count"), max_length=10, choices=CountState.choices, default=CountState.QUEUED
    )
    requested_at = models.DateTimeField(_("count requested at"), default=now)
    started_at = models.DateTimeField(_("count started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    owner = models.CharField(_("owner"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_counted(self) -> bool:
        return self.count_state == CountState.COUNTED

    @property
    def is_stalled(self) -> bool:
        """Counting, but its worker stopped beating; or queued so long that no worker took it
        (the broker lost the task). The page offers to count it again."""
        cutoff = stale_before(now())
        if self.count_state == CountState.COUNTING:
            beat = self.heartbeat_at or self.started_at
            return beat is None or beat < cutoff
        return self.count_state == CountState.QUEUED and self.requested_at < cutoff

    @property
    def is_pending(self) -> bool:
        """Queued or counting, and alive."""
        return self.count_state in (CountState.QUEUED, CountState.COUNTING) and not self.is_stalled

    @property
    def can_retry(self) -> bool:
        return self.count_state == CountState.FAILED or self.is_stalled


def _count_state_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(count_state__in=CountState.values), name=name)


class CfsGrid(CountJob):
    """A dataset's grid cells: whether they are counted, with which cell size, over how many
    calls. One row per dataset; it exists from the moment the count is requested."""

    dataset = models.OneToOneField(CfsDataset, on_delete=models.CASCADE, related_name="grid")
    cell_degrees = models.FloatField(_("cell size (degrees)"), default=CELL_DEGREES)
    located_calls = models.PositiveIntegerField(_("calls with coordinates"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("map grid")
        verbose_name_plural = _("map grids")
        constraints = [_count_state_constraint("cfs_grid_count_state_valid")]

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.located_calls} located calls"


class CfsCellCount(models.Model):
    """Calls of a dataset per grid cell (floor(latitude / size), floor(longitude / size))."""

    dataset = models.ForeignKey(CfsDataset, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    call_type = _call_type_field()
    area = models.CharField(_("area"), max_length=60, blank=True)
    lat_cell = models.IntegerField(_("latitude cell"))
    lon_cell = models.IntegerField(_("longitude cell"))
    source_kind = _source_field()
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per map cell")
        verbose_name_plural = _("calls per map cell")
        # The map reads the divertible types' cells only.
        indexes = [models.Index(fields=["dataset", "call_type"], name="cfs_cell_dataset_type")]

    def __str__(self) -> str:
        return f"{self.dataset_id}: cell {self.lat_cell},{self.lon_cell}: {self.calls}"


class CfsBoundary(CountJob):
    """An uploaded pilot-area boundary (GeoJSON Polygon or MultiPolygon) of one dataset; its
    calls are counted in the background (`count_state`) and only used once counted."""

    dataset = models.ForeignKey(CfsDataset, on_delete=models.CASCADE, related_name="boundaries")
    name = models.CharField(_("name"), max_length=120)
    polygons = models.JSONField(
        _("polygons"), help_text=_("A list of polygons; each a list of rings of [longitude, latitude].")
    )
    vertices = models.PositiveIntegerField(_("vertices"), default=0)
    calls_inside = models.PositiveIntegerField(_("calls inside"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("pilot-area boundary")
        verbose_name_plural = _("pilot-area boundaries")
        constraints = [_count_state_constraint("cfs_boundary_count_state_valid")]

    def __str__(self) -> str:
        return self.name

    @property
    def polygons_tuples(self) -> list[list[list[tuple[float, float]]]]:
        return [
            [[(float(lon), float(lat)) for lon, lat in ring] for ring in polygon] for polygon in self.polygons
        ]


class CfsBoundarySlotCount(models.Model):
    """CfsSlotCount of the calls inside a boundary."""

    boundary = models.ForeignKey(CfsBoundary, on_delete=models.CASCADE, related_name="slot_counts")
    call_type = _call_type_field()
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = _source_field()
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per slot inside a boundary")
        verbose_name_plural = _("calls per slot inside a boundary")

    def __str__(self) -> str:
        return f"{self.boundary_id}: weekday {self.weekday} hour {self.hour}: {self.calls}"


class CfsBoundaryPeriodCount(models.Model):
    """CfsPeriodCount of the calls inside a boundary."""

    boundary = models.ForeignKey(CfsBoundary, on_delete=models.CASCADE, related_name="period_counts")
    call_type = _call_type_field()
    month = models.DateField(_("month"))
    priority = models.CharField(_("priority"), max_length=20, blank=True)
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = _source_field()
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per month inside a boundary")
        verbose_name_plural = _("calls per month inside a boundary")

    def __str__(self) -> str:
        return f"{self.boundary_id}: {self.month:%Y-%m}: {self.calls}"


class CfsBoundaryCellCount(models.Model):
    """CfsCellCount of the calls inside a boundary."""

    boundary = models.ForeignKey(CfsBoundary, on_delete=models.CASCADE, related_name="cell_counts")
    call_type = _call_type_field()
    area = models.CharField(_("area"), max_length=60, blank=True)
    lat_cell = models.IntegerField(_("latitude cell"))
    lon_cell = models.IntegerField(_("longitude cell"))
    source_kind = _source_field()
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per map cell inside a boundary")
        verbose_name_plural = _("calls per map cell inside a boundary")
        indexes = [models.Index(fields=["boundary", "call_type"], name="cfs_bcell_boundary_type")]

    def __str__(self) -> str:
        return f"{self.boundary_id}: cell {self.lat_cell},{self.lon_cell}: {self.calls}"


class CfsBoundaryDispositionCount(models.Model):
    """CfsDispositionCount of the calls inside a boundary."""

    boundary = models.ForeignKey(CfsBoundary, on_delete=models.CASCADE, related_name="disposition_counts")
    call_type = _call_type_field()
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = _source_field()
    disposition = models.CharField(_("disposition"), max_length=60, blank=True)
    calls = models.PositiveIntegerField(_("calls"))

    class Meta:
        verbose_name = _("calls per disposition inside a boundary")
        verbose_name_plural = _("calls per disposition inside a boundary")

    def __str__(self) -> str:
        return f"{self.boundary_id}: {self.disposition!r}: {self.calls}"


class CfsBoundarySceneTimeCount(models.Model):
    """CfsSceneTimeCount of the calls inside a boundary."""

    boundary = models.ForeignKey(CfsBoundary, on_delete=models.CASCADE, related_name="scene_time_counts")
    call_type = _call_type_field()
    area = models.CharField(_("area"), max_length=60, blank=True)
    source_kind = _source_field()
    bucket = models.PositiveSmallIntegerField(_("duration bucket"))
    calls = models.PositiveIntegerField(_("calls"))
    seconds = models.BigIntegerField(_("seconds on scene"))
    unit_seconds = models.BigIntegerField(_("unit-seconds on scene"))

    class Meta:
        verbose_name = _("time on scene per bucket inside a boundary")
        verbose_name_plural = _("time on scene per bucket inside a boundary")

    def __str__(self) -> str:
        return f"{self.boundary_id}: bucket {self.bucket}: {self.calls}"


class CfsPilotArea(models.Model):
    """The pilot-area filter last chosen for a dataset: area names, or a boundary, or neither."""

    dataset = models.OneToOneField(CfsDataset, on_delete=models.CASCADE, related_name="pilot_area")
    areas = models.JSONField(_("areas"), default=list, blank=True)
    boundary = models.ForeignKey(
        CfsBoundary, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pilot-area filter")
        verbose_name_plural = _("pilot-area filters")

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.areas or self.boundary_id or '-'}"
