"""The tables of inbound calls: answering, time to answer, voicemails and callbacks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessment.pilot.selectors import ANSWER_TARGETS, Metrics, share
from assessment.pilot.tables.layout import Column, Kind, Table, _stats_row, bar, stats_columns
from hotline.models import Call


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
