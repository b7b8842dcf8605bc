"""The pilot the dashboards report on (assessment.pilot), and its call types' police time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from assessment.models.call_types import CfsCategory
from assessment.models.datasets import CfsDataset


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
