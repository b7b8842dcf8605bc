"""Every table of the dashboard by slug, which are per source, and building them all."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from assessment.pilot.selectors import Metrics, Period
from assessment.pilot.tables.calls import answer_time_table, answering_table, voicemails_table
from assessment.pilot.tables.contacts import (
    by_source_table,
    call_types_table,
    channels_table,
    decisions_table,
    repeat_callers_table,
    sources_table,
    summary_table,
)
from assessment.pilot.tables.layout import Table
from assessment.pilot.tables.outcomes import (
    outcomes_table,
    police_time_table,
    referral_loop_table,
    referrals_table,
    response_times_table,
    transfers_table,
    without_police_table,
)
from assessment.pilot.tables.volunteers import coverage_table, training_table, volunteers_table
from assessment.pilot.tables.when_and_where import areas_table, heatmap_table
from hotline.models import Intake

TABLES: dict[str, Callable[[Metrics], Table]] = {
    "summary": summary_table,
    "channels": channels_table,
    "sources": sources_table,
    "by_source": by_source_table,
    "answering": answering_table,
    "answer_time": answer_time_table,
    "voicemails": voicemails_table,
    "decisions": decisions_table,
    "call_types": call_types_table,
    "response_times": response_times_table,
    "outcomes": outcomes_table,
    "referrals": referrals_table,
    "referral_loop": referral_loop_table,
    "without_police": without_police_table,
    "transfers": transfers_table,
    "police_time": police_time_table,
    "repeat_callers": repeat_callers_table,
    "heatmap": heatmap_table,
    "areas": areas_table,
    "volunteers": volunteers_table,
    "coverage": coverage_table,
    "training": training_table,
}


def _evidence_tables() -> dict[str, Callable[[Metrics], Table]]:
    # Laid out in their own module, which builds on the layout module's Table and Column.
    from assessment.pilot import evidence_tables

    return evidence_tables.TABLES


TABLES.update(_evidence_tables())

# Not per source: they count every volunteer, shift and module whatever the source filter.
NOT_PER_SOURCE = frozenset({"volunteers", "coverage", "training"})
# Tables with some figures that are not per source (the key figures' volunteer hours and coverage).
PARTLY_PER_SOURCE = frozenset({"summary"})


def sources_text(period: Period) -> str:
    """The source filter in words, or "" when every source is counted."""
    if not period.sources:
        return ""
    labels = dict(Intake.Source.choices)
    return ", ".join(str(labels[source]) for source in period.sources)


def scope_rows(slug: str, period: Period) -> list[list[str]]:
    """The lines a CSV export ends with when the figures are narrowed to some sources."""
    if not period.sources:
        return []
    lines = [[], [_("Sources: %(sources)s") % {"sources": sources_text(period)}]]
    if slug in NOT_PER_SOURCE:
        lines.append([_("These figures are not per source: they count every volunteer, shift and module.")])
    elif slug in PARTLY_PER_SOURCE:
        lines.append([_("Volunteer hours served and shift coverage are not per source.")])
    return lines


def all_tables(metrics: Metrics) -> dict[str, Table]:
    return {slug: build(metrics) for slug, build in TABLES.items()}


def chart_data(tables: dict[str, Table]) -> dict[str, dict]:
    return {slug: table.chart for slug, table in tables.items() if table.chart}
