"""Diversion evidence: what the people served say they would have done without the hotline,
and how they heard about it (the two optional questions of `hotline.models.ContactEvidence`).

"911/police calls the hotline stood in for" counts contacts of the period whose answer was 911
or the police non-emergency line; the confidence note gives how many answered (the response
rate) and the share of answers that were 911 or police with a 95 % Wilson score interval, the
simple interval that stays inside 0-100 % with few answers. One grouped query for both questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count

from assessment.pilot.selectors.periods import Period, share
from hotline.models import AlternativeService, HeardFrom, Intake

Z_95 = 1.959963984540054
POLICE_ANSWERS = (AlternativeService.CALL_911, AlternativeService.POLICE_NON_EMERGENCY)


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without trials)."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Diversion:
    contacts: int = 0
    would_have_called: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(AlternativeService.values, 0)
    )
    heard_from: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HeardFrom.values, 0))

    @property
    def answered(self) -> int:
        return sum(self.would_have_called.values())

    @property
    def heard_answered(self) -> int:
        return sum(self.heard_from.values())

    @property
    def stood_in_for(self) -> int:
        """Contacts whose answer was 911 or the police non-emergency line."""
        return sum(self.would_have_called[answer] for answer in POLICE_ANSWERS)

    @property
    def response_rate(self) -> float | None:
        return share(self.answered, self.contacts)

    @property
    def police_share(self) -> float | None:
        return share(self.stood_in_for, self.answered)

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.stood_in_for, self.answered)


def diversion(period: Period) -> Diversion:
    """Both questions' answers of the period's contacts, in one grouped query."""
    result = Diversion()
    rows = (
        Intake.objects.filter(period.q("created_at"), period.source_q("source"))
        .values_list("evidence__would_have_called", "evidence__heard_from")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for alternative, heard, n in rows:
        result.contacts += n
        if alternative in result.would_have_called:
            result.would_have_called[alternative] += n
        if heard in result.heard_from:
            result.heard_from[heard] += n
    return result
