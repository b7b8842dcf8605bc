"""Police unit-hours avoided: each hotline call type's contacts handled without police, times
the police time on scene of the 911 calls it stands in for, and optionally their cost.

The police time per contact of a hotline call type comes, in this order, from
(`PoliceTimeMapping`, edited on the pilot's police-time page):
1. the mapped 911 call type's mean police unit-hours on scene in the pilot's chosen 911 dataset
   (`PilotSettings.police_time_dataset`; `assessment.selectors_scene_time`);
2. the mapped 911 category's (the mean over its call types' timed calls);
3. the mapping's own minutes per contact;
4. settings.PILOT_POLICE_MINUTES_DEFAULT (0: none; the call type is then left out and listed).

Folded from the contact slices (`contacts.contact_slices`: handled without police as
`outcomes.add_to_police_share` counts it, per call type) plus two small queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import get_language

from assessment.models import PilotSettings, PoliceTimeMapping
from assessment.pilot.selectors.contacts import Slice, split_by
from assessment.pilot.selectors.outcomes import WithoutPolice, add_to_police_share
from assessment.selectors_scene_time import scene_rows
from dispatch.models import CallType, pick_language

FROM_CALL_TYPE, FROM_CATEGORY, FROM_MINUTES, FROM_DEFAULT, UNKNOWN = (
    "911_call_type",
    "911_category",
    "minutes",
    "default",
    "unknown",
)


@dataclass
class PoliceTimeRow:
    call_type_id: int | None
    label: str
    without_police: int
    hours_per_contact: float | None  # police unit-hours per contact; None: unknown
    basis: str  # one of FROM_*
    basis_label: str = ""  # the 911 call type or category used

    @property
    def unit_hours(self) -> float | None:
        return None if self.hours_per_contact is None else self.without_police * self.hours_per_contact


@dataclass
class PoliceTime:
    rows: list[PoliceTimeRow] = field(default_factory=list)
    cost_per_unit_hour: Decimal | None = None
    dataset_name: str = ""

    @property
    def unit_hours(self) -> float:
        return sum(row.unit_hours or 0.0 for row in self.rows)

    @property
    def cost(self) -> float | None:
        return None if self.cost_per_unit_hour is None else self.unit_hours * float(self.cost_per_unit_hour)

    @property
    def contacts_without_time(self) -> int:
        return sum(row.without_police for row in self.rows if row.hours_per_contact is None)


def without_police_by_call_type(slices: list[Slice]) -> dict[int | None, int]:
    """Triaged contacts handled without police, per hotline call type."""
    per_type: dict[int | None, WithoutPolice] = {}
    for piece in split_by(slices, "decision", "call_type_id", "incident_outcome"):
        add_to_police_share(per_type.setdefault(piece.call_type_id, WithoutPolice()), piece)
    return {type_id: result.without_police for type_id, result in per_type.items() if result.without_police}


HoursPer911Type = tuple[dict[str, float], dict[int, float], str]


def hours_per_911_type(pilot: PilotSettings | None) -> HoursPer911Type:
    """Mean police unit-hours per timed call, by 911 call type key and by 911 category."""
    if pilot is None or pilot.police_time_dataset is None:
        return {}, {}, ""
    dataset = pilot.police_time_dataset
    by_key: dict[str, float] = {}
    by_category: dict[int, list[int]] = {}
    for row in scene_rows(dataset=dataset).values():
        if not row.calls:
            continue
        by_key[row.call_type.key] = row.unit_seconds / row.calls / 3600
        if row.call_type.category_id is not None:
            totals = by_category.setdefault(row.call_type.category_id, [0, 0])
            totals[0] += row.unit_seconds
            totals[1] += row.calls
    return (
        by_key,
        {category: seconds / calls / 3600 for category, (seconds, calls) in by_category.items()},
        dataset.name,
    )


def police_time(
    slices: list[Slice], pilot: PilotSettings | None, hours: HoursPer911Type | None = None
) -> PoliceTime:
    """`hours`: `hours_per_911_type(pilot)` when already read (the dashboard reads it alongside
    the contact slices)."""
    counts = without_police_by_call_type(slices)
    by_key, by_category, dataset_name = hours if hours is not None else hours_per_911_type(pilot)
    mappings = {
        m.hotline_call_type_id: m
        for m in PoliceTimeMapping.objects.filter(
            hotline_call_type_id__in=[k for k in counts if k]
        ).select_related("cfs_category")
    }
    language = pick_language(get_language())
    names = {
        pk: local or english
        for pk, english, local in CallType.objects.filter(pk__in=[k for k in counts if k]).values_list(
            "pk", "name_en", f"name_{language}"
        )
    }
    default_minutes = getattr(settings, "PILOT_POLICE_MINUTES_DEFAULT", 0)
    result = PoliceTime(
        cost_per_unit_hour=pilot.cost_per_unit_hour if pilot is not None else None, dataset_name=dataset_name
    )
    for type_id, contacts in counts.items():
        mapping = mappings.get(type_id)
        hours, basis, basis_label = None, UNKNOWN, ""
        if mapping is not None and mapping.cfs_call_type_key and mapping.cfs_call_type_key in by_key:
            hours, basis, basis_label = (
                by_key[mapping.cfs_call_type_key],
                FROM_CALL_TYPE,
                mapping.cfs_call_type_key,
            )
        elif mapping is not None and mapping.cfs_category_id in by_category:
            hours, basis, basis_label = (
                by_category[mapping.cfs_category_id],
                FROM_CATEGORY,
                mapping.cfs_category.name,
            )
        elif mapping is not None and mapping.minutes:
            hours, basis = mapping.minutes / 60, FROM_MINUTES
        elif default_minutes:
            hours, basis = default_minutes / 60, FROM_DEFAULT
        result.rows.append(
            PoliceTimeRow(
                call_type_id=type_id,
                label=names.get(type_id, "") if type_id else "",
                without_police=contacts,
                hours_per_contact=hours,
                basis=basis,
                basis_label=basis_label,
            )
        )
    result.rows.sort(key=lambda row: (-(row.unit_hours or 0.0), -row.without_police, row.label))
    return result
