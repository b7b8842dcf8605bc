"""State changes of the pilot dashboards: the pilot settings and the hotline's hours of operation.

The hours belong to the hotline (hotline.OperatingHours: the phones ring in them); the pilot's
coverage figures read the same rows, so the settings page edits them here, in one transaction
with the rest of the settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import CfsCallType, CfsCategory, CfsDataset, PilotSettings, PoliceTimeMapping
from hotline.models import OperatingHours
from volunteers.models import Area


@dataclass(frozen=True)
class HoursInput:
    weekday: int  # 0 = Monday
    opens: time
    closes: time  # at or before `opens`: runs into the next day


def pilot_settings_save(
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    service_areas: Iterable[Area],
    min_dispatchers: int,
    min_responders: int,
    hours: list[HoursInput] | None = None,
    by=None,
) -> PilotSettings:
    """Create or update the pilot; with `hours`, replace the hotline's hours of operation
    (an empty list means open around the clock)."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the pilot a name."))
    if ends_on < starts_on:
        raise ValidationError(_("The last day must not be before the first."))
    if min_dispatchers < 0 or min_responders < 0:
        raise ValidationError(_("Staffing targets cannot be negative."))
    if hours is not None:
        openings = [(row.weekday, row.opens) for row in hours]
        if len(set(openings)) != len(openings):
            raise ValidationError(_("Two rows open on the same day at the same time."))
        if any(not 0 <= row.weekday <= 6 for row in hours):
            raise ValidationError(_("Unknown weekday."))
    with transaction.atomic():
        pilot, _created = PilotSettings.objects.update_or_create(
            pk=PilotSettings.SINGLETON_PK,
            defaults={
                "name": name,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "min_dispatchers": min_dispatchers,
                "min_responders": min_responders,
                "updated_at": timezone.now(),
                "updated_by": by,
            },
        )
        pilot.service_areas.set(list(service_areas))
        if hours is not None:
            OperatingHours.objects.all().delete()
            OperatingHours.objects.bulk_create(
                OperatingHours(weekday=row.weekday, opens=row.opens, closes=row.closes) for row in hours
            )
    return pilot


def police_time_settings_save(
    *,
    dataset: CfsDataset | None,
    cost_per_unit_hour: Decimal | None,
    mappings: dict[int, tuple[str, CfsCategory | None, int | None]],
    by=None,
) -> PilotSettings:
    """The 911 dataset and cost behind "police unit-hours avoided", and each hotline call type's
    mapping ({hotline call type id: (911 call type key, 911 category, minutes)}; all empty: none)."""
    pilot = PilotSettings.objects.filter(pk=PilotSettings.SINGLETON_PK).first()
    if pilot is None:
        raise ValidationError(_("Save the pilot settings first."))
    if cost_per_unit_hour is not None and cost_per_unit_hour < 0:
        raise ValidationError(_("The cost cannot be negative."))
    keys = {key for key, _category, _minutes in mappings.values() if key}
    if keys:
        if dataset is None:
            raise ValidationError(_("Choose the 911 dataset the call types are mapped to."))
        known = set(
            CfsCallType.objects.filter(city_id=dataset.city_id, key__in=keys).values_list("key", flat=True)
        )
        if keys - known:
            raise ValidationError(
                _("Not a call type of the dataset's city: %(keys)s")
                % {"keys": ", ".join(sorted(keys - known))}
            )
    with transaction.atomic():
        pilot.police_time_dataset = dataset
        pilot.cost_per_unit_hour = cost_per_unit_hour
        pilot.updated_at = timezone.now()
        pilot.updated_by = by
        pilot.save(update_fields=["police_time_dataset", "cost_per_unit_hour", "updated_at", "updated_by"])
        PoliceTimeMapping.objects.all().delete()
        PoliceTimeMapping.objects.bulk_create(
            PoliceTimeMapping(
                hotline_call_type_id=type_id, cfs_call_type_key=key, cfs_category=category, minutes=minutes
            )
            for type_id, (key, category, minutes) in mappings.items()
            if key or category or minutes
        )
    return pilot
