"""Closing the loop on referrals: for each partner and service, the referrals made for contacts
of the period, how many the partner accepted, how many people connected (and declined or were
unreachable), and the median days from the referral to the connection.

Counts are one grouped query; the median is taken from the connected referrals' durations (a
second query returning one number per connected referral, a small subset of the contacts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from django.db.models import Count, F, Q

from assessment.pilot.selectors.periods import Period
from dispatch.models import Referral

DAY = 86400


@dataclass(frozen=True)
class ReferralLoopRow:
    partner: str
    service: str
    made: int
    accepted: int  # accepted or connected (a connection implies the partner took the referral)
    connected: int
    not_connected: int  # declined by the partner or the person unreachable
    median_days_to_connection: float | None


def _of_period(period: Period):
    return Referral.objects.filter(
        (period.q("triage__intake__created_at") & period.source_q("triage__intake__source"))
        | (
            period.q("incident__triage__intake__created_at")
            & period.source_q("incident__triage__intake__source")
        )
    )


def referral_loop(period: Period) -> list[ReferralLoopRow]:
    referrals = _of_period(period)
    counts = (
        referrals.values_list("partner__name", "service_type__name")
        .annotate(
            made=Count("pk"),
            accepted=Count("pk", filter=Q(status__in=(Referral.Status.ACCEPTED, Referral.Status.CONNECTED))),
            connected=Count("pk", filter=Q(status=Referral.Status.CONNECTED)),
            not_connected=Count(
                "pk", filter=Q(status__in=(Referral.Status.DECLINED, Referral.Status.UNREACHABLE))
            ),
        )
        .order_by()
    )
    durations: dict[tuple, list[float]] = defaultdict(list)
    for partner, service, waited in (
        referrals.filter(status=Referral.Status.CONNECTED, connected_at__isnull=False)
        .values_list("partner__name", "service_type__name")
        .annotate(waited=F("connected_at") - F("created_at"))
        .values_list("partner__name", "service_type__name", "waited")
        .order_by()
    ):
        durations[(partner, service)].append(waited.total_seconds() / DAY)
    rows = [
        ReferralLoopRow(
            partner=partner,
            service=service or "",
            made=made,
            accepted=accepted,
            connected=connected,
            not_connected=not_connected,
            median_days_to_connection=median(durations[(partner, service)])
            if durations[(partner, service)]
            else None,
        )
        for partner, service, made, accepted, connected, not_connected in counts
    ]
    return sorted(rows, key=lambda row: (-row.made, row.partner, row.service))


def median_days_overall(period: Period) -> float | None:
    waited = [
        delta.total_seconds() / DAY
        for delta in _of_period(period)
        .filter(status=Referral.Status.CONNECTED, connected_at__isnull=False)
        .annotate(waited=F("connected_at") - F("created_at"))
        .values_list("waited", flat=True)
    ]
    return median(waited) if waited else None
