"""Models of the hotline app: calls, intakes, text messages, opt-outs and hours of operation.

Twilio retries webhooks and repeats callbacks, so every record Twilio names (CallSid,
MessageSid, RecordingSid) is unique in the database and the services get-or-create it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

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


class Message(models.Model):
    """One text message in or out of the hotline number, in the order it happened."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Received")
        OUTBOUND = "out", _("Sent")

    class Status(models.TextChoices):
        """Twilio's MessageStatus values, plus "skipped" for texts we refused to send."""

        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # Null until the provider has accepted an outbound text and named it.
    message_sid = models.CharField(_("message SID"), max_length=64, null=True, blank=True, unique=True)
    from_number = models.CharField(_("from"), max_length=32)
    to_number = models.CharField(_("to"), max_length=32)
    body = models.TextField(_("text"), blank=True)
    media_urls = models.JSONField(_("media URLs"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    error_code = models.CharField(_("error code"), max_length=16, blank=True)
    error_message = models.CharField(_("error"), max_length=500, blank=True)
    intake = models.ForeignKey(
        Intake,
        verbose_name=_("intake"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [models.Index(fields=["from_number", "created_at"], name="hotline_message_from_idx")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d %H:%M}"


class SmsOptOut(models.Model):
    """A number that texted STOP: nothing is texted to it until it texts START."""

    phone = models.CharField(_("phone"), max_length=32, unique=True)
    keyword = models.CharField(_("keyword"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("opted out at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")

    def __str__(self) -> str:
        return self.phone


class OperatingHours(models.Model):
    """When the hotline's volunteers answer, in the pilot's local time.

    A row may cross midnight (opens 18:00, closes 02:00 runs into the next day); opens equal to
    closes means the whole day from that time. No rows at all means always open.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("hours of operation")
        verbose_name_plural = _("hours of operation")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="hotline_hours_weekday_range"
            ),
            models.UniqueConstraint(fields=["weekday", "opens"], name="hotline_hours_unique_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens


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


class HandoffWebhookEvent(models.Model):
    """One change of a hand-off (status, decision, outcome) to tell its partner, in the outbox.

    Written in the transaction of the change (services.partner_webhooks), so none is lost; sent
    by claiming the row PENDING -> SENDING, so a delivered event is never sent again. `event_id`
    travels in the body and the X-Hotline-Event-Id header: a receiver dedupes on it (an event is
    re-sent with the same id only when a sender stopped between the send and its record).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event_id = models.UUIDField(_("event id"), unique=True)
    partner = models.ForeignKey(
        HandoffPartner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="webhook_events"
    )
    handoff = models.ForeignKey(
        Handoff, verbose_name=_("hand-off"), on_delete=models.CASCADE, related_name="webhook_events"
    )
    kind = models.CharField(_("kind"), max_length=40, default="handoff.updated")
    # The hand-off as GET /api/v1/handoffs/{id}/ shows it at the change: codes and times only.
    data = models.JSONField(_("data"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("status webhook event")
        verbose_name_plural = _("status webhook events")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hotline_webhook_due"),
            models.Index(fields=["partner", "-created_at"], name="hotline_webhook_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.kind} {self.event_id}"

    @property
    def intake_status_label(self) -> str:
        """The hand-off's status at this event, in the reader's language (the data keeps codes)."""
        code = self.data.get("status") or ""
        return Intake.Status(code).label if code in Intake.Status.values else code


class HandoffWebhookAttempt(models.Model):
    """One try to deliver an event: the partner's delivery log, for coordinators."""

    event = models.ForeignKey(
        HandoffWebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="tries"
    )
    partner = models.ForeignKey(
        HandoffPartner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    ok = models.BooleanField(_("delivered"), default=False)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("status webhook attempt")
        verbose_name_plural = _("status webhook attempts")
        indexes = [models.Index(fields=["partner", "-at"], name="hotline_webhook_attempt_log")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.status_code or self.error[:40]}"


class CallConference(models.Model):
    """A caller's call moved into a Twilio Conference (for a transfer, a hold, a listen-in).

    One call may have several over its life (a caller returned to the dispatchers and later
    transferred again); at most one is open. The caller's leg joins through the <Dial> action
    of the ringing (`hotline.services.call_control`)."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="conferences"
    )
    name = models.CharField(_("conference name"), max_length=64, unique=True)
    conference_sid = models.CharField(_("conference SID"), max_length=64, blank=True)
    dispatcher_call_sid = models.CharField(_("dispatcher's call SID"), max_length=64, blank=True)
    dispatcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatcher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    caller_on_hold = models.BooleanField(_("caller on hold"), default=False)
    caller_joined_at = models.DateTimeField(_("caller joined at"), null=True, blank=True)
    dispatcher_left_at = models.DateTimeField(_("dispatcher left at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # The caller went back to ringing dispatchers; who answered them again, once.
    returned_at = models.DateTimeField(_("returned to dispatchers at"), null=True, blank=True)
    reanswered_at = models.DateTimeField(_("answered again at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("call conference")
        verbose_name_plural = _("call conferences")
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(ended_at__isnull=True),
                name="hotline_one_open_conference_per_call",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CallTransfer(models.Model):
    """A caller bridged to 911, 988 or a partner line (a conference participant), and what came of it."""

    class Target(models.TextChoices):
        EMERGENCY = "911", _("911")
        CRISIS_988 = "988", _("988 Suicide & Crisis Lifeline")
        PARTNER = "partner", _("Partner line")

    class Outcome(models.TextChoices):
        PENDING = "", _("Ringing")
        ANSWERED = "answered", _("Answered")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled (the caller hung up first)")

    conference = models.ForeignKey(
        CallConference, verbose_name=_("conference"), on_delete=models.CASCADE, related_name="transfers"
    )
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="transfers")
    target = models.CharField(_("target"), max_length=8, choices=Target.choices)
    target_key = models.CharField(_("target key"), max_length=40)
    target_label = models.CharField(_("transferred to"), max_length=200)
    number = models.CharField(_("number"), max_length=32)
    stay_on = models.BooleanField(_("dispatcher stays on"), default=True)
    participant_call_sid = models.CharField(
        _("third party's call SID"), max_length=64, null=True, blank=True, unique=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call transfer")
        verbose_name_plural = _("call transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["call"], condition=Q(outcome=""), name="hotline_one_ringing_transfer_per_call"
            ),
            models.CheckConstraint(
                condition=Q(target__in=["911", "988", "partner"]), name="hotline_transfer_target_valid"
            ),
        ]
        indexes = [models.Index(fields=["started_at"], name="hotline_transfer_started_idx")]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.target_label}"

    @property
    def label(self) -> str:
        """Where it went, in the reader's language for 911 and 988, else the partner's name."""
        return self.target_label if self.target == self.Target.PARTNER else str(self.get_target_display())


class CallEvent(models.Model):
    """One line of a call's timeline on the intake page: transfers, holds, listen-ins."""

    class Kind(models.TextChoices):
        TRANSFER_STARTED = "transfer_started", _("Transfer started")
        TRANSFER_ANSWERED = "transfer_answered", _("Transfer answered")
        TRANSFER_NO_ANSWER = "transfer_no_answer", _("Transfer not answered")
        TRANSFER_BUSY = "transfer_busy", _("Transfer line busy")
        TRANSFER_FAILED = "transfer_failed", _("Transfer failed")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
        DISPATCHER_LEFT = "dispatcher_left", _("Dispatcher left the call")
        RETURNED = "returned", _("Caller returned to the dispatchers")
        HELD = "held", _("Caller put on hold")
        RESUMED = "resumed", _("Caller taken off hold")
        LISTEN = "listen", _("Coordinator listening in")
        COACH = "coach", _("Coordinator coaching")

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="events")
    transfer = models.ForeignKey(
        CallTransfer,
        verbose_name=_("transfer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind} {self.created_at:%H:%M:%S}"


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


class AlternativeService(models.TextChoices):
    """'If this line did not exist, who would you have called?'"""

    CALL_911 = "911", _("911")
    POLICE_NON_EMERGENCY = "police_non_emergency", _("Police non-emergency line")
    NOBODY = "nobody", _("Nobody")
    OTHER = "other", _("Someone else")


class HeardFrom(models.TextChoices):
    """'How did you hear about us?'"""

    OUTREACH_EVENT = "outreach_event", _("An outreach event")
    PARTNER = "partner", _("A partner organisation")
    TRANSFER_911 = "transfer_911", _("A 911 transfer")
    FRIEND_FAMILY = "friend_family", _("A friend or family member")
    MEDIA = "media", _("Media or social media")
    OTHER = "other", _("Other")


class ContactEvidence(models.Model):
    """The two optional diversion questions of one contact, however they were answered.

    Blank means skipped or not asked. `sms_step` is where the follow-up text conversation stands
    after the contact closed: the question last texted, waiting for a digit, or done.
    """

    class AskedBy(models.TextChoices):
        PHONE = "phone", _("Phone menu after the call")
        SMS = "sms", _("Text after the conversation")
        DISPATCHER = "dispatcher", _("Asked by the dispatcher")

    class SmsStep(models.TextChoices):
        NONE = "", _("Not texted")
        ALTERNATIVE = "alternative", _("Waiting for: who would you have called")
        HEARD_FROM = "heard_from", _("Waiting for: how did you hear about us")
        DONE = "done", _("Done")

    intake = models.OneToOneField(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="evidence"
    )
    would_have_called = models.CharField(
        _("would otherwise have called"), max_length=24, choices=AlternativeService.choices, blank=True
    )
    heard_from = models.CharField(
        _("heard about us from"), max_length=24, choices=HeardFrom.choices, blank=True
    )
    answered_via = models.CharField(_("answered through"), max_length=12, choices=AskedBy.choices, blank=True)
    sms_step = models.CharField(
        _("text questions"), max_length=12, choices=SmsStep.choices, default=SmsStep.NONE, blank=True
    )
    sms_asked_at = models.DateTimeField(_("texted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("diversion answers")
        verbose_name_plural = _("diversion answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(would_have_called__in=["", "911", "police_non_emergency", "nobody", "other"]),
                name="hotline_evidence_alternative_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.intake_id}: {self.would_have_called or '-'} / {self.heard_from or '-'}"

    @property
    def answered(self) -> bool:
        return bool(self.would_have_called or self.heard_from)


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
