"""The tables of volunteers: the roster and hours served, shift coverage, training."""

from __future__ import annotations

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from assessment.numbers import rounded
from assessment.pilot.selectors import ALL_ROLES, Metrics
from assessment.pilot.tables.layout import Column, Kind, Table, bar, percent
from volunteers.models import ShiftRole


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
