"""Views of the volunteers app: HTTP only; rules live in services and selectors.

Public: the sign-up form and the calendar feed (its secret token is the credential).
Everything else is behind `role_required`; a volunteer's pages only ever load
`request.user`'s own volunteer record.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from config.ratelimit import rate_limit_hit
from volunteers import selectors, services, two_factor
from volunteers.calendar import shifts_calendar
from volunteers.forms import (
    AgreementsPublishForm,
    ApproveForm,
    AssignForm,
    AttendanceForm,
    CompletionForm,
    NoteForm,
    OnboardingRecordForm,
    OneTimeCodeForm,
    ProfileForm,
    QuizForm,
    QuizResetForm,
    RejectForm,
    ShadowSignForm,
    ShiftSeriesForm,
    SignOffForm,
    SignupForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordChangeForm,
    TrainingModuleForm,
    TrainingSessionForm,
    VolunteerFilterForm,
    availability_grid,
)
from volunteers.lesson_text import render_lesson_text
from volunteers.models import (
    QUIZ_LANGUAGES,
    Language,
    LessonMaterial,
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingAttendance,
    TrainingModule,
    TrainingSession,
    Volunteer,
)
from volunteers.roles import Role, role_required

VOLUNTEER_ROLES = (Role.VOLUNTEER, Role.RESPONDER, Role.DISPATCHER)
coordinator_required = role_required(Role.COORDINATOR)


# --- public sign-up ---------------------------------------------------------------------


def _signup_rate_limited(request) -> bool:
    """Sign-up submissions per client address per hour (config.ratelimit; degrades without Redis)."""
    return rate_limit_hit(
        request, scope="volunteers:signup", limit=settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR, window=3600
    )


def _signup_language(request) -> str:
    requested = request.GET.get("lang", "")
    codes = [code for code, _name in settings.LANGUAGES]
    return requested if requested in codes else translation.get_language()


def signup(request):
    """Public volunteer application, prefilled from ?ref=&lead=&first_name=&last_name=&email=&phone=&lang=."""
    language = _signup_language(request)
    with translation.override(language):
        status = 200
        if request.method == "POST":
            form = SignupForm(request.POST)
            if _signup_rate_limited(request):
                messages.error(
                    request, _("Too many sign-ups from your connection. Please try again in an hour.")
                )
                status = 429
            elif form.is_bot():
                return redirect("volunteers:signup_done")
            elif form.is_valid():
                data = form.cleaned_data
                application = services.Application(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"].as_e164,
                    email=data["email"],
                    preferred_language=language,
                    languages=data["languages"],
                    areas=data["areas"],
                    roles_of_interest=data["roles_of_interest"],
                    availability=data["availability"],
                    availability_notes=data["availability_notes"],
                    heard_about=data["heard_about"],
                    heard_about_detail=data["heard_about_detail"],
                    source_code=data["source_code"],
                    lead_reference=data["lead_reference"],
                    sms_consent=data["sms_consent"],
                )
                # Known or new, the same answer (a known person is told by text or email).
                services.volunteer_apply(application=application)
                done = reverse("volunteers:signup_done")
                return redirect(f"{done}?lang={language}" if request.GET.get("lang") else done)
            if not form.is_valid() and status == 200:
                status = 400
        else:
            get = request.GET
            initial = {
                "first_name": get.get("first_name", "")[:100],
                "last_name": get.get("last_name", "")[:100],
                "email": get.get("email", "")[:254],
                "phone": get.get("phone", "")[:32],
                "source_code": get.get("ref", "")[:64],
                "lead_reference": get.get("lead", "")[:64],
                "languages": list(
                    Language.objects.filter(code=get.get("lang", "")).values_list("pk", flat=True)
                ),
            }
            form = SignupForm(initial=initial)
        context = {"form": form, "availability_rows": availability_grid(form["availability"])}
        return render(request, "volunteers/signup.html", context, status=status)


def signup_done(request):
    with translation.override(_signup_language(request)):
        return render(request, "volunteers/signup_done.html")


def calendar_feed(request, token: str):
    """The volunteer's shifts as iCalendar; anyone with the URL can read it, so it is revocable."""
    volunteer = Volunteer.objects.filter(calendar_token=token, status=Volunteer.Status.ACTIVE).first()
    if volunteer is None:
        raise Http404
    response = HttpResponse(shifts_calendar(volunteer), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hotline-shifts.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- volunteer's own pages --------------------------------------------------------------


def _own(request) -> Volunteer | None:
    return selectors.volunteer_for_user(request.user)


def _no_profile(request):
    return render(request, "volunteers/no_profile.html")


@role_required(*VOLUNTEER_ROLES)
def my_shifts(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    now = timezone.now()
    assignments = volunteer.assignments.select_related("shift", "shift__area")
    upcoming = assignments.filter(status=ShiftAssignment.Status.BOOKED, shift__ends_at__gt=now).order_by(
        "shift__starts_at"
    )
    past = assignments.filter(
        status__in=[ShiftAssignment.Status.ATTENDED, ShiftAssignment.Status.NO_SHOW],
        shift__starts_at__lte=now,
    ).order_by("-shift__starts_at")[:10]
    context = {
        "volunteer": volunteer,
        "upcoming": [(a, now <= services.cancel_cutoff(a.shift)) for a in upcoming],
        "past": past,
        "hours": selectors.volunteer_hours(volunteer),
        "cutoff_hours": settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS,
        "calendar_url": request.build_absolute_uri(
            reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
        ),
        "open_count": selectors.open_shifts_for(volunteer, now=now).count(),
    }
    return render(request, "volunteers/my_shifts.html", context)


@role_required(*VOLUNTEER_ROLES)
def open_shifts(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    shifts = selectors.open_shifts_for(volunteer)[:200]
    roles = selectors.qualified_roles(volunteer)
    # A shift starting before this moment is already inside the cancellation cut-off.
    cutoff = timezone.now() + timedelta(hours=settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS)
    return render(
        request,
        "volunteers/open_shifts.html",
        {"volunteer": volunteer, "shifts": shifts, "roles": roles, "cancel_cutoff_before": cutoff},
    )


@require_POST
@role_required(*VOLUNTEER_ROLES)
def shift_sign_up(request, pk: int):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    shift = get_object_or_404(Shift, pk=pk)
    if timezone.now() > services.cancel_cutoff(shift) and request.POST.get("confirm") != "1":
        # Inside the cancellation cut-off: say so, and sign up only once they confirm.
        hours = settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS
        return render(request, "volunteers/shift_sign_up_confirm.html", {"shift": shift, "hours": hours})
    try:
        services.shift_sign_up(shift=shift, volunteer=volunteer)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
        return redirect("volunteers:open_shifts")
    messages.success(request, _("You are signed up for %(shift)s.") % {"shift": shift})
    return redirect("volunteers:my_shifts")


@require_POST
@role_required(*VOLUNTEER_ROLES)
def assignment_cancel(request, pk: int):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    assignment = selectors.assignment_get_for_volunteer(volunteer=volunteer, pk=pk)
    try:
        services.assignment_cancel(assignment=assignment)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your place is cancelled."))
    return redirect("volunteers:my_shifts")


@require_POST
@role_required(*VOLUNTEER_ROLES)
def calendar_reset(request):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    services.volunteer_calendar_token_reset(volunteer=volunteer)
    messages.success(request, _("Your calendar link has been replaced; the old one no longer works."))
    return redirect("volunteers:my_shifts")


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


# --- onboarding and community agreements ------------------------------------------------


@role_required(*VOLUNTEER_ROLES)
def my_onboarding(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    experienced = selectors.experienced_in(volunteer)
    context = {
        "volunteer": volunteer,
        "checklists": [
            {
                "role": ShiftRole(role),
                "statuses": selectors.onboarding_status(volunteer, role),
                "ready": selectors.role_ready(volunteer, role),
            }
            for role in selectors.onboarding_roles_for(volunteer)
        ],
        "agreements": selectors.current_agreements(),
        "agreements_accepted": selectors.agreements_accepted(volunteer),
        "experienced": experienced,
        "shadow_form": ShadowSignForm(signer=volunteer) if experienced else None,
    }
    return render(request, "volunteers/my_onboarding.html", context)


@require_POST
@role_required(*VOLUNTEER_ROLES)
def shadow_shift_sign(request):
    signer = _own(request)
    if signer is None:
        raise Http404
    form = ShadowSignForm(request.POST, signer=signer)
    if not form.is_valid():
        messages.error(request, _("Choose the volunteer and the role of the shadow shift."))
        return redirect("volunteers:my_onboarding")
    try:
        services.shadow_shift_sign(
            trainee=form.cleaned_data["trainee"],
            step=form.cleaned_data["step"],
            signer=signer,
            note=form.cleaned_data["note"],
        )
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Shadow shift signed."))
    return redirect("volunteers:my_onboarding")


def community_agreements(request):
    current = selectors.current_agreements()
    volunteer = _own(request) if request.user.is_authenticated else None
    context = {
        "current": current,
        "text": current.text(translation.get_language()) if current else "",
        "volunteer": volunteer,
        "accepted": volunteer is not None and selectors.agreements_accepted(volunteer, current=current),
    }
    return render(request, "volunteers/community_agreements.html", context)


@require_POST
@role_required(*VOLUNTEER_ROLES)
def community_agreements_accept(request):
    volunteer = _own(request)
    if volunteer is None:
        raise Http404
    if services.community_agreements_accept(volunteer=volunteer) is not None:
        messages.success(request, _("Thank you: you accepted the community agreements."))
    return redirect("volunteers:my_onboarding")


@coordinator_required
def community_agreements_publish(request):
    current = selectors.current_agreements()
    initial = (
        {"text_en": current.text_en, "text_ko": current.text_ko, "text_es": current.text_es}
        if current
        else {}
    )
    form = AgreementsPublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.community_agreements_publish(by=request.user, **form.cleaned_data)
        except services.VolunteerError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Version %(version)d published: volunteers will be asked to accept it.")
                % {"version": version.version},
            )
            return redirect("volunteers:community_agreements")
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": _("Publish a new version of the community agreements")},
        status=400 if form.errors else 200,
    )


@coordinator_required
def onboarding_review(request):
    role = request.GET.get("role") if request.GET.get("role") in ShiftRole.values else ShiftRole.DISPATCHER
    context = {
        "role": ShiftRole(role),
        "roles": ShiftRole.choices,
        "steps": selectors.onboarding_steps(role),
        "rows": selectors.onboarding_review(role=role),
    }
    return render(request, "volunteers/onboarding_review.html", context)


@require_POST
@coordinator_required
def onboarding_record_add(request, pk: int):
    form = OnboardingRecordForm(request.POST)

    def act(volunteer):
        if not form.is_valid():
            raise services.VolunteerError(_("Choose the step done."))
        services.onboarding_record_add(
            volunteer=volunteer,
            step=form.cleaned_data["step"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        return _("Onboarding step recorded.")

    return _volunteer_action(request, pk, act)


@role_required(*VOLUNTEER_ROLES)
def my_profile(request):
    volunteer = _own(request)
    if volunteer is None:
        return _no_profile(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, volunteer=volunteer)
        if form.is_valid():
            try:
                services.volunteer_profile_update(volunteer=volunteer, fields=form.cleaned_data)
            except services.AlreadyRegistered as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Your details are saved."))
                return redirect("volunteers:my_profile")
    else:
        form = ProfileForm(
            volunteer=volunteer,
            initial={
                "phone": volunteer.phone,
                "email": volunteer.email,
                "preferred_language": volunteer.preferred_language,
                "languages": volunteer.languages.all(),
                "areas": volunteer.areas.all(),
                "availability": volunteer.availability,
                "availability_notes": volunteer.availability_notes,
                "sms_consent": volunteer.sms_consent,
            },
        )
    context = {
        "form": form,
        "volunteer": volunteer,
        "availability_rows": availability_grid(form["availability"]),
    }
    return render(request, "volunteers/my_profile.html", context, status=400 if form.errors else 200)


# --- coordinators: volunteers -----------------------------------------------------------


@coordinator_required
def volunteer_list(request):
    form = VolunteerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.volunteer_search(
        query=filters.get("q", ""),
        status=filters.get("status", ""),
        role=filters.get("role", ""),
        language=filters.get("language", ""),
        area=filters["area"].pk if filters.get("area") else None,
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "volunteers/volunteer_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@coordinator_required
def review_queue(request):
    applicants = (
        Volunteer.objects.filter(status=Volunteer.Status.APPLICANT)
        .prefetch_related("languages", "areas")
        .order_by("applied_at", "pk")
    )
    return render(request, "volunteers/review_queue.html", {"applicants": applicants})


@coordinator_required
def volunteer_detail(request, pk: int):
    volunteer = get_object_or_404(
        Volunteer.objects.select_related("user", "approved_by").prefetch_related("languages", "areas"), pk=pk
    )
    context = {
        "volunteer": volunteer,
        "notes": volunteer.notes.select_related("author"),
        "training": selectors.training_status(volunteer),
        "completions": volunteer.completions.select_related("module"),
        "assignments": volunteer.assignments.select_related("shift", "shift__area").order_by(
            "-shift__starts_at"
        )[:30],
        "hours": selectors.volunteer_hours(volunteer),
        "approve_form": ApproveForm(initial={"roles": volunteer.roles_of_interest}),
        "reject_form": RejectForm(),
        "note_form": NoteForm(),
        "completion_form": CompletionForm(initial={"completed_on": timezone.localdate()}),
        "sign_off_form": SignOffForm(),
        "onboarding": [
            {"role": ShiftRole(role), "statuses": selectors.onboarding_status(volunteer, role)}
            for role in selectors.onboarding_roles_for(volunteer)
        ],
        "onboarding_form": OnboardingRecordForm(),
        "quiz_reset_form": QuizResetForm(),
        "quiz_attempts": volunteer.quiz_attempts.select_related("quiz__module")[:20],
        "sign_offs": volunteer.sign_offs.select_related("module", "signed_by")[:20],
        "qualified_roles": selectors.qualified_roles(volunteer),
    }
    return render(request, "volunteers/volunteer_detail.html", context)


def _volunteer_action(request, pk: int, action) -> HttpResponse:
    volunteer = get_object_or_404(Volunteer, pk=pk)
    try:
        message = action(volunteer)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        if message:
            messages.success(request, message)
    return redirect(request.POST.get("next") or volunteer.get_absolute_url())


@require_POST
@coordinator_required
def volunteer_approve(request, pk: int):
    form = ApproveForm(request.POST)
    roles = form.cleaned_data["roles"] if form.is_valid() else []

    def act(volunteer):
        services.volunteer_approve(volunteer=volunteer, by=request.user, roles=roles)
        return _("%(name)s is approved; an invitation to set a password is on its way.") % {
            "name": volunteer.full_name
        }

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def volunteer_reject(request, pk: int):
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def act(volunteer):
        services.volunteer_reject(volunteer=volunteer, by=request.user, reason=reason)
        return _("%(name)s is rejected.") % {"name": volunteer.full_name}

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def volunteer_deactivate(request, pk: int):
    def act(volunteer):
        services.volunteer_deactivate(volunteer=volunteer, by=request.user)
        return _("%(name)s is deactivated and off future shifts.") % {"name": volunteer.full_name}

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def volunteer_reactivate(request, pk: int):
    def act(volunteer):
        services.volunteer_reactivate(volunteer=volunteer, by=request.user)
        return _("%(name)s is active again.") % {"name": volunteer.full_name}

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def volunteer_invite_again(request, pk: int):
    def act(volunteer):
        services.volunteer_invitation_resend(volunteer=volunteer)
        return _("A new invitation is on its way.")

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def volunteer_note_add(request, pk: int):
    form = NoteForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""

    def act(volunteer):
        services.volunteer_note_add(volunteer=volunteer, author=request.user, body=body)
        return _("Note added.")

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def volunteer_completion_add(request, pk: int):
    form = CompletionForm(request.POST)

    def act(volunteer):
        if not form.is_valid():
            raise services.VolunteerError(_("Choose a module and a valid date."))
        services.training_completion_record(
            volunteer=volunteer,
            module=form.cleaned_data["module"],
            completed_on=form.cleaned_data["completed_on"],
            by=request.user,
        )
        return _("Training recorded.")

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def competency_sign_off(request, pk: int):
    form = SignOffForm(request.POST)

    def act(volunteer):
        if not form.is_valid():
            raise services.VolunteerError(_("Choose a module and say what you observed."))
        services.competency_sign_off(
            volunteer=volunteer,
            module=form.cleaned_data["module"],
            observed=form.cleaned_data["observed"],
            by=request.user,
        )
        return _("Competency signed off.")

    return _volunteer_action(request, pk, act)


@require_POST
@coordinator_required
def quiz_attempts_reset(request, pk: int):
    form = QuizResetForm(request.POST)

    def act(volunteer):
        if not form.is_valid():
            raise services.VolunteerError(_("Choose a module with a quiz."))
        count = services.quiz_attempts_reset(quiz=form.cleaned_data["module"].quiz, volunteer=volunteer)
        return _("%(count)d failed attempts cleared.") % {"count": count}

    return _volunteer_action(request, pk, act)


# --- coordinators: training -------------------------------------------------------------


@coordinator_required
def training_overview(request):
    now = timezone.now()
    context = {
        "modules": TrainingModule.objects.annotate(completion_count=Count("completions")),
        "upcoming": TrainingSession.objects.filter(starts_at__gte=now - timedelta(days=1))
        .select_related("module")
        .annotate(registered_count=Count("attendance"))[:50],
        "recent": TrainingSession.objects.filter(starts_at__lt=now - timedelta(days=1))
        .select_related("module")
        .order_by("-starts_at")[:20],
        "expiring": selectors.completions_expiring(within_days=30),
    }
    return render(request, "volunteers/training_overview.html", context)


def _module_form(request, instance: TrainingModule | None):
    form = TrainingModuleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Training module saved."))
        return redirect("volunteers:training_overview")
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": _("Training module")},
        status=400 if form.errors else 200,
    )


@coordinator_required
def module_create(request):
    return _module_form(request, None)


@coordinator_required
def module_edit(request, pk: int):
    return _module_form(request, get_object_or_404(TrainingModule, pk=pk))


@coordinator_required
def session_create(request):
    form = TrainingSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save()
        messages.success(request, _("Training session scheduled."))
        return redirect(session)
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": _("Schedule a training session")},
        status=400 if form.errors else 200,
    )


@coordinator_required
def training_session_detail(request, pk: int):
    session = get_object_or_404(TrainingSession.objects.select_related("module"), pk=pk)
    form = AttendanceForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.training_attendance_record(
                session=session, attended=form.attendees(), by=request.user
            )
        except services.VolunteerError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Attendance saved: %(count)d completed the training.") % {"count": count}
            )
            return redirect(session)
    attendance = session.attendance.select_related("volunteer")
    return render(
        request,
        "volunteers/training_session.html",
        {"session": session, "form": form, "attendance": attendance},
    )


# --- coordinators: shifts ---------------------------------------------------------------


@coordinator_required
def shift_list(request):
    now = timezone.now()
    holding = ShiftAssignment.objects.filter(status__in=ShiftAssignment.HOLDING).select_related("volunteer")
    shifts = (
        selectors.shifts_with_staffing(
            Shift.objects.filter(
                ends_at__gt=now - timedelta(hours=12), starts_at__lt=now + timedelta(days=14)
            )
        )
        .select_related("area")
        .prefetch_related(Prefetch("assignments", queryset=holding, to_attr="holding"))
    )
    return render(request, "volunteers/shift_list.html", {"shifts": shifts})


@coordinator_required
def shift_create(request):
    form = ShiftSeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        series = services.ShiftSeries(
            role=data["role"],
            date_from=data["date_from"],
            date_until=data["date_until"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            weekdays=frozenset(data["weekdays"]),
            capacity=data["capacity"],
            minimum_staffing=data["minimum_staffing"],
            area=data["area"],
            notes=data["notes"],
        )
        try:
            created, skipped = services.shift_create_series(series=series, by=request.user)
        except services.VolunteerError as exc:
            form.add_error(None, exc.message)
        else:
            text = _("%(created)d shifts created.") % {"created": len(created)}
            if skipped:
                text += " " + _("%(skipped)d already existed and were skipped.") % {"skipped": skipped}
            messages.success(request, text)
            return redirect("volunteers:shift_list")
    return render(request, "volunteers/shift_form.html", {"form": form}, status=400 if form.errors else 200)


@coordinator_required
def shift_detail(request, pk: int):
    shift = get_object_or_404(selectors.shifts_with_staffing(Shift.objects.select_related("area")), pk=pk)
    assignments = shift.assignments.select_related("volunteer").order_by("status", "created_at")
    form = AssignForm()
    form.fields["volunteer"].queryset = (
        Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
        .exclude(pk__in=assignments.filter(status__in=ShiftAssignment.HOLDING).values("volunteer"))
        .order_by("last_name", "first_name")
    )
    context = {
        "shift": shift,
        "assignments": assignments,
        "form": form,
        "started": shift.starts_at <= timezone.now(),
    }
    return render(request, "volunteers/shift_detail.html", context)


@require_POST
@coordinator_required
def shift_assign(request, pk: int):
    shift = get_object_or_404(Shift, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active volunteer."))
        return redirect(shift)
    try:
        services.shift_sign_up(shift=shift, volunteer=form.cleaned_data["volunteer"], by=request.user)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is on the shift.") % {"name": form.cleaned_data["volunteer"]})
    return redirect(shift)


@require_POST
@coordinator_required
def assignment_update(request, pk: int):
    assignment = get_object_or_404(ShiftAssignment.objects.select_related("shift"), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "cancel":
            services.assignment_cancel(assignment=assignment, by_coordinator=True)
        else:
            services.assignment_mark(assignment=assignment, status=action)
    except services.VolunteerError as exc:
        messages.error(request, exc.message)
    return redirect(assignment.shift)


@coordinator_required
def coverage(request):
    grid = selectors.coverage_grid(start=timezone.localdate(), days=14)
    return render(request, "volunteers/coverage.html", {"grid": grid, "hours": range(24)})


# --- sign-in ---------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login page with the throttled form (see volunteers.login_throttle)."""

    authentication_form = ThrottledAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, its old-password check under the login throttle."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code."""
    if two_factor.confirmed_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('volunteers:two_factor_verify')}?next={two_factor.safe_next(request)}")
    device = two_factor.enrolment_device(request.user)
    form = OneTimeCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        two_factor.device_confirm(user=request.user, device=device)
        otp_login(request, device)
        messages.success(
            request, _("Two-factor sign-in is on. You will be asked for a code after your password.")
        )
        return redirect(two_factor.safe_next(request))
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "secret": secret,
        "qr_svg": mark_safe(two_factor.qr_code_svg(device.config_url)),  # noqa: S308 - our own SVG
        "next": two_factor.safe_next(request),
    }
    response = render(
        request, "volunteers/two_factor_setup.html", context, status=400 if form.errors else 200
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def two_factor_verify(request):
    """The second step of signing in, for users with an enrolled authenticator."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('volunteers:two_factor_setup')}?next={two_factor.safe_next(request)}")
    form = OneTimeCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(two_factor.safe_next(request))
    context = {"form": form, "next": two_factor.safe_next(request)}
    return render(request, "volunteers/two_factor_verify.html", context, status=400 if form.errors else 200)
