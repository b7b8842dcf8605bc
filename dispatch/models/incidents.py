"""Incidents: responders sent to a person, the responders texted about each, and its timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .protocol import CallType
from .triage import Triage


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
