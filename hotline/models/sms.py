"""Text messages in and out of the hotline number, and the numbers that opted out of texts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .intakes import Intake


class Message(models.Model):
    """One text message in or out of the hotline number, in the order it happened."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Received")
        OUTBOUND = "out", _("Sent")

    class Status(models.TextChoices):
        """Twilio's MessageStatus values, plus "skipped" for texts we refused to send."""

        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # Null until the provider has accepted an outbound text and named it.
    message_sid = models.CharField(_("message SID"), max_length=64, null=True, blank=True, unique=True)
    from_number = models.CharField(_("from"), max_length=32)
    to_number = models.CharField(_("to"), max_length=32)
    body = models.TextField(_("text"), blank=True)
    media_urls = models.JSONField(_("media URLs"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    error_code = models.CharField(_("error code"), max_length=16, blank=True)
    error_message = models.CharField(_("error"), max_length=500, blank=True)
    intake = models.ForeignKey(
        Intake,
        verbose_name=_("intake"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [models.Index(fields=["from_number", "created_at"], name="hotline_message_from_idx")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d %H:%M}"


class SmsOptOut(models.Model):
    """A number that texted STOP: nothing is texted to it until it texts START."""

    phone = models.CharField(_("phone"), max_length=32, unique=True)
    keyword = models.CharField(_("keyword"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("opted out at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")

    def __str__(self) -> str:
        return self.phone
