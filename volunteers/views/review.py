"""Coordinators' pages on volunteers: the list, the review queue, a volunteer's page and its actions."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers import selectors, services
from volunteers.forms import (
    ApproveForm,
    CompletionForm,
    NoteForm,
    OnboardingRecordForm,
    QuizResetForm,
    RejectForm,
    SignOffForm,
    VolunteerFilterForm,
)
from volunteers.models import ShiftRole, Volunteer

from ._common import _volunteer_action, coordinator_required


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
