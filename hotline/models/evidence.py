"""The optional diversion questions of a contact: who they would have called, how they heard of us."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .intakes import Intake


class AlternativeService(models.TextChoices):
    """'If this line did not exist, who would you have called?'"""

    CALL_911 = "911", _("911")
    POLICE_NON_EMERGENCY = "police_non_emergency", _("Police non-emergency line")
    NOBODY = "nobody", _("Nobody")
    OTHER = "other", _("Someone else")


class HeardFrom(models.TextChoices):
    """'How did you hear about us?'"""

    OUTREACH_EVENT = "outreach_event", _("An outreach event")
    PARTNER = "partner", _("A partner organisation")
    TRANSFER_911 = "transfer_911", _("A 911 transfer")
    FRIEND_FAMILY = "friend_family", _("A friend or family member")
    MEDIA = "media", _("Media or social media")
    OTHER = "other", _("Other")


class ContactEvidence(models.Model):
    """The two optional diversion questions of one contact, however they were answered.

    Blank means skipped or not asked. `sms_step` is where the follow-up text conversation stands
    after the contact closed: the question last texted, waiting for a digit, or done.
    """

    class AskedBy(models.TextChoices):
        PHONE = "phone", _("Phone menu after the call")
        SMS = "sms", _("Text after the conversation")
        DISPATCHER = "dispatcher", _("Asked by the dispatcher")

    class SmsStep(models.TextChoices):
        NONE = "", _("Not texted")
        ALTERNATIVE = "alternative", _("Waiting for: who would you have called")
        HEARD_FROM = "heard_from", _("Waiting for: how did you hear about us")
        DONE = "done", _("Done")

    intake = models.OneToOneField(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="evidence"
    )
    would_have_called = models.CharField(
        _("would otherwise have called"), max_length=24, choices=AlternativeService.choices, blank=True
    )
    heard_from = models.CharField(
        _("heard about us from"), max_length=24, choices=HeardFrom.choices, blank=True
    )
    answered_via = models.CharField(_("answered through"), max_length=12, choices=AskedBy.choices, blank=True)
    sms_step = models.CharField(
        _("text questions"), max_length=12, choices=SmsStep.choices, default=SmsStep.NONE, blank=True
    )
    sms_asked_at = models.DateTimeField(_("texted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("diversion answers")
        verbose_name_plural = _("diversion answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(would_have_called__in=["", "911", "police_non_emergency", "nobody", "other"]),
                name="hotline_evidence_alternative_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.intake_id}: {self.would_have_called or '-'} / {self.heard_from or '-'}"

    @property
    def answered(self) -> bool:
        return bool(self.would_have_called or self.heard_from)
