"""What happened to contacts: triage decisions, the share handled without police (the
diversion figure funders ask for), incident outcomes and referrals to partners.

Folded from the contact slices of `assessment.pilot.selectors.contacts` (referrals: one query
of their own); `Metrics` and `sources.source_figures_of` call them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from assessment.pilot.selectors.contacts import Slice, split_by
from assessment.pilot.selectors.periods import Period, share
from dispatch.models import Decision, Incident, Referral

NOT_TRIAGED = "not_triaged"
UNDECIDED = "undecided"
CANCELLED = "cancelled"
NO_OUTCOME = "pending"


@dataclass
class WithoutPolice:
    """Share handled without police: triaged contacts with no 911 escalation, no call bridged
    to 911 and no police request, over all triaged contacts."""

    triaged: int = 0
    escalated_911: int = 0
    transferred_911: int = 0  # not escalated at triage, but the call was bridged to 911
    police_requested: int = 0  # incidents whose outcome was a police request (not escalated)

    @property
    def without_police(self) -> int:
        return self.triaged - self.escalated_911 - self.transferred_911 - self.police_requested

    @property
    def rate(self) -> float | None:
        return share(self.without_police, self.triaged)


def decisions_of(slices: list[Slice]) -> dict[str, int]:
    """Contacts by decision; UNDECIDED: claimed, nothing decided; NOT_TRIAGED: never claimed."""
    counts = dict.fromkeys([*Decision.values, UNDECIDED, NOT_TRIAGED], 0)
    for piece in split_by(slices, "decision"):
        key = NOT_TRIAGED if piece.decision is None else (piece.decision or UNDECIDED)
        counts[key] += piece.contacts
    return counts


def add_to_police_share(result: WithoutPolice, piece: Slice) -> None:
    if not piece.triaged:
        return
    result.triaged += piece.contacts
    if piece.decision == Decision.ESCALATE:
        result.escalated_911 += piece.contacts
    elif piece.transferred_911:
        result.transferred_911 += piece.contacts
    elif piece.incident_outcome == Incident.Outcome.POLICE_REQUESTED:
        result.police_requested += piece.contacts


def without_police_of(slices: list[Slice]) -> WithoutPolice:
    result = WithoutPolice()
    for piece in split_by(slices, "decision", "incident_outcome", "transferred_911"):
        add_to_police_share(result, piece)
    return result


def outcomes_of(slices: list[Slice]) -> dict[str, int]:
    """Incidents by recorded outcome; cancelled ones and those still without an outcome apart."""
    counts = dict.fromkeys([*Incident.Outcome.values, CANCELLED, NO_OUTCOME], 0)
    for piece in split_by(slices, "incident_status", "incident_outcome"):
        if piece.incident_status is None:
            continue
        if piece.incident_outcome:
            counts[piece.incident_outcome] += piece.contacts
        elif piece.incident_status == Incident.Status.CANCELLED:
            counts[CANCELLED] += piece.contacts
        else:
            counts[NO_OUTCOME] += piece.contacts
    return counts


@dataclass(frozen=True)
class ReferralRow:
    partner_id: int
    partner: str
    from_triage: int
    from_incident: int

    @property
    def total(self) -> int:
        return self.from_triage + self.from_incident


def referrals_by_partner(period: Period) -> list[ReferralRow]:
    """Referrals made for contacts of the period, by partner, at triage or as an incident outcome."""
    rows = (
        Referral.objects.filter(
            (period.q("triage__intake__created_at") & period.source_q("triage__intake__source"))
            | (
                period.q("incident__triage__intake__created_at")
                & period.source_q("incident__triage__intake__source")
            )
        )
        .values_list("partner_id", "partner__name")
        .annotate(
            from_triage=Count("pk", filter=Q(incident__isnull=True)),
            from_incident=Count("pk", filter=Q(incident__isnull=False)),
        )
        .order_by()
    )
    result = [ReferralRow(*row) for row in rows]
    return sorted(result, key=lambda row: (-row.total, row.partner))
