"""Call types, the versioned screening protocol (questions and rules) and the decisions it recommends."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
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
