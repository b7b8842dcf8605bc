"""The dashboard's tables, built from the metrics: one object per table gives the page's cells,
the CSV export's cells and the chart drawn beside it, so the three always show the same figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.numbers import decimal_text, percent_text, percentage, rounded
from assessment.pilot import glossary
from assessment.pilot.selectors import (
    ALL_ROLES,
    ANSWER_TARGETS,
    HOURS,
    NOT_TRIAGED,
    RESPONSE_STEPS,
    UNDECIDED,
    Metrics,
    Period,
    Stats,
    share,
)
from assessment.pilot.suppression import Suppressed
from dispatch.models import Decision, Incident
from hotline.models import Call, Intake
from volunteers.models import ShiftRole

WEEKDAY_LABELS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
HEAT_LEVELS = 5


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    SHARE = "share"  # a fraction, shown as a percentage
    DURATION = "duration"  # seconds
    HOURS = "hours"
    TYPED = "typed"  # each cell says its kind (a Typed value)


@dataclass(frozen=True)
class Typed:
    value: object
    kind: Kind


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT

    @property
    def csv_label(self) -> str:
        unit = {Kind.SHARE: " (%)", Kind.DURATION: " (s)", Kind.HOURS: " (h)"}.get(self.kind, "")
        return f"{self.label}{unit}"

    @property
    def numeric(self) -> bool:
        return self.kind != Kind.TEXT


def show(value, kind: Kind) -> str:
    """A cell as the page shows it (localized numbers, "–" for nothing to show, "<11" hidden)."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    if value is None:
        return "–"
    if kind == Kind.COUNT:
        return number_format(value, force_grouping=True)
    if kind == Kind.SHARE:
        return percent_text(value)
    if kind == Kind.DURATION:
        return duration_text(value)
    if kind == Kind.HOURS:
        return decimal_text(value, grouping=True)
    return str(value)


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": decimal_text(seconds)}
    whole = round(seconds)
    if whole < 3600:
        return _("%(minutes)d min %(seconds)02d s") % {"minutes": whole // 60, "seconds": whole % 60}
    return _("%(hours)d h %(minutes)02d min") % {"hours": whole // 3600, "minutes": whole % 3600 // 60}


def export(value, kind: Kind) -> str:
    """A cell as the CSV export writes it: plain numbers, percentages as 0-100, seconds, "<11"."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    if value is None:
        return ""
    if kind == Kind.SHARE:
        return str(percentage(value))
    if kind in (Kind.DURATION, Kind.HOURS):
        return str(rounded(value))
    return str(value)


@dataclass
class Table:
    slug: str
    columns: list[Column]
    rows: list[list]
    totals: list | None = None
    chart: dict | None = None
    note: str = ""
    row_glossary: list[str] | None = None  # the glossary entry of each row, when rows differ

    @property
    def title(self) -> str:
        return glossary.term(self.slug)

    @property
    def definition(self) -> str:
        return glossary.definition(self.slug)

    def _shown(self, row: list) -> list[dict]:
        return [
            {"text": show(value, column.kind), "numeric": column.numeric}
            for value, column in zip(row, self.columns, strict=True)
        ]

    @property
    def display_rows(self) -> list[list[dict]]:
        return [self._shown(row) for row in self.rows]

    @property
    def display_totals(self) -> list[dict] | None:
        return self._shown(self.totals) if self.totals is not None else None

    def csv_rows(self) -> list[list[str]]:
        lines = [[column.csv_label for column in self.columns]]
        for row in [*self.rows, *([self.totals] if self.totals is not None else [])]:
            lines.append(
                [export(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            )
        return lines


def bar(labels, datasets, *, horizontal=False, stacked=False, unit="") -> dict:
    return {
        "type": "bar",
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": data} for label, data in datasets],
        "horizontal": horizontal,
        "stacked": stacked,
        "unit": unit,
    }


def percent(value: float | None) -> float | None:
    return None if value is None else float(percentage(value))


def minutes(value: float | None) -> float | None:
    return None if value is None else float(rounded(value / 60))


# --------------------------------------------------------------------------------------------
# The tables


def summary_table(m: Metrics) -> Table:
    """The key figures at the top of the page (shown as cards); `slug` names each one's definition."""
    a, police, coverage = m.answering, m.without_police, m.coverage
    rows = [
        [_("Contacts"), Typed(m.contacts, Kind.COUNT), None, "contact"],
        [_("Inbound calls"), Typed(a.calls, Kind.COUNT), None, "answering"],
    ]
    for seconds, target in ANSWER_TARGETS:
        rows.append(
            [
                _("Answered within %(seconds)d s") % {"seconds": seconds},
                Typed(a.within_share(seconds), Kind.SHARE),
                target,
                "answering",
            ]
        )
    rows += [
        [_("Median time to answer"), Typed(a.time_to_answer.median, Kind.DURATION), None, "answer_time"],
        [
            _("90th percentile time to answer"),
            Typed(a.time_to_answer.p90, Kind.DURATION),
            None,
            "answer_time",
        ],
        [_("Handled without police"), Typed(police.rate, Kind.SHARE), None, "without_police"],
        [
            _("Police unit-hours avoided"),
            Typed(m.police_time.unit_hours if m.police_time.rows else None, Kind.HOURS),
            None,
            "police_time",
        ],
        [_("Repeat callers (numbers)"), Typed(m.repeat_callers.numbers, Kind.COUNT), None, "repeat_callers"],
        [_("Volunteer hours served"), Typed(m.volunteers.hours, Kind.HOURS), None, "volunteers"],
        [_("Shift coverage (all roles)"), Typed(coverage.rate(ALL_ROLES), Kind.SHARE), None, "coverage"],
    ]
    return Table(
        slug="summary",
        columns=[
            Column(_("Measure")),
            Column(_("Value"), Kind.TYPED),
            Column(_("Benchmark"), Kind.SHARE),
        ],
        rows=[row[:3] for row in rows],
        row_glossary=[row[3] for row in rows],
    )


def channels_table(m: Metrics) -> Table:
    labels = dict(Intake.Channel.choices)
    rows = [[labels.get(channel, channel), n, share(n, m.contacts)] for channel, n in m.channels.items()]
    return Table(
        slug="channels",
        columns=[Column(_("Channel")), Column(_("Contacts"), Kind.COUNT), Column(_("Share"), Kind.SHARE)],
        rows=rows,
        totals=[_("All contacts"), m.contacts, share(m.contacts, m.contacts)],
        chart=bar([row[0] for row in rows], [(_("Contacts"), [row[1] for row in rows])]),
    )


def sources_table(m: Metrics) -> Table:
    labels = dict(Intake.Source.choices)
    rows = [[labels.get(source, source), n, share(n, m.contacts)] for source, n in m.sources.items()]
    return Table(
        slug="sources",
        columns=[Column(_("Source")), Column(_("Contacts"), Kind.COUNT), Column(_("Share"), Kind.SHARE)],
        rows=rows,
        totals=[_("All contacts"), m.contacts, share(m.contacts, m.contacts)],
        chart=bar([row[0] for row in rows], [(_("Contacts"), [row[1] for row in rows])], horizontal=True),
    )


def by_source_table(m: Metrics) -> Table:
    labels = dict(Intake.Source.choices)
    rows = [
        [
            labels.get(row.source, row.source),
            row.contacts,
            row.triaged,
            row.sent_responders,
            row.police.rate,
            row.time_to_answer.median,
            row.incidents,
            row.on_scene.median,
        ]
        for row in m.by_source
    ]
    police = m.without_police
    return Table(
        slug="by_source",
        columns=[
            Column(_("Source")),
            Column(_("Contacts"), Kind.COUNT),
            Column(_("Triaged"), Kind.COUNT),
            Column(_("Sent responders"), Kind.COUNT),
            Column(_("Handled without police"), Kind.SHARE),
            Column(_("Median time to answer"), Kind.DURATION),
            Column(_("Incidents"), Kind.COUNT),
            Column(_("Median dispatch to on scene"), Kind.DURATION),
        ],
        rows=rows,
        totals=[
            _("All sources") if not m.period.sources else _("All chosen sources"),
            m.contacts,
            police.triaged,
            m.decisions[Decision.SEND_RESPONDERS],
            police.rate,
            m.answering.time_to_answer.median,
            m.chain.incidents,
            m.chain.steps["on_scene"].median,
        ],
        chart=bar(
            [row[0] for row in rows],
            [
                (_("Contacts"), [row[1] for row in rows]),
                (_("Sent responders"), [row[3] for row in rows]),
                (_("Incidents"), [row[6] for row in rows]),
            ],
            horizontal=True,
        ),
    )


def answering_table(m: Metrics) -> Table:
    a = m.answering
    rows = []
    for seconds, target in ANSWER_TARGETS:
        rows.append(
            [
                _("Answered by a volunteer within %(seconds)d s") % {"seconds": seconds},
                a.within[seconds],
                a.within_share(seconds),
                target,
            ]
        )
    outcome_rows = [
        [str(label) if value else _("Still in progress"), a.outcomes[value], a.outcome_share(value), None]
        for value, label in Call.Outcome.choices
        if value or a.outcomes[value]
    ]
    return Table(
        slug="answering",
        columns=[
            Column(_("Calls")),
            Column(_("Count"), Kind.COUNT),
            Column(_("Share of inbound calls"), Kind.SHARE),
            Column(_("NENA benchmark"), Kind.SHARE),
        ],
        rows=rows + outcome_rows,
        totals=[_("Inbound calls"), a.calls, share(a.calls, a.calls), None],
        chart=bar(
            [row[0] for row in outcome_rows],
            [(_("Calls"), [row[1] for row in outcome_rows])],
            horizontal=True,
        ),
    )


def _stats_row(label: str, stats: Stats) -> list:
    return [label, stats.count, stats.median, stats.p90]


def stats_columns(first: str) -> list[Column]:
    return [
        Column(first),
        Column(_("Count"), Kind.COUNT),
        Column(_("Median"), Kind.DURATION),
        Column(_("90th percentile"), Kind.DURATION),
    ]


def answer_time_table(m: Metrics) -> Table:
    return Table(
        slug="answer_time",
        columns=stats_columns(_("Measure")),
        rows=[
            _stats_row(_("Time to answer (calls answered by a volunteer)"), m.answering.time_to_answer),
            _stats_row(_("Time to call back (voicemails called back)"), m.callbacks.time_to_callback),
        ],
    )


def voicemails_table(m: Metrics) -> Table:
    c = m.callbacks
    return Table(
        slug="voicemails",
        columns=[Column(_("Voicemails")), Column(_("Count"), Kind.COUNT), Column(_("Share"), Kind.SHARE)],
        rows=[
            [_("Voicemails left"), c.voicemails, share(c.voicemails, c.voicemails)],
            [_("Called back"), c.called_back, c.called_back_share],
            [_("Called back within one hour"), c.within_hour, c.within_hour_share],
        ],
    )


def decisions_table(m: Metrics) -> Table:
    labels = {**dict(Decision.choices), UNDECIDED: _("Not decided yet"), NOT_TRIAGED: _("Not triaged")}
    rows = [[labels[key], n, share(n, m.contacts)] for key, n in m.decisions.items() if n or key in Decision]
    return Table(
        slug="decisions",
        columns=[Column(_("Decision")), Column(_("Contacts"), Kind.COUNT), Column(_("Share"), Kind.SHARE)],
        rows=rows,
        totals=[_("All contacts"), m.contacts, share(m.contacts, m.contacts)],
        chart=bar([row[0] for row in rows], [(_("Contacts"), [row[1] for row in rows])], horizontal=True),
    )


def call_types_table(m: Metrics) -> Table:
    triaged = sum(row.count for row in m.call_types)
    rows = [
        [row.label or _("(no call type recorded)"), row.count, share(row.count, triaged)]
        for row in m.call_types
    ]
    return Table(
        slug="call_types",
        columns=[Column(_("Call type")), Column(_("Contacts"), Kind.COUNT), Column(_("Share"), Kind.SHARE)],
        rows=rows,
        totals=[_("Triaged contacts"), triaged, share(triaged, triaged)],
        chart=bar([row[0] for row in rows], [(_("Contacts"), [row[1] for row in rows])], horizontal=True),
    )


RESPONSE_STEP_LABELS = {
    "decision": gettext_lazy("Call start to dispatch decision"),
    "acknowledged": gettext_lazy("Dispatch to first acknowledgement"),
    "en_route": gettext_lazy("Dispatch to en route"),
    "on_scene": gettext_lazy("Dispatch to on scene"),
    "cleared": gettext_lazy("Dispatch to cleared"),
}


def response_times_table(m: Metrics) -> Table:
    steps = m.chain.steps
    labels = [RESPONSE_STEP_LABELS[step] for step in RESPONSE_STEPS]
    return Table(
        slug="response_times",
        columns=stats_columns(_("Step")),
        rows=[_stats_row(str(RESPONSE_STEP_LABELS[step]), steps[step]) for step in RESPONSE_STEPS],
        note=_("%(count)s incidents") % {"count": number_format(m.chain.incidents, force_grouping=True)},
        chart=bar(
            labels,
            [
                (_("Median (min)"), [minutes(steps[step].median) for step in RESPONSE_STEPS]),
                (_("90th percentile (min)"), [minutes(steps[step].p90) for step in RESPONSE_STEPS]),
            ],
            horizontal=True,
            unit="min",
        ),
    )


def outcomes_table(m: Metrics) -> Table:
    labels = {**dict(Incident.Outcome.choices), "cancelled": _("Cancelled"), "pending": _("No outcome yet")}
    total = sum(m.outcomes.values())
    rows = [
        [labels[key], n, share(n, total)]
        for key, n in m.outcomes.items()
        if n or key in Incident.Outcome.values
    ]
    return Table(
        slug="outcomes",
        columns=[Column(_("Outcome")), Column(_("Incidents"), Kind.COUNT), Column(_("Share"), Kind.SHARE)],
        rows=rows,
        totals=[_("All incidents"), total, share(total, total)],
        chart=bar([row[0] for row in rows], [(_("Incidents"), [row[1] for row in rows])], horizontal=True),
    )


def referrals_table(m: Metrics) -> Table:
    rows = [[row.partner, row.from_triage, row.from_incident, row.total] for row in m.referrals]
    return Table(
        slug="referrals",
        columns=[
            Column(_("Partner")),
            Column(_("At triage"), Kind.COUNT),
            Column(_("As an incident outcome"), Kind.COUNT),
            Column(_("Total"), Kind.COUNT),
        ],
        rows=rows,
        totals=[_("All referrals"), *(sum(row[index] for row in rows) for index in (1, 2, 3))],
        chart=bar(
            [row[0] for row in rows],
            [
                (_("At triage"), [row[1] for row in rows]),
                (_("As an incident outcome"), [row[2] for row in rows]),
            ],
            horizontal=True,
            stacked=True,
        )
        if rows
        else None,
    )


def without_police_table(m: Metrics) -> Table:
    p = m.without_police
    return Table(
        slug="without_police",
        columns=[
            Column(_("Triaged contacts")),
            Column(_("Count"), Kind.COUNT),
            Column(_("Share"), Kind.SHARE),
        ],
        rows=[
            [_("Escalated to 911/EMS at triage"), p.escalated_911, share(p.escalated_911, p.triaged)],
            [_("Call transferred to 911"), p.transferred_911, share(p.transferred_911, p.triaged)],
            [_("Police requested by responders"), p.police_requested, share(p.police_requested, p.triaged)],
            [_("Handled without police"), p.without_police, p.rate],
        ],
        totals=[_("All triaged contacts"), p.triaged, share(p.triaged, p.triaged)],
    )


def transfers_table(m: Metrics) -> Table:
    rows = [[row.label, row.answered, row.no_answer, row.busy, row.failed, row.total] for row in m.transfers]
    return Table(
        slug="transfers",
        columns=[
            Column(_("Transferred to")),
            Column(_("Answered"), Kind.COUNT),
            Column(_("No answer"), Kind.COUNT),
            Column(_("Busy"), Kind.COUNT),
            Column(_("Failed or cancelled"), Kind.COUNT),
            Column(_("Total"), Kind.COUNT),
        ],
        rows=rows,
        totals=[_("All transfers"), *(sum(row[index] for row in rows) for index in (1, 2, 3, 4, 5))],
    )


POLICE_TIME_BASIS = {
    "911_call_type": gettext_lazy("911 call type %(name)s"),
    "911_category": gettext_lazy("911 category %(name)s"),
    "minutes": gettext_lazy("minutes set for the call type"),
    "default": gettext_lazy("default minutes"),
    "unknown": gettext_lazy("no police time known (left out)"),
}


def police_time_table(m: Metrics) -> Table:
    p = m.police_time
    rows = [
        [
            row.label or _("(no call type recorded)"),
            row.without_police,
            None if row.hours_per_contact is None else round(row.hours_per_contact * 60, 1),
            str(POLICE_TIME_BASIS[row.basis]) % {"name": row.basis_label},
            row.unit_hours,
        ]
        for row in p.rows
    ]
    if p.cost is not None:
        rows.append(
            [
                _("Cost at %(cost)s per unit-hour")
                % {"cost": decimal_text(float(p.cost_per_unit_hour), grouping=True)},
                None,
                None,
                "",
                Typed(round(p.cost, 2), Kind.HOURS),
            ]
        )
    note = (
        _("Police time from the 911 dataset “%(name)s”.") % {"name": p.dataset_name}
        if p.dataset_name
        else _("No 911 dataset is chosen in the police-time settings: only minutes set by hand count.")
    )
    return Table(
        slug="police_time",
        columns=[
            Column(_("Hotline call type")),
            Column(_("Handled without police"), Kind.COUNT),
            Column(_("Police minutes per contact"), Kind.COUNT),
            Column(_("Based on")),
            Column(_("Police unit-hours avoided"), Kind.HOURS),
        ],
        rows=rows,
        totals=[_("All call types"), sum(row.without_police for row in p.rows), None, "", p.unit_hours],
        note=note,
    )


def repeat_callers_table(m: Metrics) -> Table:
    r = m.repeat_callers
    return Table(
        slug="repeat_callers",
        columns=[
            Column(_("Repeat callers")),
            Column(_("Count"), Kind.COUNT),
            Column(_("Share of contacts"), Kind.SHARE),
        ],
        rows=[
            [_("Numbers with 3 or more contacts in 30 days"), r.numbers, None],
            [_("Contacts from those numbers"), r.contacts, r.contacts_share],
        ],
    )


def heatmap_table(m: Metrics) -> Table:
    grid = m.heatmap
    rows = [[str(WEEKDAY_LABELS[day]), *grid[day], sum(grid[day])] for day in range(7)]
    by_hour = [sum(grid[day][hour] for day in range(7)) for hour in HOURS]
    return Table(
        slug="heatmap",
        columns=[
            Column(_("Weekday")),
            *(Column(f"{hour:02d}", Kind.COUNT) for hour in HOURS),
            Column(_("Total"), Kind.COUNT),
        ],
        rows=rows,
        totals=[_("All days"), *by_hour, sum(by_hour)],
        chart=bar([f"{hour:02d}" for hour in HOURS], [(_("Contacts by hour of day"), by_hour)]),
    )


def heat_cells(table: Table) -> list[dict]:
    """The heatmap's rows with a shading level (0 to HEAT_LEVELS) per hour cell."""
    peak = max((value for row in table.rows for value in row[1:-1]), default=0)
    rows = []
    for row, shown in zip(table.rows, table.display_rows, strict=True):
        cells = [
            {"text": cell["text"], "level": (value * HEAT_LEVELS + peak - 1) // peak if peak else 0}
            for value, cell in zip(row[1:-1], shown[1:-1], strict=True)
        ]
        rows.append({"label": shown[0]["text"], "cells": cells, "total": shown[-1]["text"]})
    return rows


def areas_table(m: Metrics) -> Table:
    rows = [
        [
            row.label or _("(area not recorded)"),
            row.contacts,
            share(row.contacts, m.contacts),
            _("yes") if row.in_service_area else _("no"),
        ]
        for row in m.areas
    ]
    return Table(
        slug="areas",
        columns=[
            Column(_("Area")),
            Column(_("Contacts"), Kind.COUNT),
            Column(_("Share"), Kind.SHARE),
            Column(_("Service area")),
        ],
        rows=rows,
        totals=[_("All contacts"), m.contacts, share(m.contacts, m.contacts), ""],
        chart=bar([row[0] for row in rows], [(_("Contacts"), [row[1] for row in rows])], horizontal=True)
        if rows
        else None,
    )


def volunteers_table(m: Metrics) -> Table:
    v = m.volunteers
    labels = dict(ShiftRole.choices)
    rows = [
        [labels[row.role], row.on_roster, row.served, row.shifts_attended, row.no_shows, row.hours]
        for row in v.roles
    ]
    return Table(
        slug="volunteers",
        columns=[
            Column(_("Role")),
            Column(_("On the roster"), Kind.COUNT),
            Column(_("Served in the period"), Kind.COUNT),
            Column(_("Shifts attended"), Kind.COUNT),
            Column(_("No-shows"), Kind.COUNT),
            Column(_("Hours served"), Kind.HOURS),
        ],
        rows=rows,
        totals=[
            _("All active volunteers"),
            v.active,
            v.served,
            sum(row[3] for row in rows),
            sum(row[4] for row in rows),
            v.hours,
        ],
        chart=bar(
            [row[0] for row in rows],
            [(_("Hours served"), [float(rounded(row[5])) for row in rows])],
            unit="h",
        ),
    )


def coverage_table(m: Metrics) -> Table:
    c = m.coverage
    labels = dict(ShiftRole.choices)
    rows = [
        [labels[role], target, c.open_hours, c.met_hours.get(role, 0.0), c.rate(role)]
        for role, target in c.targets.items()
    ]
    if c.targets:
        rows.append(
            [_("All roles at once"), None, c.open_hours, c.met_hours.get(ALL_ROLES, 0.0), c.rate(ALL_ROLES)]
        )
    return Table(
        slug="coverage",
        columns=[
            Column(_("Role")),
            Column(_("Target on shift"), Kind.COUNT),
            Column(_("Hours of operation"), Kind.HOURS),
            Column(_("Hours meeting the target"), Kind.HOURS),
            Column(_("Coverage"), Kind.SHARE),
        ],
        rows=rows,
        chart=bar(
            [row[0] for row in rows], [(_("Coverage (%)"), [percent(row[4]) for row in rows])], unit="%"
        )
        if rows
        else None,
    )


def training_table(m: Metrics) -> Table:
    t = m.training
    day = date_format(t.reference_day, "SHORT_DATE_FORMAT")
    return Table(
        slug="training",
        columns=[
            Column(_("Module")),
            Column(_("Completed in the period"), Kind.COUNT),
            Column(_("Current on %(day)s") % {"day": day}, Kind.COUNT),
            Column(_("Share of active volunteers"), Kind.SHARE),
            Column(_("Expired in the period"), Kind.COUNT),
            Column(_("Expiring within 30 days"), Kind.COUNT),
        ],
        rows=[
            [row.title, row.completed, row.current, t.current_share(row), row.expired, row.expiring_soon]
            for row in t.modules
        ],
        note=_("%(count)s active volunteers")
        % {"count": number_format(t.active_volunteers, force_grouping=True)},
    )


def referral_loop_table(m: Metrics) -> Table:
    rows = [
        [
            row.partner,
            row.service or "—",
            row.made,
            row.accepted,
            row.connected,
            row.not_connected,
            row.median_days_to_connection * 86400 if row.median_days_to_connection is not None else None,
        ]
        for row in m.referral_loop
    ]
    overall = m.referral_median_days
    return Table(
        slug="referral_loop",
        columns=[
            Column(_("Partner")),
            Column(_("Service")),
            Column(_("Made"), Kind.COUNT),
            Column(_("Accepted"), Kind.COUNT),
            Column(_("Connected"), Kind.COUNT),
            Column(_("Declined or unreachable"), Kind.COUNT),
            Column(_("Median time to connection"), Kind.DURATION),
        ],
        rows=rows,
        totals=[
            _("All referrals"),
            "",
            *(sum(row[index] for row in rows) for index in (2, 3, 4, 5)),
            overall * 86400 if overall is not None else None,
        ],
    )


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
    # Laid out in their own module, which builds on this one's Table and Column.
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
