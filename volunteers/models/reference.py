"""Shared reference data: the areas of the service area and the languages people speak.

Area and Language are shared reference data: intakes, partners, volunteers and shifts point at
them, so they live in the lowest app of the dependency chain.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Area(models.Model):
    """A part of the service area (neighbourhood, district, beat) responders may cover."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """A language a caller or volunteer speaks, by BCP 47 code (en, ko, es, ...)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name
