"""The dashboard's tables, built from the metrics: one object per table gives the page's cells,
the CSV export's cells and the chart drawn beside it, so the three always show the same figures.

One module per group of tables, as the dashboard shows them:

- `layout`: a table (`Table`, its `Column`s and their `Kind`), its cells as the page shows them
  and as the CSV exports them, its chart;
- `contacts`: the key figures, and contacts by channel, source, decision and call type, the
  figures per source, repeat callers;
- `calls`: answering, time to answer and call back, voicemails;
- `outcomes`: response times, incident outcomes, referrals and their loop, handled without
  police, transfers, police time avoided;
- `when_and_where`: the weekday x hour heatmap and the areas;
- `volunteers`: the roster and hours served, shift coverage, training;
- `dashboard`: every table by slug (`TABLES`, with the diversion-evidence and equity tables of
  `assessment.pilot.evidence_tables`), which are per source, and building them all.

Other modules import from here (`from assessment.pilot import tables`, `tables.TABLES`), not
from the submodules.
"""

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
from assessment.pilot.tables.dashboard import (
    NOT_PER_SOURCE,
    PARTLY_PER_SOURCE,
    TABLES,
    all_tables,
    chart_data,
    scope_rows,
    sources_text,
)
from assessment.pilot.tables.layout import (
    Column,
    Kind,
    Table,
    Typed,
    bar,
    duration_text,
    export,
    minutes,
    percent,
    show,
    stats_columns,
)
from assessment.pilot.tables.outcomes import (
    POLICE_TIME_BASIS,
    RESPONSE_STEP_LABELS,
    outcomes_table,
    police_time_table,
    referral_loop_table,
    referrals_table,
    response_times_table,
    transfers_table,
    without_police_table,
)
from assessment.pilot.tables.volunteers import coverage_table, training_table, volunteers_table
from assessment.pilot.tables.when_and_where import (
    HEAT_LEVELS,
    WEEKDAY_LABELS,
    areas_table,
    heat_cells,
    heatmap_table,
)

__all__ = [
    "HEAT_LEVELS",
    "NOT_PER_SOURCE",
    "PARTLY_PER_SOURCE",
    "POLICE_TIME_BASIS",
    "RESPONSE_STEP_LABELS",
    "TABLES",
    "WEEKDAY_LABELS",
    "Column",
    "Kind",
    "Table",
    "Typed",
    "all_tables",
    "answer_time_table",
    "answering_table",
    "areas_table",
    "bar",
    "by_source_table",
    "call_types_table",
    "channels_table",
    "chart_data",
    "coverage_table",
    "decisions_table",
    "duration_text",
    "export",
    "heat_cells",
    "heatmap_table",
    "minutes",
    "outcomes_table",
    "percent",
    "police_time_table",
    "referral_loop_table",
    "referrals_table",
    "repeat_callers_table",
    "response_times_table",
    "scope_rows",
    "show",
    "sources_table",
    "sources_text",
    "stats_columns",
    "summary_table",
    "training_table",
    "transfers_table",
    "voicemails_table",
    "volunteers_table",
    "without_police_table",
]
