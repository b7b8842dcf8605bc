"""The pilot's roadmap and launch readiness (assessment.readiness)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class RoadmapPhase(models.Model):
    """One phase of the pilot, in the order a pilot runs them."""

    class Kind(models.TextChoices):
        SET_UP = "set_up", _("Set up processes")
        RESEARCH = "research", _("Research community needs")
        MAP = "map", _("Map crises and responses")
        RECRUIT = "recruit", _("Recruit and train")
        LAUNCH = "launch", _("Launch")
        ASSESS = "assess", _("Assess")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")

    kind = models.CharField(_("phase"), max_length=12, choices=Kind.choices, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("roadmap phase")
        verbose_name_plural = _("roadmap phases")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="assessment_phase_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class RoadmapMilestone(models.Model):
    """Something a phase must achieve by a date; done when `done_on` is set."""

    phase = models.ForeignKey(
        RoadmapPhase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class ProtocolApproval(models.Model):
    """A coordinator approved a version of dispatch's screening protocol for the launch.

    By version number, not a foreign key: protocol versions are immutable and numbered.
    """

    protocol_number = models.PositiveIntegerField(_("protocol version"), unique=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), default=now)

    class Meta:
        ordering = ["-approved_at"]
        verbose_name = _("protocol approval")
        verbose_name_plural = _("protocol approvals")

    def __str__(self) -> str:
        return f"v{self.protocol_number}"


class HotlineTestCall(models.Model):
    """A signed test call through the hotline's real incoming-call webhook, and its result."""

    placed_at = models.DateTimeField(_("placed at"), default=now, db_index=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    succeeded = models.BooleanField(_("succeeded"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("hotline test call")
        verbose_name_plural = _("hotline test calls")

    def __str__(self) -> str:
        return f"{self.placed_at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"
