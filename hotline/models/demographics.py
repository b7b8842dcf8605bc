"""Optional demographics of the person served by a contact, given with their consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .intakes import Intake

PREFER_NOT = "prefer_not"


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    AGE_18_24 = "18_24", _("18 to 24")
    AGE_25_34 = "25_34", _("25 to 34")
    AGE_35_44 = "35_44", _("35 to 44")
    AGE_45_54 = "45_54", _("45 to 54")
    AGE_55_64 = "55_64", _("55 to 64")
    AGE_65_PLUS = "65_plus", _("65 or older")
    PREFER_NOT = PREFER_NOT, _("Prefer not to say")


class RaceEthnicity(models.TextChoices):
    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    MIDDLE_EASTERN = "middle_eastern", _("Middle Eastern or North African")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")
    OTHER = "other", _("Another race or ethnicity")
    PREFER_NOT = PREFER_NOT, _("Prefer not to say")


class PreferredLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    KOREAN = "ko", _("Korean")
    SPANISH = "es", _("Spanish")
    OTHER = "other", _("Another language")
    PREFER_NOT = PREFER_NOT, _("Prefer not to say")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    ANOTHER = "another", _("Another gender")
    PREFER_NOT = PREFER_NOT, _("Prefer not to say")


class Housing(models.TextChoices):
    HOUSED = "housed", _("Housed")
    UNSTABLY_HOUSED = "unstable", _("Unstably housed")
    SHELTER = "shelter", _("In a shelter")
    UNSHELTERED = "unsheltered", _("Unsheltered")
    PREFER_NOT = PREFER_NOT, _("Prefer not to say")


class Demographics(models.Model):
    """Optional demographics of the person served by one contact, given with their consent.

    Stored only when the person agreed (`consented`); each answer may be blank (not asked) or
    "prefer not to say". Only the dashboard's aggregates read them (with small-cell
    suppression); redaction unlinks them from who recorded them and when.
    """

    intake = models.OneToOneField(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="demographics"
    )
    consented = models.BooleanField(_("the person agreed to answer"), default=False)
    age_band = models.CharField(_("age"), max_length=12, choices=AgeBand.choices, blank=True)
    race_ethnicity = models.JSONField(_("race and ethnicity"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=12, choices=PreferredLanguage.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    housing = models.CharField(_("housing"), max_length=12, choices=Housing.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("demographics")
        verbose_name_plural = _("demographics")
        constraints = [
            models.CheckConstraint(condition=Q(consented=True), name="hotline_demographics_consented"),
        ]

    def __str__(self) -> str:
        return f"#{self.intake_id}"
