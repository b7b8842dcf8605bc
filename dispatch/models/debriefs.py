"""Debriefs after a closed incident and wellbeing check-ins with team members (dispatch.debriefs)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident


class Debrief(models.Model):
    """A team member's short, optional debrief after a closed incident. Coordinators only see it."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="debriefs"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("team member"),
        on_delete=models.CASCADE,
        related_name="debriefs",
    )
    went_well = models.TextField(_("what went well"), blank=True)
    was_hard = models.TextField(_("what was hard"), blank=True)
    wants_to_talk = models.BooleanField(_("would like to talk to someone"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("debrief")
        verbose_name_plural = _("debriefs")
        constraints = [
            models.UniqueConstraint(fields=["incident", "volunteer"], name="dispatch_debrief_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.incident.code} · {self.volunteer}"


class WellbeingCheckIn(models.Model):
    """A coordinator's check-in with a team member, due within 48 hours of a critical-incident
    flag or of a debrief asking to talk."""

    class Reason(models.TextChoices):
        CRITICAL_INCIDENT = "critical", _("Critical incident")
        ASKED_TO_TALK = "asked", _("Asked to talk")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="check_ins"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("team member"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("why"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    # When the coordinators were emailed about it, and reminded once it was overdue (each claimed
    # before the email goes: dispatch.debriefs.check_ins_prompt).
    announced_at = models.DateTimeField(_("coordinators told at"), null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(_("overdue reminder sent at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("wellbeing check-in")
        verbose_name_plural = _("wellbeing check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "volunteer", "reason"], name="dispatch_check_in_once_per_reason"
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("created_at")), name="dispatch_check_in_due_after"
            ),
        ]
        indexes = [models.Index(fields=["done_at", "due_at"], name="dispatch_check_in_due_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.incident.code}"

    def is_overdue(self, now=None) -> bool:
        return self.done_at is None and (now or timezone.now()) > self.due_at
