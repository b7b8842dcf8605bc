"""The notification outbox: one text to send per row, claimed before it is sent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident


class Notification(models.Model):
    """The transactional outbox: one text to send, written in the same transaction as its cause.

    A task claims a row PENDING -> SENDING with a conditional update before it calls the
    provider, so a duplicated or redelivered task never texts anybody twice.
    """

    class Kind(models.TextChoices):
        DISPATCH = "dispatch", _("Call-out")
        ESCALATION = "escalation", _("Call-out (widened)")
        ON_CALL = "on_call", _("Alert to the on-call coordinator")
        ALARM = "alarm", _("Alarm to the on-call coordinator")
        CHECKED_IN = "checked_in", _("Check-in received")
        BACKUP = "backup", _("Backup request received")
        ACCEPTED = "accepted", _("You are on the team")
        TEAM_FULL = "team_full", _("Team already full")
        DECLINED = "declined", _("Thanks for answering")
        CLARIFY = "clarify", _("Which incident?")
        CANCELLED = "cancelled", _("Incident cancelled")
        CLOSED = "closed", _("Incident closed")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("responder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    to = models.CharField(_("to"), max_length=32)
    body = models.TextField(_("text"))
    # Keeps a cause from writing the same text twice (e.g. "42:dispatch:7").
    dedupe_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_sid = models.CharField(_("provider id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="dispatch_outbox_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="dispatch_sent_has_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to} ({self.status})"
