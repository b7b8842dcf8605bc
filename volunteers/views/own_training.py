"""A volunteer's training: their status, session registration, a module's lessons and materials, its quiz."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers import selectors, services
from volunteers.forms import QuizForm
from volunteers.lesson_text import render_lesson_text
from volunteers.models import (
    QUIZ_LANGUAGES,
    LessonMaterial,
    TrainingAttendance,
    TrainingModule,
    TrainingSession,
)
from volunteers.roles import role_required

from ._common import VOLUNTEER_ROLES, _no_profile, _own


@role_required(*VOLUNTEER_ROLES)
def my_training(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    registered = TrainingAttendance.objects.filter(volunteer=volunteer).values("session")
    sessions = (
        TrainingSession.objects.filter(starts_at__gt=timezone.now(), module__is_active=True)
        .select_related("module")
        .annotate(registered_count=Count("attendance"))
    )
    context = {
        "volunteer": volunteer,
        "status": selectors.training_status(volunteer),
        "sessions": sessions,
        "registered": set(sessions.filter(pk__in=registered).values_list("pk", flat=True)),
    }
    return render(request, "volunteers/my_training.html", context)


@require_POST
@role_required(*VOLUNTEER_ROLES)
def training_session_register(request, pk: int):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    session = get_object_or_404(TrainingSession, pk=pk)
    try:
        services.training_session_register(session=session, volunteer=volunteer)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You are registered for %(session)s.") % {"session": session})
    return redirect("volunteers:my_training")


@role_required(*VOLUNTEER_ROLES)
def module_detail(request, pk: int):
    module = get_object_or_404(TrainingModule.objects.filter(is_active=True), pk=pk)
    volunteer = _own(request)
    lessons = list(module.lessons.prefetch_related("materials"))
    for lesson in lessons:
        lesson.html = render_lesson_text(lesson.body)
    quiz = selectors.active_quiz(module)
    context = {
        "module": module,
        "lessons": lessons,
        "quiz": quiz,
        "volunteer": volunteer,
        "requirements": selectors.module_requirements(volunteer=volunteer, module=module)
        if volunteer
        else [],
        "completed": volunteer is not None
        and selectors.has_valid_completion(volunteer=volunteer, module=module),
        "attempts": volunteer.quiz_attempts.filter(quiz=quiz) if volunteer and quiz else [],
        "attempts_left": selectors.quiz_attempts_left(quiz=quiz, volunteer=volunteer)
        if volunteer and quiz
        else None,
        "quiz_languages": QUIZ_LANGUAGES,
    }
    return render(request, "volunteers/module_detail.html", context)


@role_required(*VOLUNTEER_ROLES)
def lesson_material(request, pk: int):
    material = get_object_or_404(LessonMaterial.objects.filter(lesson__module__is_active=True), pk=pk)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    suffix = material.file.name.rsplit(".", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=f"{material.name}.{suffix}")
    response["Cache-Control"] = "private, no-store"
    return response


def _quiz_language(request) -> str:
    wanted = request.POST.get("lang") or request.GET.get("lang") or translation.get_language() or "en"
    base = wanted.split("-")[0].lower()
    return base if base in QUIZ_LANGUAGES else "en"


@role_required(*VOLUNTEER_ROLES)
def quiz_take(request, pk: int):
    module = get_object_or_404(TrainingModule.objects.filter(is_active=True), pk=pk)
    quiz = selectors.active_quiz(module)
    if quiz is None:
        raise Http404
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    language = _quiz_language(request)
    form = QuizForm(request.POST or None, quiz=quiz, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = services.quiz_attempt_submit(
                quiz=quiz, volunteer=volunteer, answers=form.answers(), language=language
            )
        except services.VolunteerError as exc:
            messages.error(request, exc.message)
        else:
            if attempt.passed:
                messages.success(request, _("You passed with %(score)d%%.") % {"score": attempt.score})
            else:
                messages.warning(
                    request,
                    _("You scored %(score)d%%; the pass mark is %(mark)d%%.")
                    % {"score": attempt.score, "mark": quiz.pass_mark},
                )
            return redirect("volunteers:module_detail", pk=module.pk)
    context = {
        "module": module,
        "quiz": quiz,
        "form": form,
        "language": language,
        "quiz_languages": QUIZ_LANGUAGES,
        "attempts_left": selectors.quiz_attempts_left(quiz=quiz, volunteer=volunteer),
    }
    return render(request, "volunteers/quiz_take.html", context, status=400 if form.errors else 200)
