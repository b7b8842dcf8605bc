"""The community agreements: published versions and who accepted which."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .curriculum import _localized
from .volunteer import Volunteer


class CommunityAgreementVersion(models.Model):
    """A published version of the community agreements; a new version asks everyone again."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text_en = models.TextField(_("text (English)"))
    text_ko = models.TextField(_("text (Korean)"), blank=True)
    text_es = models.TextField(_("text (Spanish)"), blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("community agreements version")
        verbose_name_plural = _("community agreements versions")

    def __str__(self) -> str:
        return gettext("Community agreements, version %(version)s") % {"version": self.version}

    def text(self, language: str | None = None) -> str:
        return _localized(self, "text", language)


class CommunityAgreementAcceptance(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="agreement_acceptances", verbose_name=_("volunteer")
    )
    version = models.ForeignKey(
        CommunityAgreementVersion,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("version"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)

    class Meta:
        verbose_name = _("community agreements acceptance")
        verbose_name_plural = _("community agreements acceptances")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "version"], name="community_agreement_accepted_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: v{self.version.version}"
