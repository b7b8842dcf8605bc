"""Shifts, the roles taken on them, and the volunteers' places on them."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .reference import Area
from .volunteer import Volunteer


class ShiftRole(models.TextChoices):
    """The roles a volunteer takes on a shift (lower-case slugs other apps pass around)."""

    DISPATCHER = "dispatcher", _("Dispatcher")
    RESPONDER = "responder", _("Responder")


class Shift(models.Model):
    """A block of time that needs volunteers of one role. May cross midnight."""

    role = models.CharField(_("role"), max_length=12, choices=ShiftRole.choices)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), db_index=True)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="shifts"
    )
    capacity = models.PositiveSmallIntegerField(_("places"), default=2)
    minimum_staffing = models.PositiveSmallIntegerField(_("minimum staffing"), default=1)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "role", "pk"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
            models.CheckConstraint(
                condition=Q(minimum_staffing__lte=F("capacity")), name="shift_minimum_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.get_role_display()} {start:%a %Y-%m-%d %H:%M}–{end:%H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:shift_detail", args=[self.pk])

    @property
    def duration(self) -> timedelta:
        # Subtract in UTC: aware datetimes sharing a zone subtract as wall-clock times.
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)


class ShiftAssignment(models.Model):
    """A volunteer on a shift. Only BOOKED and ATTENDED assignments take a place."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    HOLDING = (Status.BOOKED, Status.ATTENDED)

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="assignments"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Reminder sends are claimed by setting these with a conditional update.
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shift__starts_at", "pk"]
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=~Q(status="cancelled"),
                name="shift_assignment_once_per_shift",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="assignment_volunteer_status")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.shift}"

    @property
    def attended(self) -> bool:
        return self.status == self.Status.ATTENDED
