"""The outbox of status webhooks to hand-off partners, and the log of each delivery try."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .handoffs import Handoff, HandoffPartner
from .intakes import Intake


class HandoffWebhookEvent(models.Model):
    """One change of a hand-off (status, decision, outcome) to tell its partner, in the outbox.

    Written in the transaction of the change (services.partner_webhooks), so none is lost; sent
    by claiming the row PENDING -> SENDING, so a delivered event is never sent again. `event_id`
    travels in the body and the X-Hotline-Event-Id header: a receiver dedupes on it (an event is
    re-sent with the same id only when a sender stopped between the send and its record).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event_id = models.UUIDField(_("event id"), unique=True)
    partner = models.ForeignKey(
        HandoffPartner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="webhook_events"
    )
    handoff = models.ForeignKey(
        Handoff, verbose_name=_("hand-off"), on_delete=models.CASCADE, related_name="webhook_events"
    )
    kind = models.CharField(_("kind"), max_length=40, default="handoff.updated")
    # The hand-off as GET /api/v1/handoffs/{id}/ shows it at the change: codes and times only.
    data = models.JSONField(_("data"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("status webhook event")
        verbose_name_plural = _("status webhook events")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hotline_webhook_due"),
            models.Index(fields=["partner", "-created_at"], name="hotline_webhook_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.kind} {self.event_id}"

    @property
    def intake_status_label(self) -> str:
        """The hand-off's status at this event, in the reader's language (the data keeps codes)."""
        code = self.data.get("status") or ""
        return Intake.Status(code).label if code in Intake.Status.values else code


class HandoffWebhookAttempt(models.Model):
    """One try to deliver an event: the partner's delivery log, for coordinators."""

    event = models.ForeignKey(
        HandoffWebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="tries"
    )
    partner = models.ForeignKey(
        HandoffPartner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    ok = models.BooleanField(_("delivered"), default=False)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("status webhook attempt")
        verbose_name_plural = _("status webhook attempts")
        indexes = [models.Index(fields=["partner", "-at"], name="hotline_webhook_attempt_log")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.status_code or self.error[:40]}"
