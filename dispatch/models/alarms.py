"""Alarms on incidents that a person must see now, and the on-call coordinator they reach."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident


class OnCallPeriod(models.Model):
    """Who is the on-call coordinator when: the last tier of escalation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("coordinator"), on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(_("phone to text"), max_length=32)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("on-call period")
        verbose_name_plural = _("on-call periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="dispatch_oncall_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.user} {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


class Alarm(models.Model):
    """Something on an incident that a person must see now: it shows on every open console
    (a red banner with sound) until a dispatcher acknowledges it, and flags the incident while
    it is open (not resolved). One open alarm per incident and kind (services.alarms)."""

    class Kind(models.TextChoices):
        NOBODY_AVAILABLE = "nobody_available", _("Nobody available")
        ALL_DECLINED = "all_declined", _("Every responder declined")
        DEADLINE_PASSED = "deadline_passed", _("No full team in time")
        CHECKIN_MISSED = "checkin_missed", _("Check-in missed")
        BACKUP = "backup", _("Responder asks for backup")

    class Level(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")
        EMERGENCY = "emergency", _("Emergency")

    class CallStatus(models.TextChoices):
        NONE = "", _("No call")
        PENDING = "pending", _("To call")
        CALLING = "calling", _("Calling")
        CALLED = "called", _("Called")
        FAILED = "failed", _("Call failed")

    STAFFING_KINDS = (Kind.NOBODY_AVAILABLE, Kind.ALL_DECLINED, Kind.DEADLINE_PASSED)

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    details = models.TextField(_("details"), blank=True)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("responder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The on-call coordinator was texted (claimed by a conditional update: once per alarm).
    on_call_alerted_at = models.DateTimeField(_("on-call coordinator alerted at"), null=True, blank=True)
    call_status = models.CharField(
        _("call to the on-call coordinator"),
        max_length=8,
        choices=CallStatus.choices,
        default=CallStatus.NONE,
        blank=True,
    )
    call_to = models.CharField(_("called number"), max_length=32, blank=True)
    call_sid = models.CharField(_("call id"), max_length=64, blank=True)
    call_error = models.TextField(_("call error"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="dispatch_alarm_open_once_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=F("raised_at")),
                name="dispatch_alarm_acknowledged_after_raised",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "acknowledged_at"], name="dispatch_alarm_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.get_kind_display()} ({self.incident_id})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_emergency(self) -> bool:
        return self.level == self.Level.EMERGENCY
