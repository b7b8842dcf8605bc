"""Pages of lessons learned and the steering committee (coordinators only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.models import ActionItem, LessonsReview, SteeringMeeting, SteeringMember
from assessment.programme import selectors, services
from assessment.programme.forms import (
    ActionItemForm,
    DecisionForm,
    FindingForm,
    LessonsReviewForm,
    SteeringDecisionForm,
    SteeringMeetingForm,
    SteeringMemberForm,
)
from volunteers.roles import Role, role_required

coordinator_required = role_required(Role.COORDINATOR)


def _add_errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _readiness_check_choices() -> list[tuple[str, str]]:
    from assessment.readiness.checks import readiness_checks

    return [(check.key, check.title) for check in readiness_checks()]


# --- lessons learned ----------------------------------------------------------------------------


@coordinator_required
def lessons(request):
    form = LessonsReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.lessons_review_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(review)
    return render(
        request,
        "assessment/programme/lessons.html",
        {"reviews": selectors.reviews(), "form": form},
        status=400 if form.errors else 200,
    )


def _review_page(request, review: LessonsReview, *, status: int = 200, **forms):
    context = {
        "review": review,
        "sections": selectors.lessons_report(review),
        "finding_form": forms.get("finding_form") or FindingForm(),
        "decision_form": forms.get("decision_form")
        or DecisionForm(
            initial={
                "decision": review.decision,
                "decided_on": review.decided_on or timezone.localdate(),
                "notes": review.decision_notes,
            }
        ),
        "now": timezone.now(),
    }
    return render(request, "assessment/programme/lessons_review.html", context, status=status)


@coordinator_required
def lessons_review(request, pk: int):
    return _review_page(request, get_object_or_404(LessonsReview, pk=pk))


@require_POST
@coordinator_required
def lessons_finding_add(request, pk: int):
    review = get_object_or_404(LessonsReview, pk=pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            services.finding_add(review=review, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Finding recorded."))
            return redirect(review)
    return _review_page(request, review, status=400, finding_form=form)


@require_POST
@coordinator_required
def lessons_decide(request, pk: int):
    review = get_object_or_404(LessonsReview, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.lessons_decide(review=review, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect(review)
    return _review_page(request, review, status=400, decision_form=form)


# --- steering committee -------------------------------------------------------------------------


@coordinator_required
def steering(request):
    today = timezone.localdate()
    members = list(SteeringMember.objects.all())
    for member in members:
        member.current = member.serves_on(today)
    form = SteeringMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.steering_member_save(fields=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("assessment:steering")
    context = {
        "members": members,
        "meetings": SteeringMeeting.objects.prefetch_related("attendees")[:50],
        "actions": selectors.open_action_items(today=today),
        "member_form": form,
    }
    return render(request, "assessment/programme/steering.html", context, status=400 if form.errors else 200)


@coordinator_required
def steering_meeting_edit(request, pk: int | None = None):
    meeting = get_object_or_404(SteeringMeeting, pk=pk) if pk else None
    form = SteeringMeetingForm(
        request.POST or None,
        instance=meeting,
        initial={"attendees": list(meeting.attendees.all())} if meeting else None,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees")
        try:
            meeting = services.steering_meeting_save(meeting=meeting, fields=data, attendees=attendees)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Meeting saved."))
            return redirect(meeting)
    return render(
        request,
        "assessment/programme/steering_meeting_form.html",
        {"form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


def _meeting_page(request, meeting: SteeringMeeting, *, status: int = 200, **forms):
    checks = _readiness_check_choices()
    titles = dict(checks)
    decisions = list(meeting.decisions.prefetch_related("phases"))
    for decision in decisions:
        decision.check_titles = [titles.get(key, key) for key in decision.readiness_checks]
    context = {
        "meeting": meeting,
        "decisions": decisions,
        "actions": meeting.action_items.select_related("owner"),
        "decision_form": forms.get("decision_form") or SteeringDecisionForm(checks=checks),
        "action_form": forms.get("action_form") or ActionItemForm(),
        "today": timezone.localdate(),
    }
    return render(request, "assessment/programme/steering_meeting.html", context, status=status)


@coordinator_required
def steering_meeting(request, pk: int):
    meeting = get_object_or_404(SteeringMeeting.objects.prefetch_related("attendees"), pk=pk)
    return _meeting_page(request, meeting)


@require_POST
@coordinator_required
def steering_decision_add(request, pk: int):
    meeting = get_object_or_404(SteeringMeeting, pk=pk)
    checks = _readiness_check_choices()
    form = SteeringDecisionForm(request.POST, checks=checks)
    if form.is_valid():
        try:
            services.steering_decision_add(
                meeting=meeting, known_checks=[key for key, _title in checks], **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect(meeting)
    return _meeting_page(request, meeting, status=400, decision_form=form)


@require_POST
@coordinator_required
def steering_action_add(request, pk: int):
    meeting = get_object_or_404(SteeringMeeting, pk=pk)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            services.action_item_add(meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Action item added."))
            return redirect(meeting)
    return _meeting_page(request, meeting, status=400, action_form=form)


@require_POST
@coordinator_required
def steering_action_done(request, pk: int):
    item = get_object_or_404(ActionItem, pk=pk)
    try:
        services.action_item_done(item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Action item done."))
    return redirect("assessment:steering" if request.POST.get("back") == "steering" else item.meeting)
