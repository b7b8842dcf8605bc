"""Training modules, their scheduled sessions, attendance and the completions that qualify a volunteer."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .volunteer import Volunteer


class TaughtBy(models.TextChoices):
    PROGRAMME = "programme", _("Programme staff")
    PARTNER = "partner", _("Partner organisation")
    EXPERT = "expert", _("Expert")


class TrainingModule(models.Model):
    """A training a volunteer completes.

    `roles`: ShiftRole values that require this module (a volunteer is qualified for a role
    when every active module listing it is completed and not expired).
    `qualifies_for_call_types`: call-type slugs (dispatch's taxonomy) this module qualifies a
    responder for. Both are JSON lists of slug strings.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    roles = models.JSONField(_("required for roles"), default=list, blank=True)
    qualifies_for_call_types = models.JSONField(_("qualifies for call types"), default=list, blank=True)
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Leave empty when it never expires.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the curriculum"), default=100)
    taught_by_kind = models.CharField(
        _("taught by"), max_length=12, choices=TaughtBy.choices, default=TaughtBy.PROGRAMME
    )
    taught_by_name = models.CharField(
        _("trainer or organisation"),
        max_length=200,
        blank=True,
        help_text=_("The partner organisation or the expert who teaches it."),
    )
    # What a completion needs besides a passed quiz (when the module has an active quiz).
    requires_attendance = models.BooleanField(_("attendance at a session required"), default=False)
    requires_sign_off = models.BooleanField(
        _("trainer's competency sign-off required"),
        default=False,
        help_text=_("A trainer observed the volunteer in a role-play and signs off."),
    )

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0),
                name="training_module_validity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def expires_on_for(self, completed_on: date) -> date | None:
        if self.validity_days is None:
            return None
        return completed_on + timedelta(days=self.validity_days)


class TrainingSession(models.Model):
    """A scheduled session of a module; attendance records completions."""

    module = models.ForeignKey(
        TrainingModule, verbose_name=_("module"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("place"), max_length=200)
    trainer = models.CharField(_("trainer"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("places"), null=True, blank=True)
    attendees = models.ManyToManyField(
        Volunteer, through="TrainingAttendance", related_name="training_sessions", blank=True
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.module} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:training_session_detail", args=[self.pk])


class TrainingAttendance(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training_attendance")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "volunteer"], name="training_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.session}: {self.get_status_display()}"


class TrainingCompletion(models.Model):
    """A volunteer completed a module on a date; valid until (not including) `expires_on`.

    Dates are local to settings.TIME_ZONE: a completion expiring on 2026-03-01 stops
    qualifying at local midnight starting that day.
    """

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="completions")
    module = models.ForeignKey(
        TrainingModule, verbose_name=_("module"), on_delete=models.PROTECT, related_name="completions"
    )
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="completions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name = _("training completion")
        verbose_name_plural = _("training completions")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "module", "completed_on"], name="training_completion_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("completed_on")),
                name="training_completion_expires_after_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.module} ({self.completed_on})"

    def is_valid_on(self, day: date) -> bool:
        return self.completed_on <= day and (self.expires_on is None or self.expires_on > day)
