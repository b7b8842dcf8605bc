"""What became of the contacts: response times, outcomes, referrals, police, transfers."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.numbers import decimal_text
from assessment.pilot.selectors import RESPONSE_STEPS, Metrics, share
from assessment.pilot.tables.layout import Column, Kind, Table, Typed, _stats_row, bar, minutes, stats_columns
from dispatch.models import Incident

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
