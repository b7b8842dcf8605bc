"""Running the programme (assessment.programme): lessons learned, the steering committee."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from assessment.models.readiness import RoadmapPhase

# --- lessons learned ------------------------------------------------------------------------------


class LessonsReview(models.Model):
    """Coordinators' findings about a period, area by area, and the continue/change/stop decision."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        CHANGE = "change", _("Change")
        STOP = "stop", _("Stop")

    title = models.CharField(_("title"), max_length=200)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_notes = models.TextField(_("reasons for the decision"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["-last_day", "-pk"]
        verbose_name = _("lessons-learned review")
        verbose_name_plural = _("lessons-learned reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="assessment_review_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_on__isnull=True)
                | (~Q(decision="") & Q(decided_on__isnull=False)),
                name="assessment_review_decision_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assessment:lessons_review", args=[self.pk])


class Finding(models.Model):
    class Area(models.TextChoices):
        CALLS = "calls", _("Calls")
        RESPONSE = "response", _("Response")
        OUTREACH = "outreach", _("Outreach")
        VOLUNTEERS = "volunteers", _("Volunteers")
        PARTNERS = "partners", _("Partners")

    review = models.ForeignKey(
        LessonsReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings"
    )
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    finding = models.TextField(_("finding"))
    recommendation = models.TextField(_("recommendation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["review", "area", "created_at", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.finding[:40]}"


# --- steering committee ---------------------------------------------------------------------------


class SteeringMember(models.Model):
    name = models.CharField(_("name"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    community_represented = models.CharField(_("community represented"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    term_starts = models.DateField(_("term starts"))
    term_ends = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("steering committee member")
        verbose_name_plural = _("steering committee members")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends__isnull=True) | Q(term_ends__gte=models.F("term_starts")),
                name="assessment_member_term_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def serves_on(self, day) -> bool:
        return self.term_starts <= day and (self.term_ends is None or day <= self.term_ends)


class SteeringMeeting(models.Model):
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        SteeringMember, verbose_name=_("attendees"), related_name="meetings", blank=True
    )
    guests = models.CharField(_("other attendees"), max_length=300, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("steering committee meeting")
        verbose_name_plural = _("steering committee meetings")

    def __str__(self) -> str:
        return f"{self.held_on}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:steering_meeting", args=[self.pk])


class SteeringDecision(models.Model):
    """A decision of a meeting, linked to the roadmap phases and readiness checks it concerns
    (checks are computed, so they are named by key: "staffing", "partner_agreements"...)."""

    meeting = models.ForeignKey(
        SteeringMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    phases = models.ManyToManyField(
        RoadmapPhase, verbose_name=_("roadmap phases"), related_name="steering_decisions", blank=True
    )
    readiness_checks = models.JSONField(_("readiness checks"), default=list, blank=True)

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("steering committee decision")
        verbose_name_plural = _("steering committee decisions")

    def __str__(self) -> str:
        return self.text[:60]


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        SteeringMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        SteeringMember, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["done_on", "due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.description
