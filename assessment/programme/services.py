"""State changes of lessons learned and the steering committee; each owns its transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    ActionItem,
    Finding,
    LessonsReview,
    RoadmapPhase,
    SteeringDecision,
    SteeringMeeting,
    SteeringMember,
)


def lessons_review_create(
    *, title: str, first_day: datetime.date, last_day: datetime.date, by
) -> LessonsReview:
    if last_day < first_day:
        raise ValidationError(_("The period ends before it starts."))
    review = LessonsReview(title=title, first_day=first_day, last_day=last_day, created_by=by)
    review.full_clean(exclude=["created_by"])
    with transaction.atomic():
        review.save()
    return review


def finding_add(*, review: LessonsReview, area: str, finding: str, recommendation: str = "", by) -> Finding:
    if not finding.strip():
        raise ValidationError(_("Write the finding."))
    item = Finding(
        review=review,
        area=area,
        finding=finding.strip(),
        recommendation=recommendation.strip(),
        created_by=by,
    )
    item.full_clean(exclude=["created_by"])
    with transaction.atomic():
        item.save()
    return item


def lessons_decide(
    *, review: LessonsReview, decision: str, decided_on: datetime.date, notes: str = ""
) -> LessonsReview:
    """Record (or change) the continue/change/stop decision and its date."""
    if decision not in LessonsReview.Decision.values:
        raise ValidationError(_("Choose continue, change or stop."))
    if decided_on > timezone.localdate():
        raise ValidationError(_("The decision date is in the future."))
    with transaction.atomic():
        review = LessonsReview.objects.select_for_update().get(pk=review.pk)
        review.decision, review.decided_on, review.decision_notes = decision, decided_on, notes.strip()
        review.save(update_fields=["decision", "decided_on", "decision_notes"])
    return review


def steering_member_save(
    *, member: SteeringMember | None = None, fields: Mapping[str, object]
) -> SteeringMember:
    member = member or SteeringMember()
    for name, value in fields.items():
        setattr(member, name, value)
    member.full_clean()
    with transaction.atomic():
        member.save()
    return member


def steering_meeting_save(
    *,
    meeting: SteeringMeeting | None = None,
    fields: Mapping[str, object],
    attendees: Iterable[SteeringMember],
) -> SteeringMeeting:
    meeting = meeting or SteeringMeeting()
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.full_clean()
    attendees = list(attendees)
    absent = [m.name for m in attendees if not m.serves_on(meeting.held_on)]
    if absent:
        raise ValidationError(
            _("Not a member on the meeting's date: %(names)s.") % {"names": ", ".join(absent)}
        )
    with transaction.atomic():
        meeting.save()
        meeting.attendees.set(attendees)
    return meeting


def steering_decision_add(
    *,
    meeting: SteeringMeeting,
    text: str,
    phases: Iterable[RoadmapPhase] = (),
    readiness_checks: Iterable[str] = (),
    known_checks: Iterable[str],
) -> SteeringDecision:
    """A meeting's decision, linked to roadmap phases and to readiness checks (by key)."""
    checks = sorted(set(readiness_checks))
    unknown = set(checks) - set(known_checks)
    if unknown:
        raise ValidationError(_("Unknown readiness checks: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    if not text.strip():
        raise ValidationError(_("Write the decision."))
    with transaction.atomic():
        decision = SteeringDecision.objects.create(
            meeting=meeting, text=text.strip(), readiness_checks=checks
        )
        decision.phases.set(phases)
    return decision


def action_item_add(
    *, meeting: SteeringMeeting, description: str, owner: SteeringMember, due_on: datetime.date
) -> ActionItem:
    item = ActionItem(meeting=meeting, description=description, owner=owner, due_on=due_on)
    item.full_clean()
    with transaction.atomic():
        item.save()
    return item


def action_item_done(*, item: ActionItem, on: datetime.date | None = None) -> ActionItem:
    with transaction.atomic():
        updated = ActionItem.objects.filter(pk=item.pk, done_on__isnull=True).update(
            done_on=on or timezone.localdate()
        )
    if updated != 1:
        raise ValidationError(_("This action is already done."))
    item.refresh_from_db()
    return item
