"""Models of the dispatch app: call types, the versioned screening protocol, triage of intakes,
incidents with their timeline and outcome, responders on incidents, and the notification outbox.

Intakes belong to the hotline app; everything dispatch knows about one lives in `Triage`,
one row per intake, whose conditional update is the claim two dispatchers race for.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

PROTOCOL_LANGUAGES = ("en", "ko", "es")


def pick_language(code: str | None) -> str:
    """The protocol language closest to a Django language code ('es-mx' -> 'es'), else English."""
    base = (code or "").split("-")[0].lower()
    return base if base in PROTOCOL_LANGUAGES else "en"


class Translated:
    """Mixin for models with `<field>_en`, `<field>_ko`, `<field>_es` columns."""

    def localized(self, field: str, language: str | None = None) -> str:
        language = pick_language(language or get_language())
        return getattr(self, f"{field}_{language}") or getattr(self, f"{field}_en")


class Decision(models.TextChoices):
    """What a dispatcher decides for an intake (and what the protocol recommends)."""

    PHONE_SUPPORT = "phone_support", _("Phone support only")
    SEND_RESPONDERS = "send_responders", _("Send responders")
    REFER = "refer", _("Refer to a partner service")
    ESCALATE = "escalate_911", _("Escalate to 911/EMS")
    NO_ACTION = "no_action", _("No action (wrong number, hang-up)")


def parse_follow_up_hours(value: str) -> list[int]:
    """ "24, 72" -> [24, 72]: the hours after a contact at which to follow up (empty: none)."""
    hours = []
    for part in (value or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 24 * 90:
            raise ValidationError(_("Give whole hours between 1 and 2160, separated by commas."))
        hours.append(int(part))
    return sorted(set(hours))


def validate_follow_up_hours(value: str) -> None:
    parse_follow_up_hours(value)


class CallType(Translated, models.Model):
    """The call-type taxonomy (seeded by a migration, editable by coordinators in the admin).

    Training modules name the call types they qualify for by `slug`.
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_ko = models.CharField(_("name (Korean)"), max_length=120, blank=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    checkin_minutes = models.PositiveSmallIntegerField(
        _("check-in every (minutes)"),
        default=20,
        help_text=_('While a team is on scene, how often it must tap "We\'re OK" or text OK.'),
    )
    follow_up_hours = models.CharField(
        _("follow up after (hours)"),
        max_length=60,
        default="24,72",
        blank=True,
        validators=[validate_follow_up_hours],
        help_text=_("When to call the person back after a contact, e.g. 24,72. Empty: no follow-ups."),
    )

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("call type")
        verbose_name_plural = _("call types")

    def __str__(self) -> str:
        return self.localized("name")


class ProtocolVersion(models.Model):
    """One immutable version of the screening protocol. Editing makes the next version."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    default_recommendation = models.CharField(
        _("recommendation when no rule matches"),
        max_length=20,
        choices=Decision.choices,
        default=Decision.PHONE_SUPPORT,
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("protocol version")
        verbose_name_plural = _("protocol versions")
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="dispatch_protocol_number_positive")
        ]

    def __str__(self) -> str:
        return _("Protocol v%(number)s") % {"number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("dispatch:protocol_version", args=[self.number])


class ProtocolQuestion(Translated, models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("One of a list")
        TEXT = "text", _("Free text")
        LOCATION = "location", _("Location (address or landmark)")
        CALL_TYPE = "call_type", _("Call type (from the taxonomy)")
        AREA = "area", _("Area")
        LANGUAGE = "language", _("Language")

    protocol = models.ForeignKey(
        ProtocolVersion, verbose_name=_("protocol"), on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(_("key"), max_length=40, help_text=_("Short name rules refer to, e.g. weapon."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    danger_screen = models.BooleanField(
        _("danger screen"),
        default=False,
        help_text=_("A yes always recommends escalating to 911/EMS."),
    )
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_ko = models.CharField(_("question (Korean)"), max_length=300)
    text_es = models.CharField(_("question (Spanish)"), max_length=300)
    # For kind "choice": [{"value": "slug", "en": "...", "ko": "...", "es": "..."}, ...]
    options = models.JSONField(_("options"), default=list, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("protocol question")
        verbose_name_plural = _("protocol questions")
        constraints = [
            models.UniqueConstraint(fields=["protocol", "key"], name="dispatch_question_key_once"),
            models.CheckConstraint(
                condition=Q(danger_screen=False) | Q(kind="yes_no"), name="dispatch_danger_screen_is_yes_no"
            ),
        ]

    def __str__(self) -> str:
        return self.localized("text")


class ProtocolRule(Translated, models.Model):
    """If the answer to `question_key` matches, recommend `recommendation`. First match wins."""

    class Operator(models.TextChoices):
        EQUALS = "equals", _("is")
        NOT_EQUALS = "not_equals", _("is not")
        IN = "in", _("is one of (comma-separated)")

    protocol = models.ForeignKey(
        ProtocolVersion, verbose_name=_("protocol"), on_delete=models.CASCADE, related_name="rules"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    question_key = models.SlugField(_("question key"), max_length=40)
    operator = models.CharField(
        _("operator"), max_length=12, choices=Operator.choices, default=Operator.EQUALS
    )
    value = models.CharField(_("value"), max_length=300)
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Decision.choices)
    explanation_en = models.CharField(_("explanation (English)"), max_length=300, blank=True)
    explanation_ko = models.CharField(_("explanation (Korean)"), max_length=300, blank=True)
    explanation_es = models.CharField(_("explanation (Spanish)"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("protocol rule")
        verbose_name_plural = _("protocol rules")

    def __str__(self) -> str:
        return f"{self.question_key} {self.operator} {self.value} → {self.recommendation}"


class HandoffService(models.TextChoices):
    DISPATCH_911 = "911", _("911 dispatch")
    EMS = "ems", _("EMS / ambulance")


class Triage(models.Model):
    """Dispatch's record of one intake: who has it, the screening answers and the decision.

    `claimed_by` changes only by conditional updates (services.triage_claim and friends), so two
    dispatchers never hold one intake.
    """

    intake = models.OneToOneField(
        "hotline.Intake", verbose_name=_("intake"), on_delete=models.CASCADE, related_name="triage"
    )
    protocol = models.ForeignKey(
        ProtocolVersion, verbose_name=_("protocol"), on_delete=models.PROTECT, related_name="triages"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispatch_claims",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # The intake's status before the claim, restored when the claim is released.
    status_before_claim = models.CharField(max_length=16, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    call_type = models.ForeignKey(
        CallType,
        verbose_name=_("call type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.ForeignKey(
        "volunteers.Area",
        verbose_name=_("area"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    notes = models.TextField(_("dispatcher notes"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Decision.choices, blank=True
    )
    danger_flagged = models.BooleanField(_("a danger screen was answered yes"), default=False)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    override_reason = models.TextField(_("reason for not following the recommendation"), blank=True)
    handoff_to = models.CharField(
        _("handed off to"), max_length=8, choices=HandoffService.choices, blank=True
    )
    handoff_at = models.DateTimeField(_("handed off at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The person said they do not want to be called back: no follow-up is scheduled for them.
    follow_up_declined = models.BooleanField(_("declined follow-up"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("triage")
        verbose_name_plural = _("triages")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="")
                | Q(recommendation="")
                | Q(decision=F("recommendation"))
                | ~Q(override_reason=""),
                name="dispatch_override_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(danger_flagged=True, decision="send_responders", override_reason=""),
                name="dispatch_danger_never_sends_without_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decision="escalate_911")
                | Q(handoff_at__isnull=False, handoff_to__in=["911", "ems"]),
                name="dispatch_escalation_records_handoff",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="dispatch_decision_has_time",
            ),
        ]
        indexes = [models.Index(fields=["call_type", "decided_at"], name="dispatch_triage_type_idx")]

    def __str__(self) -> str:
        return _("Triage of intake #%(intake)s") % {"intake": self.intake_id}

    def get_absolute_url(self) -> str:
        return reverse("dispatch:intake", args=[self.intake_id])

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    @property
    def is_override(self) -> bool:
        return bool(self.decision) and self.decision != self.recommendation


class Incident(models.Model):
    """Responders sent to a person: opened by a "send responders" decision."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("Dispatched")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        CLEARED = "cleared", _("Cleared")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.DISPATCHED, Status.ACKNOWLEDGED, Status.EN_ROUTE, Status.ON_SCENE, Status.CLEARED)

    class Outcome(models.TextChoices):
        RESOLVED = "resolved_on_scene", _("Resolved on scene")
        REFERRED = "referred", _("Referred to a partner")
        TRANSPORTED = "transported", _("Transported")
        POLICE_REQUESTED = "police_requested", _("Police requested")
        EMS_REQUESTED = "ems_requested", _("EMS requested")
        NO_CONTACT = "no_contact", _("No contact")
        DECLINED = "services_declined", _("Services declined")

    code = models.CharField(_("code"), max_length=8, unique=True)
    triage = models.OneToOneField(
        Triage, verbose_name=_("triage"), on_delete=models.PROTECT, related_name="incident"
    )
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DISPATCHED)
    call_type = models.ForeignKey(
        CallType,
        verbose_name=_("call type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.ForeignKey(
        "volunteers.Area",
        verbose_name=_("area"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    details = models.TextField(_("what responders need to know"), blank=True)
    team_size = models.PositiveSmallIntegerField(_("team size"), default=2)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # Escalation: 0 = first responders texted, 1 = every on-shift responder, 2 = on-call coordinator.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalate_at = models.DateTimeField(_("escalate at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    transported_by = models.CharField(_("transported by"), max_length=200, blank=True)
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_notes = models.TextField(_("follow-up notes"), blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # While the team is on scene: when its next "We're OK" is due (None otherwise).
    checkin_due_at = models.DateTimeField(_("next check-in due"), null=True, blank=True)
    last_checkin_at = models.DateTimeField(_("last check-in"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(team_size__gte=1), name="dispatch_incident_team_size_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="dispatch_closed_incident_has_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="transported") | ~Q(transported_by=""),
                name="dispatch_transport_names_who",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="dispatch_cancel_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="dispatch_incident_status_idx"),
            models.Index(fields=["escalate_at"], name="dispatch_incident_escalate_idx"),
            models.Index(fields=["checkin_due_at"], name="dispatch_incident_checkin_idx"),
        ]

    def __str__(self) -> str:
        return _("Incident %(code)s") % {"code": self.code}

    def get_absolute_url(self) -> str:
        return reverse("dispatch:incident", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class IncidentResponder(models.Model):
    """A responder texted about an incident, and their answer. ACCEPTED ones are the team."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", _("Texted, no answer yet")
        ACCEPTED = "accepted", _("On the team")
        DECLINED = "declined", _("Declined")
        TEAM_FULL = "team_full", _("Answered after the team was full")
        STOOD_DOWN = "stood_down", _("Stood down")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="responders"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("responder"),
        on_delete=models.PROTECT,
        related_name="incident_assignments",
    )
    tier = models.PositiveSmallIntegerField(_("escalation tier"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOTIFIED)
    notified_at = models.DateTimeField(_("texted at"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Where the responder's phone last said it was, shared by them (with consent, from their
    # page) while on the team of an open incident; forgotten when the incident ends.
    shared_latitude = models.DecimalField(
        _("shared latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    shared_longitude = models.DecimalField(
        _("shared longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    shared_accuracy_m = models.PositiveIntegerField(_("shared location accuracy (m)"), null=True, blank=True)
    shared_at = models.DateTimeField(_("location shared at"), null=True, blank=True)

    class Meta:
        ordering = ["notified_at", "pk"]
        verbose_name = _("incident responder")
        verbose_name_plural = _("incident responders")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "volunteer"], name="dispatch_responder_once_per_incident"
            )
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="dispatch_responder_status_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.incident}"

    @property
    def map_url(self) -> str:
        """A link to the shared location on OpenStreetMap (a link, not an embedded asset)."""
        if self.shared_latitude is None or self.shared_longitude is None:
            return ""
        lat, lon = self.shared_latitude, self.shared_longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


class IncidentEvent(models.Model):
    """One line of an incident's timeline: who did what, when."""

    class Kind(models.TextChoices):
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Acknowledged")
        DECLINED = "declined", _("Declined")
        TEAM_FULL = "team_full", _("Answered after the team was full")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        CLEARED = "cleared", _("Cleared")
        NOTE = "note", _("Note")
        ESCALATED = "escalated", _("Escalated")
        NOTIFICATION_FAILED = "notification_failed", _("Text failed")
        OUTCOME = "outcome", _("Outcome recorded")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        ALARM = "alarm", _("Alarm raised")
        ALARM_ACKNOWLEDGED = "alarm_ack", _("Alarm acknowledged")
        ALARM_RESOLVED = "alarm_resolved", _("Alarm resolved")
        CHECKED_IN = "checked_in", _("Checked in: we're OK")
        ON_CALL_ALERTED = "on_call_alerted", _("On-call coordinator alerted")
        HAND_PICKED = "hand_picked", _("Responders hand-picked")
        LOCATION_SHARED = "location_shared", _("Location shared")
        LOCATION_STOPPED = "location_stopped", _("Location no longer shared")
        RENOTIFIED = "renotified", _("Texted again")
        WIDENED = "widened", _("Call-out widened")
        DECISION_CHANGED = "decision_changed", _("Decision changed")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("responder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.created_at:%H:%M:%S}"

    @property
    def who(self) -> str:
        if self.volunteer_id:
            return str(self.volunteer)
        if self.actor_id:
            return self.actor.get_full_name() or self.actor.get_username()
        return ""


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


class FollowUp(models.Model):
    """A call or text back to a person some hours after their contact, to see how they are.

    Scheduled by a phone-support decision or an incident's outcome (services.follow_ups); a
    dispatcher claims it with a conditional update, like an intake, tries to reach the person
    and records the result, which may schedule the next try.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached")
        CONNECTED = "connected", _("Connected to a service")
        DECLINED = "declined", _("Declined follow-up")
        NO_ANSWER = "no_answer", _("No answer")

    class Method(models.TextChoices):
        CALL = "call", _("Call through the hotline number")
        TEXT = "text", _("Text")

    triage = models.ForeignKey(
        Triage, verbose_name=_("triage"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    due_at = models.DateTimeField(_("due at"))
    what_to_do = models.TextField(_("what to do"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispatch_follow_ups",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=6, choices=Method.choices, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    result_notes = models.TextField(_("notes on the result"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    rescheduled_from = models.ForeignKey(
        "self",
        verbose_name=_("rescheduled from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rescheduled_to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(result="") & Q(done_at__isnull=False)),
                name="dispatch_follow_up_done_has_result",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(result=""), name="dispatch_follow_up_result_only_when_done"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="dispatch_follow_up_due_idx")]

    def __str__(self) -> str:
        return _("Follow-up of intake #%(intake)s") % {"intake": self.triage.intake_id}

    def get_absolute_url(self) -> str:
        return reverse("dispatch:follow_up", args=[self.pk])

    def is_overdue(self, now=None) -> bool:
        return self.status == self.Status.SCHEDULED and self.due_at < (now or timezone.now())


class OnCallPeriod(models.Model):
    """Who is the on-call coordinator when: the last tier of escalation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("coordinator"), on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(_("phone to text"), max_length=32)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("on-call period")
        verbose_name_plural = _("on-call periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="dispatch_oncall_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.user} {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """The transactional outbox: one text to send, written in the same transaction as its cause.

    A task claims a row PENDING -> SENDING with a conditional update before it calls the
    provider, so a duplicated or redelivered task never texts anybody twice.
    """

    class Kind(models.TextChoices):
        DISPATCH = "dispatch", _("Call-out")
        ESCALATION = "escalation", _("Call-out (widened)")
        ON_CALL = "on_call", _("Alert to the on-call coordinator")
        ALARM = "alarm", _("Alarm to the on-call coordinator")
        CHECKED_IN = "checked_in", _("Check-in received")
        BACKUP = "backup", _("Backup request received")
        ACCEPTED = "accepted", _("You are on the team")
        TEAM_FULL = "team_full", _("Team already full")
        DECLINED = "declined", _("Thanks for answering")
        CLARIFY = "clarify", _("Which incident?")
        CANCELLED = "cancelled", _("Incident cancelled")
        CLOSED = "closed", _("Incident closed")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("responder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    to = models.CharField(_("to"), max_length=32)
    body = models.TextField(_("text"))
    # Keeps a cause from writing the same text twice (e.g. "42:dispatch:7").
    dedupe_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_sid = models.CharField(_("provider id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="dispatch_outbox_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="dispatch_sent_has_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to} ({self.status})"


class Alarm(models.Model):
    """Something on an incident that a person must see now: it shows on every open console
    (a red banner with sound) until a dispatcher acknowledges it, and flags the incident while
    it is open (not resolved). One open alarm per incident and kind (services.alarms)."""

    class Kind(models.TextChoices):
        NOBODY_AVAILABLE = "nobody_available", _("Nobody available")
        ALL_DECLINED = "all_declined", _("Every responder declined")
        DEADLINE_PASSED = "deadline_passed", _("No full team in time")
        CHECKIN_MISSED = "checkin_missed", _("Check-in missed")
        BACKUP = "backup", _("Responder asks for backup")

    class Level(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")
        EMERGENCY = "emergency", _("Emergency")

    class CallStatus(models.TextChoices):
        NONE = "", _("No call")
        PENDING = "pending", _("To call")
        CALLING = "calling", _("Calling")
        CALLED = "called", _("Called")
        FAILED = "failed", _("Call failed")

    STAFFING_KINDS = (Kind.NOBODY_AVAILABLE, Kind.ALL_DECLINED, Kind.DEADLINE_PASSED)

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    details = models.TextField(_("details"), blank=True)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("responder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The on-call coordinator was texted (claimed by a conditional update: once per alarm).
    on_call_alerted_at = models.DateTimeField(_("on-call coordinator alerted at"), null=True, blank=True)
    call_status = models.CharField(
        _("call to the on-call coordinator"),
        max_length=8,
        choices=CallStatus.choices,
        default=CallStatus.NONE,
        blank=True,
    )
    call_to = models.CharField(_("called number"), max_length=32, blank=True)
    call_sid = models.CharField(_("call id"), max_length=64, blank=True)
    call_error = models.TextField(_("call error"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="dispatch_alarm_open_once_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=F("raised_at")),
                name="dispatch_alarm_acknowledged_after_raised",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "acknowledged_at"], name="dispatch_alarm_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.get_kind_display()} ({self.incident_id})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_emergency(self) -> bool:
        return self.level == self.Level.EMERGENCY


# --- debriefs and wellbeing (dispatch.debriefs) --------------------------------------------------


class Debrief(models.Model):
    """A team member's short, optional debrief after a closed incident. Coordinators only see it."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="debriefs"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("team member"),
        on_delete=models.CASCADE,
        related_name="debriefs",
    )
    went_well = models.TextField(_("what went well"), blank=True)
    was_hard = models.TextField(_("what was hard"), blank=True)
    wants_to_talk = models.BooleanField(_("would like to talk to someone"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("debrief")
        verbose_name_plural = _("debriefs")
        constraints = [
            models.UniqueConstraint(fields=["incident", "volunteer"], name="dispatch_debrief_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.incident.code} · {self.volunteer}"


class WellbeingCheckIn(models.Model):
    """A coordinator's check-in with a team member, due within 48 hours of a critical-incident
    flag or of a debrief asking to talk."""

    class Reason(models.TextChoices):
        CRITICAL_INCIDENT = "critical", _("Critical incident")
        ASKED_TO_TALK = "asked", _("Asked to talk")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="check_ins"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("team member"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("why"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    # When the coordinators were emailed about it, and reminded once it was overdue (each claimed
    # before the email goes: dispatch.debriefs.check_ins_prompt).
    announced_at = models.DateTimeField(_("coordinators told at"), null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(_("overdue reminder sent at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("wellbeing check-in")
        verbose_name_plural = _("wellbeing check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "volunteer", "reason"], name="dispatch_check_in_once_per_reason"
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("created_at")), name="dispatch_check_in_due_after"
            ),
        ]
        indexes = [models.Index(fields=["done_at", "due_at"], name="dispatch_check_in_due_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.incident.code}"

    def is_overdue(self, now=None) -> bool:
        return self.done_at is None and (now or timezone.now()) > self.due_at


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
