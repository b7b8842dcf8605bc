"""The key figures, and the tables of contacts: channels, sources, decisions, call types, repeat callers."""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessment.pilot.selectors import ALL_ROLES, ANSWER_TARGETS, NOT_TRIAGED, UNDECIDED, Metrics, share
from assessment.pilot.tables.layout import Column, Kind, Table, Typed, bar
from dispatch.models import Decision
from hotline.models import Intake


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
