"""A city's saved column mapping, which auto-detection uses for the city's next files."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.cfs import presets
from assessment.models import CfsCity, CfsColumnMapping


def _column_mapping_store(*, city: CfsCity, columns: dict[str, str], user) -> CfsColumnMapping:
    cleaned = {
        name: header.strip() for name, header in columns.items() if name in presets.FIELDS and header.strip()
    }
    if presets.missing_required(cleaned):
        raise ValidationError(
            _("A mapping needs the received time and a call type code or description column.")
        )
    mapping, _created = CfsColumnMapping.objects.update_or_create(
        city=city, defaults={"columns": cleaned, "updated_by": user, "updated_at": timezone.now()}
    )
    return mapping


def cfs_column_mapping_save(
    *, city: CfsCity, columns: dict[str, str], timezone_name: str, user
) -> CfsColumnMapping:
    """Save the city's column mapping (used by auto-detection for the city's next files)."""
    _zone_or_validation_error(timezone_name)
    with transaction.atomic():
        if timezone_name and timezone_name != city.timezone:
            city.timezone = timezone_name
            city.save(update_fields=["timezone"])
        return _column_mapping_store(city=city, columns=columns, user=user)


def _zone_or_validation_error(name: str) -> None:
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(name)s") % {"name": name}) from None
