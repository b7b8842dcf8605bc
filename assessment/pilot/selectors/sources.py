"""The key figures side by side for each contact source (hotline call, text, transfer from
911/police/311, partner, field-initiated): contacts, responders sent, the police share, time to
answer and to arrive on scene.

`Metrics.by_source` assembles them from the contact slices, `answer_times_by_source` and the
response chain's per-source figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assessment.pilot.db import seconds_between
from assessment.pilot.selectors.contacts import Slice, split_by
from assessment.pilot.selectors.durations import Stats, stats_by
from assessment.pilot.selectors.outcomes import WithoutPolice, add_to_police_share
from assessment.pilot.selectors.periods import Period
from dispatch.models import Decision
from hotline.models import Call, Intake


@dataclass
class SourceFigures:
    """The key figures of the contacts from one source."""

    source: str
    contacts: int = 0
    sent_responders: int = 0  # contacts whose triage decision was to send responders
    incidents: int = 0  # incidents opened from those contacts
    police: WithoutPolice = field(default_factory=WithoutPolice)
    time_to_answer: Stats = field(default_factory=Stats)  # of the calls that became these contacts
    on_scene: Stats = field(default_factory=Stats)  # dispatch to the first responder on scene

    @property
    def triaged(self) -> int:
        return self.police.triaged


def source_figures_of(slices: list[Slice], *, sources: tuple[str, ...] = ()) -> dict[str, SourceFigures]:
    """Contacts, triaged, sent responders, incidents and the police share per source (every
    source, or those given, in Intake.Source order), from the same pass as the other splits."""
    figures = {source: SourceFigures(source) for source in sources or Intake.Source.values}
    for piece in split_by(
        slices, "source", "decision", "incident_status", "incident_outcome", "transferred_911"
    ):
        row = figures.get(piece.source)
        if row is None:
            continue
        row.contacts += piece.contacts
        if piece.decision == Decision.SEND_RESPONDERS:
            row.sent_responders += piece.contacts
        if piece.incident_status is not None:
            row.incidents += piece.contacts
        add_to_police_share(row.police, piece)
    return figures


def answer_times_by_source(period: Period) -> dict[str, Stats]:
    """Time to answer (as in `calls`) of the calls a volunteer answered, by the source of the
    contact each call became."""
    answered = Call.objects.filter(
        period.q("started_at"),
        period.source_q("intake__source"),
        direction=Call.Direction.INBOUND,
        outcome=Call.Outcome.ANSWERED,
        answered_at__isnull=False,
        intake__isnull=False,
    )
    return stats_by(answered, group="intake__source", seconds=seconds_between("answered_at", "started_at"))
