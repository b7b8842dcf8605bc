"""Answer and callback times: inbound calls, how fast a volunteer answered them (NENA's 15
and 20 second targets), voicemails and how fast someone called back.

One pass over the period's inbound calls and a small one over its voicemails (`calls`), read
by `Metrics.answering` and `Metrics.callbacks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce

from assessment.pilot import db
from assessment.pilot.db import elapsed, seconds_between
from assessment.pilot.selectors.durations import Stats, aggregate, duration_aggregates, stats_of
from assessment.pilot.selectors.periods import Period, share
from hotline.models import Call

ANSWER_TARGETS = ((15, 0.90), (20, 0.95))  # NENA call-answering standard: seconds, share


@dataclass
class Answering:
    """Inbound calls and how fast a volunteer answered them."""

    calls: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Call.Outcome.values, 0))
    # seconds -> calls a volunteer answered by then
    within: dict[int, int] = field(
        default_factory=lambda: {seconds: 0 for seconds, _target in ANSWER_TARGETS}
    )
    time_to_answer: Stats = field(default_factory=Stats)

    @property
    def answered(self) -> int:
        return self.outcomes[Call.Outcome.ANSWERED]

    def within_share(self, seconds: int) -> float | None:
        return share(self.within.get(seconds, 0), self.calls)

    def outcome_share(self, outcome: str) -> float | None:
        return share(self.outcomes[outcome], self.calls)


@dataclass
class Callbacks:
    """Voicemails left and how fast someone called the person back."""

    voicemails: int = 0
    called_back: int = 0
    within_hour: int = 0
    time_to_callback: Stats = field(default_factory=Stats)

    @property
    def called_back_share(self) -> float | None:
        return share(self.called_back, self.voicemails)

    @property
    def within_hour_share(self) -> float | None:
        return share(self.within_hour, self.voicemails)


def calls(period: Period) -> tuple[Answering, Callbacks]:
    """Inbound calls that started in the period.

    Answering: calls by outcome; answered by a volunteer within 15 and 20 seconds (of all
    inbound calls); time to answer, from the call reaching the hotline (the safety message and
    the language menu included) to a volunteer accepting it.

    Callbacks: calls that left a voicemail; the call back is the first callback call to the
    voicemail's intake, measured from the end of the caller's call (its start when no end was
    recorded).
    """
    inbound = Call.objects.filter(
        period.q("started_at"), period.source_q("intake__source"), direction=Call.Direction.INBOUND
    )
    answered = Q(outcome=Call.Outcome.ANSWERED, answered_at__isnull=False)
    timed = inbound.annotate(
        _to_answer=elapsed("answered_at", "started_at"), _answer=seconds_between("answered_at", "started_at")
    )
    # Grouped by outcome: one pass, a handful of rows.
    per_outcome = (
        timed.values("outcome")
        .annotate(
            calls=Count("pk"),
            **{
                f"within_{seconds}": Count(
                    "pk", filter=answered & Q(_to_answer__lte=timedelta(seconds=seconds))
                )
                for seconds, _target in ANSWER_TARGETS
            },
            **(duration_aggregates("answer", "_answer", answered) if db.database_percentiles() else {}),
        )
        .order_by()
    )
    answering = Answering()
    for row in per_outcome:
        answering.calls += row["calls"]
        answering.outcomes[row["outcome"]] = answering.outcomes.get(row["outcome"], 0) + row["calls"]
        if row["outcome"] == Call.Outcome.ANSWERED:
            answering.within = {seconds: row[f"within_{seconds}"] for seconds, _target in ANSWER_TARGETS}
            if db.database_percentiles():
                answering.time_to_answer = stats_of(row, "answer")
    if not db.database_percentiles():
        _row, stats = aggregate(
            inbound, durations={"answer": (seconds_between("answered_at", "started_at"), answered)}
        )
        answering.time_to_answer = stats["answer"]

    # A second, small pass over the voicemails, each with its first callback (grouped per
    # voicemail, so that every figure below reads it once).
    callback = Q(
        intake__callbacks__direction=Call.Direction.OUTBOUND,
        intake__callbacks__started_at__gte=F("started_at"),
    )
    voicemails = inbound.filter(outcome=Call.Outcome.VOICEMAIL).annotate(
        _left_at=Coalesce("ended_at", "started_at"),
        _called_back_at=Min("intake__callbacks__started_at", filter=callback),
    )
    row, stats = aggregate(
        voicemails,
        counts={
            "voicemails": Count("pk"),
            "called_back": Count("pk", filter=Q(_called_back_at__isnull=False)),
            "within_hour": Count("pk", filter=Q(_called_back_at__lte=F("_left_at") + timedelta(hours=1))),
        },
        durations={"callback": (seconds_between("_called_back_at", "_left_at"), None)},
    )
    callbacks = Callbacks(
        voicemails=row["voicemails"],
        called_back=row["called_back"],
        within_hour=row["within_hour"],
        time_to_callback=stats["callback"],
    )
    return answering, callbacks
