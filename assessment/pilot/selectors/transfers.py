"""Warm transfers of hotline calls (911, 988, partner lines) by target and outcome.

One grouped query over the transfers of the period's contacts (placed in time by when their
intake was opened, like every contact figure). A call bridged to 911 that 911 answered also
leaves the share handled without police (`outcomes.add_to_police_share`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from assessment.pilot.selectors.periods import Period
from hotline.models import CallTransfer

Outcome = CallTransfer.Outcome


@dataclass(frozen=True)
class TransferRow:
    target: str  # CallTransfer.Target
    label: str  # 911 and 988 in the reader's language, a partner by its name
    answered: int
    no_answer: int
    busy: int
    failed: int  # failed or cancelled (the caller hung up before an answer)
    ringing: int

    @property
    def total(self) -> int:
        return self.answered + self.no_answer + self.busy + self.failed + self.ringing


TARGET_ORDER = {
    CallTransfer.Target.EMERGENCY: 0,
    CallTransfer.Target.CRISIS_988: 1,
    CallTransfer.Target.PARTNER: 2,
}


def transfers_by_target(period: Period) -> list[TransferRow]:
    rows = (
        CallTransfer.objects.filter(
            period.q("call__intake__created_at"), period.source_q("call__intake__source")
        )
        .values_list("target", "target_label")
        .annotate(
            answered=Count("pk", filter=Q(outcome=Outcome.ANSWERED)),
            no_answer=Count("pk", filter=Q(outcome=Outcome.NO_ANSWER)),
            busy=Count("pk", filter=Q(outcome=Outcome.BUSY)),
            failed=Count("pk", filter=Q(outcome__in=[Outcome.FAILED, Outcome.CANCELLED])),
            ringing=Count("pk", filter=Q(outcome=Outcome.PENDING)),
        )
        .order_by()
    )
    labels = dict(CallTransfer.Target.choices)
    result = [
        TransferRow(target, label if target == CallTransfer.Target.PARTNER else str(labels[target]), *counts)
        for target, label, *counts in rows
    ]
    return sorted(result, key=lambda row: (TARGET_ORDER.get(row.target, 9), row.label))
