"""Follow-ups: calling or texting a person back some hours after their contact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident
from .triage import Triage


class FollowUp(models.Model):
    """A call or text back to a person some hours after their contact, to see how they are.

    Scheduled by a phone-support decision or an incident's outcome (services.follow_ups); a
    dispatcher claims it with a conditional update, like an intake, tries to reach the person
    and records the result, which may schedule the next try.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached")
        CONNECTED = "connected", _("Connected to a service")
        DECLINED = "declined", _("Declined follow-up")
        NO_ANSWER = "no_answer", _("No answer")

    class Method(models.TextChoices):
        CALL = "call", _("Call through the hotline number")
        TEXT = "text", _("Text")

    triage = models.ForeignKey(
        Triage, verbose_name=_("triage"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    due_at = models.DateTimeField(_("due at"))
    what_to_do = models.TextField(_("what to do"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispatch_follow_ups",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=6, choices=Method.choices, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    result_notes = models.TextField(_("notes on the result"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    rescheduled_from = models.ForeignKey(
        "self",
        verbose_name=_("rescheduled from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rescheduled_to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(result="") & Q(done_at__isnull=False)),
                name="dispatch_follow_up_done_has_result",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(result=""), name="dispatch_follow_up_result_only_when_done"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="dispatch_follow_up_due_idx")]

    def __str__(self) -> str:
        return _("Follow-up of intake #%(intake)s") % {"intake": self.triage.intake_id}

    def get_absolute_url(self) -> str:
        return reverse("dispatch:follow_up", args=[self.pk])

    def is_overdue(self, now=None) -> bool:
        return self.status == self.Status.SCHEDULED and self.due_at < (now or timezone.now())
