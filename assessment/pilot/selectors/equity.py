"""Equity: contacts, decisions, outcomes, answer times and referrals connected of the period,
by one group of the people served (their optional, consented demographics) or by area.

A person may choose several races or ethnicities: they count in each group they chose, so
that dimension's rows add up to more than the contacts. Contacts without an answer count in
"Not recorded". The dashboard hides small counts (`assessment.pilot.suppression`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from assessment.pilot.db import seconds_between
from assessment.pilot.selectors.durations import Stats, stats_by
from assessment.pilot.selectors.periods import Period
from dispatch.models import Decision, Incident, Referral
from hotline.models import AgeBand, Call, Gender, Housing, Intake, PreferredLanguage, RaceEthnicity
from volunteers.models import Area

NOT_RECORDED = ""
GROUPS = {
    "age_band": (_("Age"), AgeBand),
    "race_ethnicity": (_("Race and ethnicity"), RaceEthnicity),
    "language": (_("Preferred language"), PreferredLanguage),
    "gender": (_("Gender"), Gender),
    "housing": (_("Housing"), Housing),
    "area": (_("Area"), None),
}
DEFAULT_GROUP = "age_band"
NOT_TRIAGED = "not_triaged"
NO_OUTCOME = "pending"


def group_expression(group: str, intake_path: str = ""):
    """The value of `group` for the intake at `intake_path` ("" for an Intake queryset)."""
    prefix = f"{intake_path}__" if intake_path else ""
    if group == "area":
        return Coalesce(F(f"{prefix}triage__area_id"), F(f"{prefix}area_id"))
    return F(f"{prefix}demographics__{group}")


@dataclass
class EquityRow:
    key: str
    label: str
    contacts: int = 0
    decisions: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys([*Decision.values, NOT_TRIAGED], 0)
    )
    outcomes: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys([*Incident.Outcome.values, NO_OUTCOME], 0)
    )
    referrals_made: int = 0
    referrals_connected: int = 0
    answer: Stats = field(default_factory=Stats)


def _keys(group: str, value) -> list[str]:
    """The row keys one stored value counts in (several for a multiple choice)."""
    if group == "race_ethnicity":
        chosen = [str(item) for item in (value or [])]
        return chosen or [NOT_RECORDED]
    return [str(value) if value not in (None, "") else NOT_RECORDED]


def _rows(group: str) -> dict[str, EquityRow]:
    if group == "area":
        return {}
    choices = GROUPS[group][1]
    rows = {value: EquityRow(value, str(label)) for value, label in choices.choices}
    rows[NOT_RECORDED] = EquityRow(NOT_RECORDED, str(_("Not recorded")))
    return rows


def _row(rows: dict[str, EquityRow], key: str) -> EquityRow:
    if key not in rows:
        rows[key] = EquityRow(key, key)
    return rows[key]


def equity(period: Period, group: str) -> list[EquityRow]:
    """One row per group value (every choice listed, then "Not recorded")."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    rows = _rows(group)
    intakes = Intake.objects.filter(period.q("created_at"), period.source_q("source")).annotate(
        _group=group_expression(group)
    )
    grouped = (
        intakes.values_list(
            "_group", "triage__decision", "triage__incident__status", "triage__incident__outcome"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for value, decision, incident_status, outcome, n in grouped:
        for key in _keys(group, value):
            row = _row(rows, key)
            row.contacts += n
            row.decisions[decision if decision in Decision.values else NOT_TRIAGED] += n
            if incident_status is not None:
                row.outcomes[outcome if outcome in Incident.Outcome.values else NO_OUTCOME] += n
    referrals = (
        Referral.objects.filter(
            (period.q("triage__intake__created_at") & period.source_q("triage__intake__source"))
            | (
                period.q("incident__triage__intake__created_at")
                & period.source_q("incident__triage__intake__source")
            )
        )
        .annotate(
            _group=Coalesce(
                group_expression(group, "triage__intake"), group_expression(group, "incident__triage__intake")
            )
        )
        .values_list("_group")
        .annotate(made=Count("pk"), connected=Count("pk", filter=Q(status=Referral.Status.CONNECTED)))
        .order_by()
    )
    for value, made, connected in referrals:
        for key in _keys(group, value):
            row = _row(rows, key)
            row.referrals_made += made
            row.referrals_connected += connected
    answered = Call.objects.filter(
        period.q("started_at"),
        period.source_q("intake__source"),
        direction=Call.Direction.INBOUND,
        outcome=Call.Outcome.ANSWERED,
        answered_at__isnull=False,
        intake__isnull=False,
    ).annotate(_equity_group=group_expression(group, "intake"))
    if group == "race_ethnicity":
        # A multiple choice: the median of each group needs the group's own calls.
        for value, _label in RaceEthnicity.choices:
            stats = stats_by(
                answered.filter(intake__demographics__race_ethnicity__contains=[value]),
                group="direction",
                seconds=seconds_between("answered_at", "started_at"),
            )
            _row(rows, value).answer = next(iter(stats.values()), Stats())
        none = answered.filter(
            Q(intake__demographics__isnull=True) | Q(intake__demographics__race_ethnicity=[])
        )
        stats = stats_by(none, group="direction", seconds=seconds_between("answered_at", "started_at"))
        _row(rows, NOT_RECORDED).answer = next(iter(stats.values()), Stats())
    else:
        by_group = stats_by(
            answered, group="_equity_group", seconds=seconds_between("answered_at", "started_at")
        )
        for value, stats in by_group.items():
            _row(rows, _keys(group, value)[0]).answer = stats
    if group == "area":
        names = dict(Area.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "name"))
        for key, row in rows.items():
            row.label = names.get(int(key), key) if key else str(_("(area not recorded)"))
        ordered = sorted((row for key, row in rows.items() if key), key=lambda row: row.label)
        return ordered + ([rows[NOT_RECORDED]] if NOT_RECORDED in rows else [])
    return list(rows.values())
