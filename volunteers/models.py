"""Models of the volunteers app.

Area and Language are shared reference data: intakes, partners, volunteers and shifts point at
them, so they live in the lowest app of the dependency chain.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from config.storage import private_storage


class Area(models.Model):
    """A part of the service area (neighbourhood, district, beat) responders may cover."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """A language a caller or volunteer speaks, by BCP 47 code (en, ko, es, ...)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name


class ShiftRole(models.TextChoices):
    """The roles a volunteer takes on a shift (lower-case slugs other apps pass around)."""

    DISPATCHER = "dispatcher", _("Dispatcher")
    RESPONDER = "responder", _("Responder")


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


class TaughtBy(models.TextChoices):
    PROGRAMME = "programme", _("Programme staff")
    PARTNER = "partner", _("Partner organisation")
    EXPERT = "expert", _("Expert")


class TrainingModule(models.Model):
    """A training a volunteer completes.

    `roles`: ShiftRole values that require this module (a volunteer is qualified for a role
    when every active module listing it is completed and not expired).
    `qualifies_for_call_types`: call-type slugs (dispatch's taxonomy) this module qualifies a
    responder for. Both are JSON lists of slug strings.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    roles = models.JSONField(_("required for roles"), default=list, blank=True)
    qualifies_for_call_types = models.JSONField(_("qualifies for call types"), default=list, blank=True)
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Leave empty when it never expires.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the curriculum"), default=100)
    taught_by_kind = models.CharField(
        _("taught by"), max_length=12, choices=TaughtBy.choices, default=TaughtBy.PROGRAMME
    )
    taught_by_name = models.CharField(
        _("trainer or organisation"),
        max_length=200,
        blank=True,
        help_text=_("The partner organisation or the expert who teaches it."),
    )
    # What a completion needs besides a passed quiz (when the module has an active quiz).
    requires_attendance = models.BooleanField(_("attendance at a session required"), default=False)
    requires_sign_off = models.BooleanField(
        _("trainer's competency sign-off required"),
        default=False,
        help_text=_("A trainer observed the volunteer in a role-play and signs off."),
    )

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0),
                name="training_module_validity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def expires_on_for(self, completed_on: date) -> date | None:
        if self.validity_days is None:
            return None
        return completed_on + timedelta(days=self.validity_days)


class TrainingSession(models.Model):
    """A scheduled session of a module; attendance records completions."""

    module = models.ForeignKey(
        TrainingModule, verbose_name=_("module"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("place"), max_length=200)
    trainer = models.CharField(_("trainer"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("places"), null=True, blank=True)
    attendees = models.ManyToManyField(
        Volunteer, through="TrainingAttendance", related_name="training_sessions", blank=True
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.module} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:training_session_detail", args=[self.pk])


class TrainingAttendance(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training_attendance")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "volunteer"], name="training_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.session}: {self.get_status_display()}"


class TrainingCompletion(models.Model):
    """A volunteer completed a module on a date; valid until (not including) `expires_on`.

    Dates are local to settings.TIME_ZONE: a completion expiring on 2026-03-01 stops
    qualifying at local midnight starting that day.
    """

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="completions")
    module = models.ForeignKey(
        TrainingModule, verbose_name=_("module"), on_delete=models.PROTECT, related_name="completions"
    )
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="completions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name = _("training completion")
        verbose_name_plural = _("training completions")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "module", "completed_on"], name="training_completion_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("completed_on")),
                name="training_completion_expires_after_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.module} ({self.completed_on})"

    def is_valid_on(self, day: date) -> bool:
        return self.completed_on <= day and (self.expires_on is None or self.expires_on > day)


def _localized(instance, field: str, language: str | None = None) -> str:
    """`<field>_<language>` of a model with en/ko/es columns, English when that one is empty."""
    from django.utils.translation import get_language

    base = (language or get_language() or "en").split("-")[0].lower()
    base = base if base in QUIZ_LANGUAGES else "en"
    return getattr(instance, f"{field}_{base}") or getattr(instance, f"{field}_en")


# The languages lessons' quizzes are written in.
QUIZ_LANGUAGES = ("en", "ko", "es")


def material_upload_to(instance: LessonMaterial, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"training_materials/{instance.lesson_id}/{secrets.token_hex(16)}.{suffix}"


class Lesson(models.Model):
    """One part of a module, in order: text (plain, with simple markup rendered safely), links
    written in the text, an optional video link and uploaded materials."""

    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_(
            "Plain text. Blank lines separate paragraphs; “- ” starts a list item; "
            "**bold**; [a link](https://example.org). HTML is shown as typed."
        ),
    )
    video_url = models.URLField(_("video link"), blank=True)

    class Meta:
        ordering = ["module", "position", "pk"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return f"{self.module}: {self.title}"


class LessonMaterial(models.Model):
    """A file handed out with a lesson, stored privately and served to signed-in volunteers."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="materials", verbose_name=_("lesson")
    )
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to=material_upload_to, max_length=200)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("lesson material")
        verbose_name_plural = _("lesson materials")

    def __str__(self) -> str:
        return self.name


class Quiz(models.Model):
    """A module's multiple-choice quiz; passing it is then part of completing the module."""

    module = models.OneToOneField(
        TrainingModule, on_delete=models.CASCADE, related_name="quiz", verbose_name=_("module")
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_percent"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1), name="quiz_attempts_positive"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Quiz: %(module)s") % {"module": self.module}


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text_en = models.CharField(_("question (English)"), max_length=500)
    text_ko = models.CharField(_("question (Korean)"), max_length=500, blank=True)
    text_es = models.CharField(_("question (Spanish)"), max_length=500, blank=True)

    class Meta:
        ordering = ["quiz", "position", "pk"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")

    def __str__(self) -> str:
        return self.text_en

    def text(self, language: str | None = None) -> str:
        return _localized(self, "text", language)


class QuizChoice(models.Model):
    question = models.ForeignKey(
        QuizQuestion, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text_en = models.CharField(_("answer (English)"), max_length=300)
    text_ko = models.CharField(_("answer (Korean)"), max_length=300, blank=True)
    text_es = models.CharField(_("answer (Spanish)"), max_length=300, blank=True)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("quiz answer")
        verbose_name_plural = _("quiz answers")

    def __str__(self) -> str:
        return self.text_en

    def text(self, language: str | None = None) -> str:
        return _localized(self, "text", language)


class QuizAttempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz"))
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("volunteer")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # {question id: chosen answer id}, as submitted.
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="quiz_attempt_score_percent")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.quiz.module}: {self.score}%"


class CompetencySignOff(models.Model):
    """A trainer observed the volunteer in a role-play and judged them competent for the module."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="sign_offs", verbose_name=_("volunteer")
    )
    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, related_name="sign_offs", verbose_name=_("module")
    )
    observed = models.TextField(_("role-play observed"), help_text=_("What the trainer observed."))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        verbose_name = _("competency sign-off")
        verbose_name_plural = _("competency sign-offs")

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.module}"


# --- onboarding and community agreements ------------------------------------------------------


class OnboardingStep(models.Model):
    """One configurable step of a role's onboarding checklist (coordinators edit them)."""

    class Kind(models.TextChoices):
        BACKGROUND_CHECK = "background_check", _("Background check")
        ORIENTATION = "orientation", _("Orientation")
        REQUIRED_MODULES = "required_modules", _("Required training modules")
        MODULE = "module", _("A training module")
        SHADOW_SHIFTS = "shadow_shifts", _("Shadow shifts")
        FIRST_SOLO_SHIFT = "first_solo_shift", _("First solo shift")
        OTHER = "other", _("Other")

    role = models.CharField(_("role"), max_length=12, choices=ShiftRole.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Defaults to the kind."))
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onboarding_steps",
        verbose_name=_("module"),
    )
    required_count = models.PositiveSmallIntegerField(
        _("how many times"), default=1, help_text=_("For shadow shifts: how many, each signed.")
    )
    required_before_access = models.BooleanField(
        _("needed before the role's pages open"),
        default=True,
        help_text=_("Untick for steps done in the role itself, like the first solo shift."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["role", "position", "pk"]
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="module", module__isnull=False)
                | (~Q(kind="module") & Q(module__isnull=True)),
                name="onboarding_step_module_iff_kind_module",
            ),
            models.CheckConstraint(condition=Q(required_count__gte=1), name="onboarding_step_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.label}"

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        if self.kind == self.Kind.MODULE and self.module_id:
            return str(self.module)
        return str(self.get_kind_display())

    @property
    def recorded(self) -> bool:
        """Done by records (a coordinator's, or a signed shadow shift), not computed from training."""
        return self.kind not in (self.Kind.REQUIRED_MODULES, self.Kind.MODULE)


class OnboardingRecord(models.Model):
    """A step done by a volunteer: recorded by a coordinator, or a shadow shift signed by an
    experienced volunteer (`vouched_by`)."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="onboarding_records", verbose_name=_("volunteer")
    )
    step = models.ForeignKey(
        OnboardingStep, on_delete=models.CASCADE, related_name="records", verbose_name=_("step")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    vouched_by = models.ForeignKey(
        Volunteer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shadow_shifts_signed",
        verbose_name=_("signed by (experienced volunteer)"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("onboarding record")
        verbose_name_plural = _("onboarding records")
        constraints = [
            models.CheckConstraint(
                condition=~Q(vouched_by=F("volunteer")), name="onboarding_record_not_self_signed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.step}"


class CommunityAgreementVersion(models.Model):
    """A published version of the community agreements; a new version asks everyone again."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text_en = models.TextField(_("text (English)"))
    text_ko = models.TextField(_("text (Korean)"), blank=True)
    text_es = models.TextField(_("text (Spanish)"), blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("community agreements version")
        verbose_name_plural = _("community agreements versions")

    def __str__(self) -> str:
        return gettext("Community agreements, version %(version)s") % {"version": self.version}

    def text(self, language: str | None = None) -> str:
        return _localized(self, "text", language)


class CommunityAgreementAcceptance(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="agreement_acceptances", verbose_name=_("volunteer")
    )
    version = models.ForeignKey(
        CommunityAgreementVersion,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("version"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)

    class Meta:
        verbose_name = _("community agreements acceptance")
        verbose_name_plural = _("community agreements acceptances")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "version"], name="community_agreement_accepted_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: v{self.version.version}"


class Shift(models.Model):
    """A block of time that needs volunteers of one role. May cross midnight."""

    role = models.CharField(_("role"), max_length=12, choices=ShiftRole.choices)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), db_index=True)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="shifts"
    )
    capacity = models.PositiveSmallIntegerField(_("places"), default=2)
    minimum_staffing = models.PositiveSmallIntegerField(_("minimum staffing"), default=1)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "role", "pk"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
            models.CheckConstraint(
                condition=Q(minimum_staffing__lte=F("capacity")), name="shift_minimum_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.get_role_display()} {start:%a %Y-%m-%d %H:%M}–{end:%H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:shift_detail", args=[self.pk])

    @property
    def duration(self) -> timedelta:
        # Subtract in UTC: aware datetimes sharing a zone subtract as wall-clock times.
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)


class ShiftAssignment(models.Model):
    """A volunteer on a shift. Only BOOKED and ATTENDED assignments take a place."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    HOLDING = (Status.BOOKED, Status.ATTENDED)

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="assignments"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Reminder sends are claimed by setting these with a conditional update.
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shift__starts_at", "pk"]
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=~Q(status="cancelled"),
                name="shift_assignment_once_per_shift",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="assignment_volunteer_status")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.shift}"

    @property
    def attended(self) -> bool:
        return self.status == self.Status.ATTENDED
