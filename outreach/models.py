"""Models of the outreach app: the partner directory, surveys, focus groups, events and leads."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from config.storage import private_storage

# The languages every survey text is written in, in the order the builder shows them.
SURVEY_LANGUAGES = ("en", "ko", "es")
# The research-phase survey seeded by migration 0003 (other apps may look it up by this slug).
COMMUNITY_NEEDS_SURVEY_SLUG = "community-needs"


def new_code() -> str:
    """An opaque, unguessable code for links (`?ref=`, `?lead=`, public survey slugs)."""
    return secrets.token_urlsafe(9)


def pick_language(code: str | None) -> str:
    """The survey language closest to a Django language code ('es-mx' -> 'es'); English otherwise."""
    base = (code or "").split("-")[0].lower()
    return base if base in SURVEY_LANGUAGES else "en"


class TranslatedText:
    """Mixin for models with `<field>_en`, `<field>_ko`, `<field>_es` columns."""

    def localized(self, field: str, language: str | None = None) -> str:
        """The text in `language`, or (not yet translated) in the first language that has it:
        English, then Korean, then Spanish."""
        language = pick_language(language or get_language())
        for code in (language, *SURVEY_LANGUAGES):
            if value := getattr(self, f"{field}_{code}"):
                return value
        return ""

    def untranslated(self, field: str) -> list[str]:
        """The languages `field` is not yet written in, when it is written in some."""
        missing = [code for code in SURVEY_LANGUAGES if not getattr(self, f"{field}_{code}")]
        return missing if len(missing) < len(SURVEY_LANGUAGES) else []

    @property
    def untranslated_title(self) -> list[str]:
        return self.untranslated("title")

    @property
    def untranslated_text(self) -> list[str]:
        return self.untranslated("text")


# --- Partner directory -------------------------------------------------------------------------


class ServiceType(models.Model):
    """A kind of service partners offer (shelter, food, legal aid...). Seeded, editable in the admin."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    needed_around_the_clock = models.BooleanField(
        _("needed 24/7"),
        default=False,
        help_text=_("The partnership map shows areas without a partner open 24/7 for this service."),
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        # Seeded names are in the app's message catalogue; names added later show as typed.
        return gettext(self.name)


class PartnerStage(models.TextChoices):
    """Where the working relationship with a partner stands, in the order it usually goes."""

    IDENTIFIED = "identified", _("Identified")
    CONTACTED = "contacted", _("Contacted")
    MEETING_HELD = "meeting_held", _("Meeting held")
    MOU_DRAFTED = "mou_drafted", _("MOU drafted")
    MOU_SIGNED = "mou_signed", _("MOU signed")
    DATA_SHARING_SIGNED = "data_sharing_signed", _("Data-sharing agreement signed")
    INACTIVE = "inactive", _("Inactive")


# Stages at which a partner has a signed agreement with the programme.
AGREED_STAGES = (PartnerStage.MOU_SIGNED, PartnerStage.DATA_SHARING_SIGNED)


class Partner(models.Model):
    """An organisation responders may refer people to."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    services = models.ManyToManyField(
        ServiceType, through="PartnerService", related_name="partners", verbose_name=_("services")
    )
    languages = models.ManyToManyField(
        "volunteers.Language", related_name="partners", blank=True, verbose_name=_("languages")
    )
    areas = models.ManyToManyField(
        "volunteers.Area", related_name="partners", blank=True, verbose_name=_("areas served")
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    eligibility = models.TextField(
        _("eligibility"), blank=True, help_text=_("Who may use the services (age, gender, ID, insurance...).")
    )
    accepts_referrals = models.BooleanField(_("accepts referrals"), default=True)
    open_24_7 = models.BooleanField(_("open 24/7"), default=False)
    hours_note = models.CharField(
        _("hours note"), max_length=200, blank=True, help_text=_("Holidays, intake cut-off times...")
    )
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    last_verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Changed only by outreach.services.partner_stage_set, which keeps the history.
    stage = models.CharField(
        _("relationship stage"),
        max_length=20,
        choices=PartnerStage.choices,
        default=PartnerStage.IDENTIFIED,
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outreach:partner_detail", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        """Unverified for longer than OUTREACH_PARTNER_STALE_DAYS (or never verified)."""
        return self.last_verified_on is None or self.last_verified_on < stale_cutoff()


def stale_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Entries verified before this date are stale."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.OUTREACH_PARTNER_STALE_DAYS)


class PartnerService(models.Model):
    """One service a partner offers; dispatch referrals may point at it."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="partner_services", verbose_name=_("partner")
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="partner_services", verbose_name=_("service type")
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        ordering = ["service_type__position", "service_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "service_type"], name="outreach_partner_service_unique"
            )
        ]
        verbose_name = _("partner service")
        verbose_name_plural = _("partner services")

    def __str__(self) -> str:
        return f"{self.partner}: {self.service_type}"


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """A weekly opening period in local time. Closing before opening means it ends the next day."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("partner")
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(
        _("closes at"), help_text=_("A time earlier than the opening time means the next day.")
    )

    class Meta:
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="outreach_hours_weekday"
            ),
            models.CheckConstraint(condition=~Q(closes_at=F("opens_at")), name="outreach_hours_not_empty"),
        ]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes_at < self.opens_at


# --- Surveys -----------------------------------------------------------------------------------


class Survey(TranslatedText, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(
        _("public link code"),
        max_length=60,
        unique=True,
        default=new_code,
        help_text=_("The last part of the public link."),
    )
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_ko = models.CharField(_("title (Korean)"), max_length=200, blank=True)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_ko = models.TextField(_("introduction (Korean)"), blank=True)
    intro_es = models.TextField(_("introduction (Spanish)"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Anonymous surveys never ask for a name or contact details."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.localized("title")

    def get_absolute_url(self) -> str:
        return reverse("outreach:survey_detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("outreach:survey_respond", args=[self.slug])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Question(TranslatedText, models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale of 1 to 5")
        TEXT = "text", _("Free text")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    SCALE_VALUES = (1, 2, 3, 4, 5)

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=False)
    text_en = models.TextField(_("question (English)"), blank=True)
    text_ko = models.TextField(_("question (Korean)"), blank=True)
    text_es = models.TextField(_("question (Spanish)"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.localized("text")

    @property
    def has_options(self) -> bool:
        return self.kind in self.CHOICE_KINDS


class Option(TranslatedText, models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text_en = models.CharField(_("option (English)"), max_length=200, blank=True)
    text_ko = models.CharField(_("option (Korean)"), max_length=200, blank=True)
    text_es = models.CharField(_("option (Spanish)"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.localized("text")


class SurveyResponse(models.Model):
    """One submitted questionnaire. `submission` is the nonce of the signed form token: a replayed
    post carries the same nonce and is refused by the unique constraint."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    submission = models.CharField(_("submission token"), max_length=40, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=8)
    respondent_name = models.CharField(_("name"), max_length=120, blank=True)
    respondent_contact = models.CharField(_("phone or email"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    """One answer to one question. A multiple-choice answer is one row per option chosen."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    option = models.ForeignKey(
        Option,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("option"),
    )
    scale_value = models.PositiveSmallIntegerField(_("scale value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_value__isnull=True) | Q(scale_value__gte=1, scale_value__lte=5),
                name="outreach_answer_scale_1_5",
            ),
            models.UniqueConstraint(
                fields=["response", "option"],
                condition=Q(option__isnull=False),
                name="outreach_answer_option_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True),
                name="outreach_answer_value_once",
            ),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.question_id}: {self.option_id or self.scale_value or self.text[:30]}"


# --- Focus groups ------------------------------------------------------------------------------


class Audience(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    ORGANISERS = "organisers", _("Community organisers")
    BUSINESSES = "businesses", _("Businesses")
    UNHOUSED = "unhoused", _("People experiencing homelessness")
    PROVIDERS = "providers", _("Service providers")
    OTHER = "other", _("Other")


class Theme(models.Model):
    """A tag for what came up in focus groups ("distrust of police", "language access")."""

    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class FocusGroup(models.Model):
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    audience = models.CharField(_("audience group"), max_length=20, choices=Audience.choices)
    facilitator = models.CharField(_("facilitator"), max_length=120)
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("number of participants"))
    notes = models.TextField(_("notes"), blank=True)
    themes = models.ManyToManyField(Theme, related_name="focus_groups", blank=True, verbose_name=_("themes"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("focus group")
        verbose_name_plural = _("focus groups")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("outreach:focus_group_detail", args=[self.pk])


# --- Events and leads --------------------------------------------------------------------------


class Event(models.Model):
    class Kind(models.TextChoices):
        PRESENTATION = "presentation", _("Presentation")
        TABLING = "tabling", _("Tabling")
        SOCIAL_MEDIA = "social_media", _("Social-media post")
        CANVASSING = "canvassing", _("Canvassing")
        PARTNER_TRAINING = "partner_training", _("Training for a partner organisation")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("Address, venue or platform.")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("partner"),
    )
    area = models.ForeignKey(
        "volunteers.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outreach_events",
        verbose_name=_("area"),
    )
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    # The opaque code the volunteer sign-up receives as ?ref= (Volunteer.source_code).
    code = models.CharField(
        _("attribution code"), max_length=40, unique=True, default=new_code, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["kind", "held_on"], name="outreach_event_kind_date")]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("outreach:event_detail", args=[self.pk])


class Lead(models.Model):
    """Someone who said they might volunteer. Personal data: coordinators only."""

    class Interest(models.TextChoices):
        DISPATCHER = "dispatcher", _("Answering the hotline (dispatcher)")
        RESPONDER = "responder", _("Going out to calls (responder)")
        OUTREACH = "outreach", _("Outreach and events")
        UNSURE = "unsure", _("Not sure yet")

    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads", verbose_name=_("event")
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    interest = models.CharField(
        _("interest"), max_length=20, choices=Interest.choices, default=Interest.UNSURE
    )
    notes = models.TextField(_("notes"), blank=True)
    # The opaque code the volunteer sign-up receives as ?lead= (Volunteer.lead_reference).
    reference = models.CharField(_("reference"), max_length=40, unique=True, default=new_code, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(email="") | ~Q(phone=""), name="outreach_lead_has_contact"),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("outreach:lead_detail", args=[self.pk])


# --- Partner agreements and relationship ------------------------------------------------------


class PartnerStageChange(models.Model):
    """One move of a partner from a relationship stage to another."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("partner")
    )
    from_stage = models.CharField(_("from"), max_length=20, choices=PartnerStage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=PartnerStage.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_stage=F("to_stage")), name="outreach_stage_change_moves")
        ]
        verbose_name = _("relationship stage change")
        verbose_name_plural = _("relationship stage changes")

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


def agreement_upload_to(instance: PartnerAgreement, filename: str) -> str:
    # The stored name is random: the original name is kept in `document_name` for downloads.
    return f"partner_agreements/{instance.partner_id}/{secrets.token_hex(16)}.pdf"


class PartnerAgreement(models.Model):
    """A signed agreement with a partner: an MOU or a data-sharing agreement, with its PDF."""

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        DATA_SHARING = "data_sharing", _("Data-sharing agreement")
        OTHER = "other", _("Other agreement")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    renewal_on = models.DateField(_("renewal date"), null=True, blank=True, db_index=True)
    document = models.FileField(
        _("signed document"), storage=private_storage, upload_to=agreement_upload_to, max_length=200
    )
    document_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # The renewal date a reminder went out for: claimed before sending, so one email per date.
    renewal_reminded_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="outreach_agreement_ends_after_start",
            ),
        ]
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")

    def __str__(self) -> str:
        return f"{self.partner}: {self.title or self.get_kind_display()} ({self.signed_on})"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class PartnerContact(models.Model):
    """A meeting, call or email with a partner: the relationship's log."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        OTHER = "other", _("Other")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    with_whom = models.CharField(_("with"), max_length=200, blank=True)
    summary = models.TextField(_("summary"))
    follow_up = models.CharField(_("follow-up"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_kind_display()} {self.happened_on}"
