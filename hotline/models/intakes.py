"""Intakes, the contacts a dispatcher must look at, and the person several of them may belong to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .calls import Call, language_label


class Intake(models.Model):
    """A contact a dispatcher must look at: a call or a text conversation.

    The dispatch app triages intakes in its own models; this one knows only its status.
    """

    class Channel(models.TextChoices):
        VOICE = "voice", _("Phone call")
        SMS = "sms", _("Text message")
        IN_PERSON = "field", _("In person (met in the field)")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        NEEDS_CALLBACK = "needs_callback", _("Needs callback")
        IN_TRIAGE = "in_triage", _("In triage")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        """Where the contact came from, as community-responder programs report it."""

        HOTLINE_CALL = "hotline_call", _("Hotline call")
        TEXT = "text", _("Text message")
        TRANSFER_911 = "transfer_911", _("Transfer from 911")
        POLICE_311_REQUEST = "police_311_request", _("Request from police or 311")
        PARTNER = "partner", _("Partner organisation")
        FIELD_INITIATED = "field_initiated", _("Field-initiated")

    OPEN_STATUSES = (Status.NEW, Status.NEEDS_CALLBACK, Status.IN_TRIAGE)

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.HOTLINE_CALL, db_index=True
    )
    caller = PhoneNumberField(_("caller number"), blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    area = models.ForeignKey(
        "volunteers.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intakes",
    )
    location = models.CharField(_("location"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    call = models.OneToOneField(
        Call,
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intake",
    )
    # Contacts a dispatcher linked as one person's (the case view); see Person.
    person = models.ForeignKey(
        "hotline.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intakes",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    source__in=[
                        "hotline_call",
                        "text",
                        "transfer_911",
                        "police_311_request",
                        "partner",
                        "field_initiated",
                    ]
                ),
                name="hotline_intake_source_valid",
            ),
            # Texts from one number continue one open conversation, also under concurrency.
            models.UniqueConstraint(
                fields=["caller"],
                condition=Q(channel="sms") & ~Q(status="closed"),
                name="hotline_one_open_sms_intake_per_caller",
            ),
        ]
        indexes = [
            models.Index(fields=["caller", "created_at"], name="hotline_intake_caller_idx"),
            models.Index(fields=["status", "created_at"], name="hotline_intake_status_idx"),
            # The search of past intakes pages newest first, often within a date range.
            models.Index(fields=["-created_at"], name="hotline_intake_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("hotline:intake_detail", args=[self.pk])

    @property
    def language_label(self) -> str:
        return language_label(self.language)


class Person(models.Model):
    """The person behind several contacts, as a dispatcher linked them ("link to person").

    Holds nothing about the person: it only ties intakes together for the case view. Contacts
    from one phone number are tied by the number itself; a Person also ties contacts from other
    numbers, withheld numbers and field contacts. Redaction unlinks old intakes from it.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"P{self.pk}"
