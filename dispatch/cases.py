"""The case view's reads: every contact of one person, and what came of each, in one timeline.

A person's contacts are those from the intake's phone number and those a dispatcher linked to
the same person ("link to person", `hotline.services.person_link`), followed one step further
(the numbers of the linked contacts, the people of the number's contacts), so a repeat caller
who once texted from another phone still appears whole. Views: `dispatch.views.cases`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dispatch.models import FollowUp, Incident, Referral, Triage
from hotline.models import Intake

MAX_CONTACTS = 200


@dataclass(frozen=True)
class Entry:
    when: datetime
    kind: str  # "intake", "decision", "incident", "follow_up", "referral"
    label: str
    detail: str
    intake_id: int
    url: str = ""


def _matching(callers: set[str], people: set[int]) -> Q:
    condition = Q(pk__in=[])
    if callers:
        condition |= Q(caller__in=callers)
    if people:
        condition |= Q(person_id__in=people)
    return condition


def case_intakes(intake: Intake) -> list[Intake]:
    """The intake and every other contact of the same person (by number or link), oldest first."""
    callers = {str(intake.caller)} if intake.caller else set()
    people = {intake.person_id} if intake.person_id else set()
    found: list[Intake] = [intake]
    for _round in range(2):
        found = list(
            Intake.objects.filter(_matching(callers, people) | Q(pk=intake.pk))
            .select_related("area")
            .order_by("created_at", "pk")[:MAX_CONTACTS]
        )
        callers |= {str(row.caller) for row in found if row.caller}
        people |= {row.person_id for row in found if row.person_id}
    return found


def case_timeline(intakes: list[Intake]) -> list[Entry]:
    """Intakes, decisions, incidents, follow-ups and referrals of these contacts, oldest first."""
    ids = [row.pk for row in intakes]
    entries = [
        Entry(
            when=row.created_at,
            kind="intake",
            label=str(
                _("Contact #%(pk)s: %(channel)s") % {"pk": row.pk, "channel": row.get_channel_display()}
            ),
            detail=row.get_status_display(),
            intake_id=row.pk,
            url=reverse("dispatch:intake", args=[row.pk]),
        )
        for row in intakes
    ]
    triages = Triage.objects.filter(intake_id__in=ids).select_related("call_type")
    for triage in triages:
        if triage.decided_at is None:
            continue
        call_type = str(triage.call_type) if triage.call_type_id else ""
        entries.append(
            Entry(
                when=triage.decided_at,
                kind="decision",
                label=str(_("Decision: %(decision)s") % {"decision": triage.get_decision_display()}),
                detail=call_type,
                intake_id=triage.intake_id,
            )
        )
    for incident in Incident.objects.filter(triage__intake_id__in=ids).select_related("triage"):
        entries.append(
            Entry(
                when=incident.opened_at,
                kind="incident",
                label=str(_("Incident %(code)s") % {"code": incident.code}),
                detail=" · ".join(
                    str(part)
                    for part in (incident.get_status_display(), incident.get_outcome_display())
                    if part
                ),
                intake_id=incident.triage.intake_id,
                url=incident.get_absolute_url(),
            )
        )
    for follow_up in FollowUp.objects.filter(triage__intake_id__in=ids).select_related("triage"):
        entries.append(
            Entry(
                when=follow_up.attempted_at or follow_up.due_at,
                kind="follow_up",
                label=str(_("Follow-up: %(status)s") % {"status": follow_up.get_status_display()}),
                detail=follow_up.get_result_display() if follow_up.result else "",
                intake_id=follow_up.triage.intake_id,
                url=follow_up.get_absolute_url(),
            )
        )
    referrals = Referral.objects.filter(
        Q(triage__intake_id__in=ids) | Q(incident__triage__intake_id__in=ids)
    ).select_related("partner", "triage", "incident__triage")
    for referral in referrals:
        triage = referral.triage or referral.incident.triage
        entries.append(
            Entry(
                when=referral.created_at,
                kind="referral",
                label=str(_("Referral to %(partner)s") % {"partner": referral.partner.name}),
                detail=referral.get_status_display(),
                intake_id=triage.intake_id,
            )
        )
    return sorted(entries, key=lambda entry: (entry.when, entry.intake_id))
