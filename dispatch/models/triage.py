"""Dispatch's record of one intake: the claim, the screening answers and the decision (`Triage`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .protocol import CallType, Decision, ProtocolVersion


class HandoffService(models.TextChoices):
    DISPATCH_911 = "911", _("911 dispatch")
    EMS = "ems", _("EMS / ambulance")


class Triage(models.Model):
    """Dispatch's record of one intake: who has it, the screening answers and the decision.

    `claimed_by` changes only by conditional updates (services.triage_claim and friends), so two
    dispatchers never hold one intake.
    """

    intake = models.OneToOneField(
        "hotline.Intake", verbose_name=_("intake"), on_delete=models.CASCADE, related_name="triage"
    )
    protocol = models.ForeignKey(
        ProtocolVersion, verbose_name=_("protocol"), on_delete=models.PROTECT, related_name="triages"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispatch_claims",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # The intake's status before the claim, restored when the claim is released.
    status_before_claim = models.CharField(max_length=16, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    call_type = models.ForeignKey(
        CallType,
        verbose_name=_("call type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.ForeignKey(
        "volunteers.Area",
        verbose_name=_("area"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    notes = models.TextField(_("dispatcher notes"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Decision.choices, blank=True
    )
    danger_flagged = models.BooleanField(_("a danger screen was answered yes"), default=False)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    override_reason = models.TextField(_("reason for not following the recommendation"), blank=True)
    handoff_to = models.CharField(
        _("handed off to"), max_length=8, choices=HandoffService.choices, blank=True
    )
    handoff_at = models.DateTimeField(_("handed off at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The person said they do not want to be called back: no follow-up is scheduled for them.
    follow_up_declined = models.BooleanField(_("declined follow-up"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("triage")
        verbose_name_plural = _("triages")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="")
                | Q(recommendation="")
                | Q(decision=F("recommendation"))
                | ~Q(override_reason=""),
                name="dispatch_override_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(danger_flagged=True, decision="send_responders", override_reason=""),
                name="dispatch_danger_never_sends_without_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decision="escalate_911")
                | Q(handoff_at__isnull=False, handoff_to__in=["911", "ems"]),
                name="dispatch_escalation_records_handoff",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="dispatch_decision_has_time",
            ),
        ]
        indexes = [models.Index(fields=["call_type", "decided_at"], name="dispatch_triage_type_idx")]

    def __str__(self) -> str:
        return _("Triage of intake #%(intake)s") % {"intake": self.intake_id}

    def get_absolute_url(self) -> str:
        return reverse("dispatch:intake", args=[self.intake_id])

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    @property
    def is_override(self) -> bool:
        return bool(self.decision) and self.decision != self.recommendation
