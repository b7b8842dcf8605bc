"""Each role's onboarding checklist (configurable steps) and the steps a volunteer has done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .shifts import ShiftRole
from .training import TrainingModule
from .volunteer import Volunteer


class OnboardingStep(models.Model):
    """One configurable step of a role's onboarding checklist (coordinators edit them)."""

    class Kind(models.TextChoices):
        BACKGROUND_CHECK = "background_check", _("Background check")
        ORIENTATION = "orientation", _("Orientation")
        REQUIRED_MODULES = "required_modules", _("Required training modules")
        MODULE = "module", _("A training module")
        SHADOW_SHIFTS = "shadow_shifts", _("Shadow shifts")
        FIRST_SOLO_SHIFT = "first_solo_shift", _("First solo shift")
        OTHER = "other", _("Other")

    role = models.CharField(_("role"), max_length=12, choices=ShiftRole.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Defaults to the kind."))
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onboarding_steps",
        verbose_name=_("module"),
    )
    required_count = models.PositiveSmallIntegerField(
        _("how many times"), default=1, help_text=_("For shadow shifts: how many, each signed.")
    )
    required_before_access = models.BooleanField(
        _("needed before the role's pages open"),
        default=True,
        help_text=_("Untick for steps done in the role itself, like the first solo shift."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["role", "position", "pk"]
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="module", module__isnull=False)
                | (~Q(kind="module") & Q(module__isnull=True)),
                name="onboarding_step_module_iff_kind_module",
            ),
            models.CheckConstraint(condition=Q(required_count__gte=1), name="onboarding_step_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.label}"

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        if self.kind == self.Kind.MODULE and self.module_id:
            return str(self.module)
        return str(self.get_kind_display())

    @property
    def recorded(self) -> bool:
        """Done by records (a coordinator's, or a signed shadow shift), not computed from training."""
        return self.kind not in (self.Kind.REQUIRED_MODULES, self.Kind.MODULE)


class OnboardingRecord(models.Model):
    """A step done by a volunteer: recorded by a coordinator, or a shadow shift signed by an
    experienced volunteer (`vouched_by`)."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="onboarding_records", verbose_name=_("volunteer")
    )
    step = models.ForeignKey(
        OnboardingStep, on_delete=models.CASCADE, related_name="records", verbose_name=_("step")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    vouched_by = models.ForeignKey(
        Volunteer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shadow_shifts_signed",
        verbose_name=_("signed by (experienced volunteer)"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("onboarding record")
        verbose_name_plural = _("onboarding records")
        constraints = [
            models.CheckConstraint(
                condition=~Q(vouched_by=F("volunteer")), name="onboarding_record_not_self_signed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.step}"
