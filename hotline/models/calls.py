"""Phone calls through the hotline number (`Call`), and the language label every contact shows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A Twilio From or To: a phone number, but also a SIP address ("sip:caller@pbx.example.org")
# or a Voice SDK identity ("client:alice"), which can be long.
CALL_PARTY_MAX_LENGTH = 255


def language_label(code: str) -> str:
    """The display name of a language code ("ko" -> "Korean"), or the code itself."""
    return str(dict(settings.LANGUAGES).get(code, code))


class Call(models.Model):
    """One phone call through the hotline number: a caller calling in, or a callback."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Callback")

    class Status(models.TextChoices):
        """Twilio's CallStatus values."""

        QUEUED = "queued", _("Queued")
        RINGING = "ringing", _("Ringing")
        IN_PROGRESS = "in-progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed")
        NO_ANSWER = "no-answer", _("No answer")
        CANCELED = "canceled", _("Canceled")

    class Outcome(models.TextChoices):
        PENDING = "", _("Pending")
        ANSWERED = "answered", _("Answered by a volunteer")
        FALLBACK = "fallback", _("Answered at the fallback number")
        VOICEMAIL = "voicemail", _("Voicemail left")
        MISSED = "missed", _("Missed (voicemail offered, none left)")
        ABANDONED = "abandoned", _("Abandoned (hung up before anyone could answer)")

    ENDED_STATUSES = (Status.COMPLETED, Status.BUSY, Status.FAILED, Status.NO_ANSWER, Status.CANCELED)

    call_sid = models.CharField(_("call SID"), max_length=64, unique=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    from_number = models.CharField(_("from"), max_length=CALL_PARTY_MAX_LENGTH, blank=True)
    to_number = models.CharField(_("to"), max_length=CALL_PARTY_MAX_LENGTH, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RINGING)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING, blank=True
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotline_calls_answered",
    )
    answered_number = models.CharField(_("answered at number"), max_length=32, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    # Volunteers whose phone answered the screening prompt without accepting (their own
    # voicemail, or a decline): the next ringing round skips them.
    screened_volunteer_ids = models.JSONField(_("screened volunteers"), default=list, blank=True)
    voicemail_offered_at = models.DateTimeField(_("voicemail offered at"), null=True, blank=True)
    recording_sid = models.CharField(_("recording SID"), max_length=64, null=True, blank=True, unique=True)
    recording_url = models.URLField(_("recording URL"), max_length=500, blank=True)
    recording_duration = models.PositiveIntegerField(_("recording duration (seconds)"), null=True, blank=True)
    missed_notified_at = models.DateTimeField(_("dispatchers texted at"), null=True, blank=True)
    callback_intake = models.ForeignKey(
        "hotline.Intake",
        verbose_name=_("callback for intake"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["started_at"], name="hotline_call_started_idx")]

    def __str__(self) -> str:
        return self.call_sid

    @property
    def language_label(self) -> str:
        return language_label(self.language)

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_url)
