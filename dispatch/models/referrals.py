"""Referrals to partner services, and the referral partners that may confirm them through the API."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident
from .triage import Triage


class Referral(models.Model):
    """A person referred to a partner service, from a triage decision or an incident outcome.

    The loop closes when the partner says what became of it (services.referrals): accepted,
    then the person connected, or declined, or unreachable; each step keeps its date.
    """

    class Status(models.TextChoices):
        MADE = "made", _("Made, not yet confirmed")
        ACCEPTED = "accepted", _("Accepted by the partner")
        CONNECTED = "connected", _("Person connected")
        DECLINED = "declined", _("Declined by the partner")
        UNREACHABLE = "unreachable", _("Person unreachable")

    OPEN_STATUSES = (Status.MADE, Status.ACCEPTED)

    triage = models.ForeignKey(
        Triage,
        verbose_name=_("triage"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals",
    )
    partner = models.ForeignKey(
        "outreach.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="referrals"
    )
    service_type = models.ForeignKey(
        "outreach.ServiceType",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.MADE)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("declined or unreachable at"), null=True, blank=True)
    confirmed_via = models.CharField(_("confirmed through"), max_length=8, blank=True)
    # Claimed by a conditional update before the reminder goes out: one reminder per referral.
    reminded_at = models.DateTimeField(_("partner reminded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(triage__isnull=False) | Q(incident__isnull=False),
                name="dispatch_referral_has_source",
            ),
            models.CheckConstraint(
                condition=~Q(status="connected") | Q(connected_at__isnull=False),
                name="dispatch_referral_connected_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"→ {self.partner}"


class ReferralApiPartner(models.Model):
    """A referral partner (outreach) that may confirm its referrals through the API, with the
    key of a hand-off partner (hotline): POST /api/v1/referrals/{id}/status (dispatch.api).

    One hand-off partner answers for one referral partner, and the other way round; a
    coordinator links them (the hand-off keys page, or the admin).
    """

    handoff_partner = models.OneToOneField(
        "hotline.HandoffPartner",
        verbose_name=_("hand-off partner (API key)"),
        on_delete=models.CASCADE,
        related_name="referral_link",
    )
    partner = models.OneToOneField(
        "outreach.Partner",
        verbose_name=_("referral partner"),
        on_delete=models.CASCADE,
        related_name="api_link",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("referral API partner")
        verbose_name_plural = _("referral API partners")

    def __str__(self) -> str:
        return f"{self.handoff_partner_id} → {self.partner_id}"
