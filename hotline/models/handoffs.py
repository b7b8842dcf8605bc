"""Partners that hand contacts over: forwarding lines, API partners with their keys, hand-offs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .intakes import Intake

# Sources a partner (a forwarding line or an API client) may hand contacts over as.
PARTNER_SOURCES = (Intake.Source.TRANSFER_911, Intake.Source.POLICE_311_REQUEST, Intake.Source.PARTNER)
PARTNER_SOURCE_CHOICES = [(s.value, s.label) for s in PARTNER_SOURCES]


class PartnerLine(models.Model):
    """A partner's phone number (the 911 centre's transfer line, say) that forwards calls to us.

    A call forwarded from it (Twilio's ForwardedFrom) or placed from it is tagged with its
    source, and skips the language menu when the line says which language the caller speaks.
    """

    number = models.CharField(
        _("number"), max_length=32, unique=True, help_text=_("In international format, e.g. +12025550199.")
    )
    name = models.CharField(_("name"), max_length=120)
    source = models.CharField(_("source"), max_length=20, choices=PARTNER_SOURCE_CHOICES)
    language = models.CharField(
        _("language"),
        max_length=12,
        blank=True,
        choices=[("en", _("English")), ("ko", _("Korean")), ("es", _("Spanish"))],
        help_text=_("If set, callers from this line skip the language menu."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner line")
        verbose_name_plural = _("partner lines")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class HandoffPartner(models.Model):
    """A 911 or 311 centre, or a partner organisation, that hands contacts over by API."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=PARTNER_SOURCE_CHOICES)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Outbound status webhooks (services.partner_webhooks): where the partner hears what became
    # of its hand-offs. The signing secret is never stored: it is derived from the nonce with
    # settings.HANDOFF_WEBHOOK_SECRET_KEY, so the database alone cannot sign; shown once.
    webhook_url = models.URLField(_("status webhook URL"), max_length=500, blank=True)
    webhook_secret_nonce = models.CharField(_("webhook secret nonce"), max_length=64, blank=True)
    webhook_secret_set_at = models.DateTimeField(_("webhook secret set at"), null=True, blank=True)
    # Deliveries that failed in a row (reset by a success); at settings.HANDOFF_WEBHOOK_ALARM_AFTER
    # the endpoint is "failing" on the console and in /healthz/'s warnings.
    webhook_failures = models.PositiveIntegerField(_("webhook failures in a row"), default=0)
    webhook_failing_since = models.DateTimeField(_("webhook failing since"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hand-off partner")
        verbose_name_plural = _("hand-off partners")

    def __str__(self) -> str:
        return self.name


class HandoffApiKey(models.Model):
    """A partner's API key. Only a SHA-256 hash of the secret is kept; the key is shown once.

    A key reads "hv_<prefix>_<secret>"; the prefix finds the row, the hash proves the secret.
    A partner has at most one key in force: issuing a new one revokes the old.
    """

    partner = models.ForeignKey(
        HandoffPartner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="keys"
    )
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hand-off API key")
        verbose_name_plural = _("hand-off API keys")
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(revoked_at__isnull=True),
                name="hotline_one_live_key_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} hv_{self.prefix}_…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Handoff(models.Model):
    """A contact handed over by a partner through the API, and the intake it opened.

    Unique per partner and the partner's own reference, so a retried request (even two at
    once) opens one intake.
    """

    partner = models.ForeignKey(
        HandoffPartner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="handoffs"
    )
    reference = models.CharField(_("their reference"), max_length=100)
    intake = models.OneToOneField(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="handoff"
    )
    call_type = models.CharField(_("call type"), max_length=100)
    callback_number = models.CharField(_("callback number"), max_length=32, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # What became of the contact, as the sender may read it back (GET /api/v1/handoffs/{id}):
    # written by dispatch through services.handoff_record_progress, codes only, no free text.
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="hotline_handoff_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.reference}"
