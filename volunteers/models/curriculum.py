"""A module's curriculum: lessons and their materials, quizzes and attempts, trainers' competency sign-offs."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.storage import private_storage

from .training import TrainingModule
from .volunteer import Volunteer


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
