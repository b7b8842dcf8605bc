"""Cities whose 911 calls are studied, and each city's saved column mapping."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class CfsCity(models.Model):
    """A city whose calls are studied. Call-type classifications and column mappings belong here."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, help_text=_("The city's local time zone, e.g. America/Chicago.")
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("911 data city")
        verbose_name_plural = _("911 data cities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assessment:cfs_call_types", args=[self.pk])


class CfsColumnMapping(models.Model):
    """A city's saved column mapping; corrects auto-detection for that city's files."""

    city = models.OneToOneField(CfsCity, on_delete=models.CASCADE, related_name="column_mapping")
    columns = models.JSONField(_("columns"), default=dict, help_text=_("Field name -> header in the file."))
    updated_at = models.DateTimeField(_("updated at"), default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("911 data column mapping")
        verbose_name_plural = _("911 data column mappings")

    def __str__(self) -> str:
        return str(self.city)
