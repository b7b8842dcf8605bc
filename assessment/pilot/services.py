"""State changes of the pilot dashboards: the pilot settings and the hotline's hours of operation.

The hours belong to the hotline (hotline.OperatingHours: the phones ring in them); the pilot's
coverage figures read the same rows, so the settings page edits them here, in one transaction
with the rest of the settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import PilotSettings
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
