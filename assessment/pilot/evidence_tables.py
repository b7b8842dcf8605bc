"""The dashboard's tables of diversion evidence and equity, laid out like the others
(`assessment.pilot.tables`, which lists them in TABLES): one object per table gives the page's
cells, the CSV export's cells and the printed report's (the printed page), so all three show
the same figures and hide the same small cells (`assessment.pilot.suppression`).
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessment.pilot.selectors import GROUPS, Metrics, share
from assessment.pilot.selectors.equity import NO_OUTCOME, NOT_TRIAGED
from assessment.pilot.suppression import SUPPRESSED, THRESHOLD, suppress
from assessment.pilot.tables.layout import Column, Kind, Table, show
from dispatch.models import Decision, Incident
from hotline.models import AlternativeService, HeardFrom


def percent_text(fraction: float | None) -> str:
    return show(fraction, Kind.SHARE)


def confidence_note(m: Metrics) -> str:
    d = m.diversion
    if not d.answered:
        return _("No one answered this question in the period: no estimate.")
    low, high = d.interval
    return _(
        "%(answered)s of %(contacts)s contacts answered (response rate %(rate)s). Of those who "
        "answered, %(share)s said 911 or police (95 %% interval %(low)s to %(high)s); those who "
        "did not answer may differ."
    ) % {
        "answered": number_format(d.answered, force_grouping=True),
        "contacts": number_format(d.contacts, force_grouping=True),
        "rate": percent_text(d.response_rate),
        "share": percent_text(d.police_share),
        "low": percent_text(low),
        "high": percent_text(high),
    }


def diversion_table(m: Metrics) -> Table:
    d = m.diversion
    labels = dict(AlternativeService.choices)
    rows = [
        [labels[value], d.would_have_called[value], share(d.would_have_called[value], d.answered)]
        for value in AlternativeService.values
    ]
    rows.insert(2, [_("911 or police: calls the hotline stood in for"), d.stood_in_for, d.police_share])
    rows.append([_("No answer (skipped or not asked)"), d.contacts - d.answered, None])
    return Table(
        slug="diversion",
        columns=[
            Column(_("Would have called")),
            Column(_("Contacts"), Kind.COUNT),
            Column(_("Share of answers"), Kind.SHARE),
        ],
        rows=rows,
        totals=[_("All contacts"), d.contacts, None],
        note=confidence_note(m),
    )


def heard_from_table(m: Metrics) -> Table:
    d = m.diversion
    labels = dict(HeardFrom.choices)
    rows = [
        [labels[value], d.heard_from[value], share(d.heard_from[value], d.heard_answered)]
        for value in HeardFrom.values
    ]
    rows.append([_("No answer (skipped or not asked)"), d.contacts - d.heard_answered, None])
    return Table(
        slug="heard_from",
        columns=[
            Column(_("Heard about us from")),
            Column(_("Contacts"), Kind.COUNT),
            Column(_("Share of answers"), Kind.SHARE),
        ],
        rows=rows,
        totals=[_("All contacts"), d.contacts, None],
        chart=None,
        note=_("%(answered)s answered (response rate %(rate)s)")
        % {
            "answered": number_format(d.heard_answered, force_grouping=True),
            "rate": percent_text(share(d.heard_answered, d.contacts)),
        },
    )


def group_note(m: Metrics) -> str:
    label = GROUPS[m.equity_group][0]
    note = _(
        "By %(group)s; counts under %(n)s shown as “<%(n)s”, with a second cell hidden where a total would reveal one"
    ) % {
        "group": str(label).lower(),
        "n": THRESHOLD,
    }
    if m.equity_group == "race_ethnicity":
        note += " · " + _("a person who chose several groups counts in each")
    return note


def _suppressed_rows(m: Metrics, cells, *, row_totals: bool) -> tuple[list[list], list]:
    grid = suppress(cells, row_totals=row_totals, column_totals=True)
    rows = []
    for row, shown in zip(m.equity, grid.cells, strict=True):
        rows.append([row.label, *shown, *([grid.row_totals[len(rows)]] if row_totals else [])])
    totals = [_("All"), *grid.column_totals, *([grid.total] if row_totals else [])]
    return rows, totals


def equity_decisions_table(m: Metrics) -> Table:
    keys = [*Decision.values, NOT_TRIAGED]
    labels = {**dict(Decision.choices), NOT_TRIAGED: _("Not triaged or not decided")}
    rows, totals = _suppressed_rows(
        m, [[row.decisions[key] for key in keys] for row in m.equity], row_totals=True
    )
    return Table(
        slug="equity_decisions",
        columns=[
            Column(str(GROUPS[m.equity_group][0])),
            *(Column(str(labels[key]), Kind.COUNT) for key in keys),
            Column(_("Contacts"), Kind.COUNT),
        ],
        rows=rows,
        totals=totals,
        note=group_note(m),
    )


def equity_outcomes_table(m: Metrics) -> Table:
    keys = [*Incident.Outcome.values, NO_OUTCOME]
    labels = {**dict(Incident.Outcome.choices), NO_OUTCOME: _("No outcome yet")}
    rows, totals = _suppressed_rows(
        m, [[row.outcomes[key] for key in keys] for row in m.equity], row_totals=True
    )
    return Table(
        slug="equity_outcomes",
        columns=[
            Column(str(GROUPS[m.equity_group][0])),
            *(Column(str(labels[key]), Kind.COUNT) for key in keys),
            Column(_("Incidents"), Kind.COUNT),
        ],
        rows=rows,
        totals=totals,
        note=group_note(m),
    )


def _median_shown(stats, *, hidden: bool):
    """A median of fewer than THRESHOLD calls, or of a hidden count, says too much: hidden too."""
    if not stats.count:
        return None
    return SUPPRESSED if hidden or stats.count < THRESHOLD else stats.median


def equity_service_table(m: Metrics) -> Table:
    cells = [[row.referrals_made, row.referrals_connected, row.answer.count] for row in m.equity]
    rows, totals = _suppressed_rows(m, cells, row_totals=False)
    for row, source in zip(rows, m.equity, strict=True):
        row.append(_median_shown(source.answer, hidden=row[3] is SUPPRESSED))
    totals.append(None)
    return Table(
        slug="equity_service",
        columns=[
            Column(str(GROUPS[m.equity_group][0])),
            Column(_("Referrals made"), Kind.COUNT),
            Column(_("Referrals connected"), Kind.COUNT),
            Column(_("Calls answered"), Kind.COUNT),
            Column(_("Median time to answer"), Kind.DURATION),
        ],
        rows=rows,
        totals=totals,
        note=group_note(m),
    )


TABLES = {
    "diversion": diversion_table,
    "heard_from": heard_from_table,
    "equity_decisions": equity_decisions_table,
    "equity_outcomes": equity_outcomes_table,
    "equity_service": equity_service_table,
}
# Tables whose figures change with the chosen group (their CSV link carries it).
EQUITY_TABLES = frozenset({"equity_decisions", "equity_outcomes", "equity_service"})
