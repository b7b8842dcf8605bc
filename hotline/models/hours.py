"""The hotline's hours of operation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OperatingHours(models.Model):
    """When the hotline's volunteers answer, in the pilot's local time.

    A row may cross midnight (opens 18:00, closes 02:00 runs into the next day); opens equal to
    closes means the whole day from that time. No rows at all means always open.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("hours of operation")
        verbose_name_plural = _("hours of operation")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="hotline_hours_weekday_range"
            ),
            models.UniqueConstraint(fields=["weekday", "opens"], name="hotline_hours_unique_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens
