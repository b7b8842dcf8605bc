"""Call control: a call's conferences, its transfers to 911, 988 or a partner, and its timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .calls import Call


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
