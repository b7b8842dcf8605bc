"""Queries of the lessons-learned report and the steering committee pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import ActionItem, Finding, LessonsReview, SteeringDecision


@dataclass
class AreaSection:
    area: str
    label: str
    figures: list[tuple[str, object]]
    findings: list[Finding]


def _period_figures(review: LessonsReview) -> dict[str, list[tuple[str, object]]]:
    """The dashboard's figures for the review's period, by area."""
    from assessment.pilot.selectors import (
        Period,
        calls,
        contacts,
        referrals_by_partner,
        response_chain,
        volunteer_activity,
    )
    from outreach.models import Event, Lead, Partner
    from outreach.selectors import partners_with_current_agreement

    period = Period(review.first_day, review.last_day)
    answering, callbacks = calls(period)
    chain = response_chain(period)
    activity = volunteer_activity(period)
    referrals = sum(row.total for row in referrals_by_partner(period))
    events = Event.objects.filter(held_on__gte=review.first_day, held_on__lte=review.last_day).aggregate(
        count=Count("pk"), reached=Sum("people_reached")
    )
    leads = Lead.objects.filter(created_at__gte=period.start, created_at__lt=period.end).count()
    return {
        Finding.Area.CALLS: [
            (_("Contacts"), contacts(period).count()),
            (_("Inbound calls"), answering.calls),
            (_("Answered"), answering.answered),
            (_("Voicemails"), callbacks.voicemails),
        ],
        Finding.Area.RESPONSE: [(_("Incidents"), chain.incidents)],
        Finding.Area.OUTREACH: [
            (_("Events"), events["count"]),
            (_("People reached"), events["reached"] or 0),
            (_("Leads"), leads),
        ],
        Finding.Area.VOLUNTEERS: [
            (_("Active volunteers"), activity.active),
            (_("Volunteers who served"), activity.served),
            (_("Hours served"), activity.hours),
        ],
        Finding.Area.PARTNERS: [
            (_("Referrals to partners"), referrals),
            (_("Active partners"), Partner.objects.filter(is_active=True).count()),
            (
                _("Partners with an MOU in force"),
                partners_with_current_agreement(today=min(review.last_day, timezone.localdate())).count(),
            ),
        ],
    }


def lessons_report(review: LessonsReview) -> list[AreaSection]:
    """One section per area: the period's figures beside the findings recorded for it."""
    figures = _period_figures(review)
    findings: dict[str, list[Finding]] = {}
    for finding in review.findings.select_related("created_by"):
        findings.setdefault(finding.area, []).append(finding)
    return [
        AreaSection(area=value, label=str(label), figures=figures[value], findings=findings.get(value, []))
        for value, label in Finding.Area.choices
    ]


def reviews() -> QuerySet[LessonsReview]:
    return LessonsReview.objects.annotate(finding_count=Count("findings"))


def open_action_items(*, today: datetime.date | None = None) -> list[ActionItem]:
    today = today or timezone.localdate()
    items = list(ActionItem.objects.filter(done_on__isnull=True).select_related("owner", "meeting"))
    for item in items:
        item.overdue = item.due_on < today
    return items


def decisions_for_check(key: str) -> QuerySet[SteeringDecision]:
    return SteeringDecision.objects.filter(Q(readiness_checks__icontains=f'"{key}"')).select_related(
        "meeting"
    )
