"""The call-type taxonomy: divertibility, categories, a city's raw call types, the reference study's."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment.models.cities import CfsCity


class Divertibility(models.TextChoices):
    DIVERTIBLE = "divertible", _("divertible")
    MAYBE = "maybe", _("maybe")
    NOT_DIVERTIBLE = "not_divertible", _("not divertible")
    UNCLASSIFIED = "unclassified", _("not classified")


class CfsCategory(models.Model):
    """A category of the call-type taxonomy (the Vera Institute's consolidated categories)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    default_divertibility = models.CharField(
        _("default divertibility"),
        max_length=20,
        choices=Divertibility.choices,
        default=Divertibility.UNCLASSIFIED,
        help_text=_("Suggested for call types that the Vera mapping puts in this category."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("call-type category")
        verbose_name_plural = _("call-type categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_divertibility__in=Divertibility.values),
                name="cfs_category_divertibility_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CfsCallType(models.Model):
    """A raw call type of a city, with the coordinator's (or the suggested) classification.

    `category` and `divertibility` are what the analysis uses: the suggestion until a
    coordinator reviews the type, then the coordinator's decision, which suggestions never
    overwrite.
    """

    city = models.ForeignKey(CfsCity, on_delete=models.CASCADE, related_name="call_types")
    key = models.CharField(
        _("key"), max_length=200, help_text=_("The code, or else the description, normalised.")
    )
    code = models.CharField(_("code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    category = models.ForeignKey(
        CfsCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_types"
    )
    divertibility = models.CharField(
        _("divertibility"), max_length=20, choices=Divertibility.choices, default=Divertibility.UNCLASSIFIED
    )
    reviewed = models.BooleanField(_("reviewed"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    suggested_category = models.ForeignKey(
        CfsCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_divertibility = models.CharField(
        _("suggested divertibility"),
        max_length=20,
        choices=Divertibility.choices,
        default=Divertibility.UNCLASSIFIED,
    )
    suggestion_source = models.CharField(_("suggestion source"), max_length=20, blank=True)
    suggestion_note = models.CharField(_("suggestion"), max_length=255, blank=True)
    officer_initiated = models.BooleanField(
        _("officer-initiated"),
        default=False,
        help_text=_(
            "Officers' own or administrative activity (traffic stops, business checks, patrols…), "
            "not a call from the public: counted apart in the analysis."
        ),
    )
    officer_initiated_rule = models.CharField(
        _("officer-initiated because"), max_length=60, blank=True, help_text=_("The rule that suggested it.")
    )
    officer_initiated_reviewed = models.BooleanField(
        _("officer-initiated reviewed"),
        default=False,
        help_text=_("A coordinator decided; suggestions no longer change it."),
    )

    class Meta:
        ordering = ["city", "key"]
        verbose_name = _("raw call type")
        verbose_name_plural = _("raw call types")
        constraints = [
            models.UniqueConstraint(fields=["city", "key"], name="cfs_call_type_unique_per_city"),
            models.CheckConstraint(
                condition=Q(divertibility__in=Divertibility.values), name="cfs_call_type_divertibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(suggested_divertibility__in=Divertibility.values),
                name="cfs_call_type_suggested_divertibility_valid",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="cfs_call_type_key_not_blank"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.code and self.description and self.description.upper() != self.code.upper():
            return f"{self.code} – {self.description}"
        return self.description or self.code or self.key


class CfsReferenceCallType(models.Model):
    """A call type of another city classified by a published study (the Vera Institute mapping)."""

    source = models.CharField(_("source"), max_length=20, default="vera")
    city = models.CharField(_("city"), max_length=60)
    column_name = models.CharField(_("column"), max_length=60, blank=True)
    name = models.CharField(_("call type"), max_length=200)
    normalized = models.CharField(_("normalised"), max_length=200, db_index=True)
    count = models.PositiveIntegerField(_("calls in the study"), default=0)
    category = models.ForeignKey(CfsCategory, on_delete=models.CASCADE, related_name="+")
    raw_category = models.CharField(_("category as published"), max_length=100, blank=True)

    class Meta:
        ordering = ["source", "city", "-count"]
        verbose_name = _("reference call type")
        verbose_name_plural = _("reference call types")

    def __str__(self) -> str:
        return f"{self.city}: {self.name} → {self.category}"
