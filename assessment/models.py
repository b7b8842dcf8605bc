"""Models of the assessment app: historical 911 calls for service and their analysis.

A city's exports are imported as datasets of calls. Each raw call type of a city is one
`CfsCallType`, classified once per city (category and divertibility) and reused by every dataset
of that city. The analysis pages read the pre-aggregated `CfsSlotCount` (weekday x hour x area)
and `CfsPeriodCount` (month x priority) tables, refreshed by each import, never the raw calls.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class Divertibility(models.TextChoices):
    DIVERTIBLE = "divertible", _("divertible")
    MAYBE = "maybe", _("maybe")
    NOT_DIVERTIBLE = "not_divertible", _("not divertible")
    UNCLASSIFIED = "unclassified", _("not classified")


class CallSource(models.TextChoices):
    """How a call came in, from the export's call-source column (blank: no such column, or a
    value that says neither; the call type's officer-initiated flag decides then)."""

    PUBLIC = "public", _("public-generated")
    OFFICER = "officer", _("officer-initiated")
    UNKNOWN = "", _("not recorded")


class CfsCity(models.Model):
    """A city whose calls are studied. Call-type classifications and column mappings belong here."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, help_text=_("The city's local time zone, e.g. America/Chicago.")
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("911 data city")
        verbose_name_plural = _("911 data cities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assessment:cfs_call_types", args=[self.pk])


class CfsCategory(models.Model):
    """A category of the call-type taxonomy (the Vera Institute's consolidated categories)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    default_divertibility = models.CharField(
        _("default divertibility"),
        max_length=20,
        choices=Divertibility.choices,
        default=Divertibility.UNCLASSIFIED,
        help_text=_("Suggested for call types that the Vera mapping puts in this category."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("call-type category")
        verbose_name_plural = _("call-type categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_divertibility__in=Divertibility.values),
                name="cfs_category_divertibility_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CfsColumnMapping(models.Model):
    """A city's saved column mapping; corrects auto-detection for that city's files."""

    city = models.OneToOneField(CfsCity, on_delete=models.CASCADE, related_name="column_mapping")
    columns = models.JSONField(_("columns"), default=dict, help_text=_("Field name -> header in the file."))
    updated_at = models.DateTimeField(_("updated at"), default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("911 data column mapping")
        verbose_name_plural = _("911 data column mappings")

    def __str__(self) -> str:
        return str(self.city)


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


class CfsCallType(models.Model):
    """A raw call type of a city, with the coordinator's (or the suggested) classification.

    `category` and `divertibility` are what the analysis uses: the suggestion until a
    coordinator reviews the type, then the coordinator's decision, which suggestions never
    overwrite.
    """

    city = models.ForeignKey(CfsCity, on_delete=models.CASCADE, related_name="call_types")
    key = models.CharField(
        _("key"), max_length=200, help_text=_("The code, or else the description, normalised.")
    )
    code = models.CharField(_("code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    category = models.ForeignKey(
        CfsCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_types"
    )
    divertibility = models.CharField(
        _("divertibility"), max_length=20, choices=Divertibility.choices, default=Divertibility.UNCLASSIFIED
    )
    reviewed = models.BooleanField(_("reviewed"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    suggested_category = models.ForeignKey(
        CfsCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_divertibility = models.CharField(
        _("suggested divertibility"),
        max_length=20,
        choices=Divertibility.choices,
        default=Divertibility.UNCLASSIFIED,
    )
    suggestion_source = models.CharField(_("suggestion source"), max_length=20, blank=True)
    suggestion_note = models.CharField(_("suggestion"), max_length=255, blank=True)
    officer_initiated = models.BooleanField(
        _("officer-initiated"),
        default=False,
        help_text=_(
            "Officers' own or administrative activity (traffic stops, business checks, patrols…), "
            "not a call from the public: counted apart in the analysis."
        ),
    )
    officer_initiated_rule = models.CharField(
        _("officer-initiated because"), max_length=60, blank=True, help_text=_("The rule that suggested it.")
    )
    officer_initiated_reviewed = models.BooleanField(
        _("officer-initiated reviewed"),
        default=False,
        help_text=_("A coordinator decided; suggestions no longer change it."),
    )

    class Meta:
        ordering = ["city", "key"]
        verbose_name = _("raw call type")
        verbose_name_plural = _("raw call types")
        constraints = [
            models.UniqueConstraint(fields=["city", "key"], name="cfs_call_type_unique_per_city"),
            models.CheckConstraint(
                condition=Q(divertibility__in=Divertibility.values), name="cfs_call_type_divertibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(suggested_divertibility__in=Divertibility.values),
                name="cfs_call_type_suggested_divertibility_valid",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="cfs_call_type_key_not_blank"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.code and self.description and self.description.upper() != self.code.upper():
            return f"{self.code} – {self.description}"
        return self.description or self.code or self.key


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


class CfsReferenceCallType(models.Model):
    """A call type of another city classified by a published study (the Vera Institute mapping)."""

    source = models.CharField(_("source"), max_length=20, default="vera")
    city = models.CharField(_("city"), max_length=60)
    column_name = models.CharField(_("column"), max_length=60, blank=True)
    name = models.CharField(_("call type"), max_length=200)
    normalized = models.CharField(_("normalised"), max_length=200, db_index=True)
    count = models.PositiveIntegerField(_("calls in the study"), default=0)
    category = models.ForeignKey(CfsCategory, on_delete=models.CASCADE, related_name="+")
    raw_category = models.CharField(_("category as published"), max_length=100, blank=True)

    class Meta:
        ordering = ["source", "city", "-count"]
        verbose_name = _("reference call type")
        verbose_name_plural = _("reference call types")

    def __str__(self) -> str:
        return f"{self.city}: {self.name} → {self.category}"


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


# --------------------------------------------------------------------------------------------
# The pilot (dashboards): assessment.pilot


class PilotSettings(models.Model):
    """The pilot the dashboards report on: one row (see `assessment.pilot.selectors`).

    Hours of operation are not stored here: they are the hotline's (hotline.OperatingHours),
    so the dashboards measure the same hours the phones ring in.
    """

    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    service_areas = models.ManyToManyField(
        "volunteers.Area", verbose_name=_("service areas"), blank=True, related_name="+"
    )
    min_dispatchers = models.PositiveSmallIntegerField(
        _("minimum dispatchers on shift"),
        default=1,
        help_text=_("Target staffing during the hours of operation; 0 when the role is not staffed."),
    )
    min_responders = models.PositiveSmallIntegerField(
        _("minimum responders on shift"),
        default=2,
        help_text=_("Target staffing during the hours of operation; 0 when the role is not staffed."),
    )
    police_time_dataset = models.ForeignKey(
        CfsDataset,
        verbose_name=_("911 dataset for police time on scene"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Its time on scene per call type gives the police unit-hours the hotline avoided."),
    )
    cost_per_unit_hour = models.DecimalField(
        _("cost of a police unit-hour"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Optional; turns the unit-hours avoided into money."),
    )
    updated_at = models.DateTimeField(_("updated at"), default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SINGLETON_PK = 1

    class Meta:
        verbose_name = _("pilot settings")
        verbose_name_plural = _("pilot settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="assessment_pilot_settings_single_row"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="assessment_pilot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PoliceTimeMapping(models.Model):
    """Which 911 calls a hotline call type stands in for: a 911 call type (by its key in the
    chosen dataset's city), or a whole 911 category, or else a number of minutes of police time
    per contact (`assessment.pilot.selectors.police_time`)."""

    hotline_call_type = models.OneToOneField(
        "dispatch.CallType", on_delete=models.CASCADE, related_name="+", verbose_name=_("hotline call type")
    )
    cfs_call_type_key = models.CharField(_("911 call type"), max_length=200, blank=True)
    cfs_category = models.ForeignKey(
        CfsCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("911 category"),
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes of police time per contact"),
        null=True,
        blank=True,
        help_text=_("Used when the 911 data has no time on scene for the mapped calls."),
    )

    class Meta:
        verbose_name = _("police time of a hotline call type")
        verbose_name_plural = _("police time of hotline call types")

    def __str__(self) -> str:
        return (
            f"{self.hotline_call_type_id}: {self.cfs_call_type_key or self.cfs_category_id or self.minutes}"
        )


# --- Pilot roadmap and launch readiness (assessment.readiness) ----------------------------------


class RoadmapPhase(models.Model):
    """One phase of the pilot, in the order a pilot runs them."""

    class Kind(models.TextChoices):
        SET_UP = "set_up", _("Set up processes")
        RESEARCH = "research", _("Research community needs")
        MAP = "map", _("Map crises and responses")
        RECRUIT = "recruit", _("Recruit and train")
        LAUNCH = "launch", _("Launch")
        ASSESS = "assess", _("Assess")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")

    kind = models.CharField(_("phase"), max_length=12, choices=Kind.choices, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("roadmap phase")
        verbose_name_plural = _("roadmap phases")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="assessment_phase_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class RoadmapMilestone(models.Model):
    """Something a phase must achieve by a date; done when `done_on` is set."""

    phase = models.ForeignKey(
        RoadmapPhase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class ProtocolApproval(models.Model):
    """A coordinator approved a version of dispatch's screening protocol for the launch.

    By version number, not a foreign key: protocol versions are immutable and numbered.
    """

    protocol_number = models.PositiveIntegerField(_("protocol version"), unique=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), default=now)

    class Meta:
        ordering = ["-approved_at"]
        verbose_name = _("protocol approval")
        verbose_name_plural = _("protocol approvals")

    def __str__(self) -> str:
        return f"v{self.protocol_number}"


class HotlineTestCall(models.Model):
    """A signed test call through the hotline's real incoming-call webhook, and its result."""

    placed_at = models.DateTimeField(_("placed at"), default=now, db_index=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    succeeded = models.BooleanField(_("succeeded"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("hotline test call")
        verbose_name_plural = _("hotline test calls")

    def __str__(self) -> str:
        return f"{self.placed_at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"


# --- lessons learned ------------------------------------------------------------------------------


class LessonsReview(models.Model):
    """Coordinators' findings about a period, area by area, and the continue/change/stop decision."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        CHANGE = "change", _("Change")
        STOP = "stop", _("Stop")

    title = models.CharField(_("title"), max_length=200)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_notes = models.TextField(_("reasons for the decision"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["-last_day", "-pk"]
        verbose_name = _("lessons-learned review")
        verbose_name_plural = _("lessons-learned reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="assessment_review_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_on__isnull=True)
                | (~Q(decision="") & Q(decided_on__isnull=False)),
                name="assessment_review_decision_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assessment:lessons_review", args=[self.pk])


class Finding(models.Model):
    class Area(models.TextChoices):
        CALLS = "calls", _("Calls")
        RESPONSE = "response", _("Response")
        OUTREACH = "outreach", _("Outreach")
        VOLUNTEERS = "volunteers", _("Volunteers")
        PARTNERS = "partners", _("Partners")

    review = models.ForeignKey(
        LessonsReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings"
    )
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    finding = models.TextField(_("finding"))
    recommendation = models.TextField(_("recommendation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["review", "area", "created_at", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.finding[:40]}"


# --- steering committee ---------------------------------------------------------------------------


class SteeringMember(models.Model):
    name = models.CharField(_("name"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    community_represented = models.CharField(_("community represented"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    term_starts = models.DateField(_("term starts"))
    term_ends = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("steering committee member")
        verbose_name_plural = _("steering committee members")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends__isnull=True) | Q(term_ends__gte=models.F("term_starts")),
                name="assessment_member_term_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def serves_on(self, day) -> bool:
        return self.term_starts <= day and (self.term_ends is None or day <= self.term_ends)


class SteeringMeeting(models.Model):
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        SteeringMember, verbose_name=_("attendees"), related_name="meetings", blank=True
    )
    guests = models.CharField(_("other attendees"), max_length=300, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("steering committee meeting")
        verbose_name_plural = _("steering committee meetings")

    def __str__(self) -> str:
        return f"{self.held_on}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:steering_meeting", args=[self.pk])


class SteeringDecision(models.Model):
    """A decision of a meeting, linked to the roadmap phases and readiness checks it concerns
    (checks are computed, so they are named by key: "staffing", "partner_agreements"...)."""

    meeting = models.ForeignKey(
        SteeringMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    phases = models.ManyToManyField(
        RoadmapPhase, verbose_name=_("roadmap phases"), related_name="steering_decisions", blank=True
    )
    readiness_checks = models.JSONField(_("readiness checks"), default=list, blank=True)

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("steering committee decision")
        verbose_name_plural = _("steering committee decisions")

    def __str__(self) -> str:
        return self.text[:60]


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        SteeringMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        SteeringMember, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["done_on", "due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.description


from assessment.map_models import (  # noqa: E402, F401 - registered with the app from here
    CfsBoundary,
    CfsBoundaryCellCount,
    CfsBoundaryPeriodCount,
    CfsBoundarySlotCount,
    CfsCellCount,
    CfsGrid,
    CfsPilotArea,
)
