"""A volunteer's record (application, availability, status, calendar token) and coordinators' notes on it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .reference import Area, Language


class HeardAbout(models.TextChoices):
    EVENT = "event", _("An outreach event or presentation")
    PARTNER = "partner", _("A partner organisation")
    FRIEND = "friend", _("A friend or family member")
    SOCIAL_MEDIA = "social_media", _("Social media")
    FLYER = "flyer", _("A flyer or poster")
    OTHER = "other", _("Other")


# Weekly availability is a set of "<day>_<part>" slots, e.g. "mon_evening".
WEEKDAYS = (
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
)

DAY_PARTS = (
    ("morning", _("Morning (6-12)")),
    ("afternoon", _("Afternoon (12-18)")),
    ("evening", _("Evening (18-24)")),
    ("overnight", _("Overnight (0-6)")),
)

AVAILABILITY_SLOTS = tuple(f"{day}_{part}" for day, _d in WEEKDAYS for part, _p in DAY_PARTS)


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class Volunteer(models.Model):
    """A person who applied to volunteer; gets a user account when a coordinator approves them."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        INACTIVE = "inactive", _("Inactive")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = PhoneNumberField(_("mobile phone"), unique=True)
    email = models.EmailField(_("email"), unique=True)
    preferred_language = models.CharField(
        _("preferred language for messages"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages spoken"), blank=True, related_name="volunteers"
    )
    areas = models.ManyToManyField(Area, verbose_name=_("areas"), blank=True, related_name="volunteers")
    # A list of ShiftRole values, e.g. ["dispatcher", "responder"].
    roles_of_interest = models.JSONField(_("roles of interest"), default=list, blank=True)
    # A list of AVAILABILITY_SLOTS values, e.g. ["mon_evening", "sat_morning"].
    availability = models.JSONField(_("weekly availability"), default=list, blank=True)
    availability_notes = models.CharField(_("availability notes"), max_length=300, blank=True)
    heard_about = models.CharField(
        _("how they heard of us"), max_length=20, choices=HeardAbout.choices, blank=True
    )
    heard_about_detail = models.CharField(_("which event, partner or other"), max_length=200, blank=True)
    # Attribution, set from the sign-up link (?ref= and ?lead=); read by the outreach app.
    source_code = models.CharField(_("source code"), max_length=64, blank=True, db_index=True)
    lead_reference = models.CharField(_("lead reference"), max_length=64, blank=True, db_index=True)
    sms_consent = models.BooleanField(_("agrees to receive texts"), default=False)
    agreements_accepted_at = models.DateTimeField(
        _("community agreements accepted at"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLICANT)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now, db_index=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The invitation task claims the send by setting this (NULL means "to send").
    invitation_sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, unique=True, default=_new_calendar_token
    )
    # Dispatchers: ring this person's browser (the console's softphone) as well as their phone.
    answers_in_browser = models.BooleanField(_("answers hotline calls in the browser"), default=False)
    # Set while an open console has a working microphone and is registered with Twilio (renewed
    # with each access token); cleared when the browser cannot take calls. Only then is it rung.
    browser_ready_until = models.DateTimeField(_("browser ready to ring until"), null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [models.Index(fields=["status", "applied_at"], name="volunteer_status_applied")]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:volunteer_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class VolunteerNote(models.Model):
    """A coordinator's note on a volunteer (never shown to the volunteer)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("volunteer note")
        verbose_name_plural = _("volunteer notes")

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.body[:40]}"
