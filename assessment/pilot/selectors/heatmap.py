"""When contacts come: counts per local weekday and hour of the day, the heatmap of the
dashboard (`Metrics.heatmap`).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, IntegerField
from django.db.models.functions import Cast, ExtractHour, ExtractIsoWeekDay

from assessment.pilot.db import TimeBucket
from assessment.pilot.selectors.contacts import contacts
from assessment.pilot.selectors.periods import WEEKDAYS, Period, local_zone


def heatmap(period: Period) -> list[list[int]]:
    """Contacts per local weekday (rows, Monday first) and local hour (columns) of opening."""
    if connection.vendor == "postgresql":
        return _heatmap_from_buckets(period)
    zone = local_zone()
    grid = [[0] * 24 for _ in WEEKDAYS]
    slot = Cast(
        (ExtractIsoWeekDay("created_at", tzinfo=zone) - 1) * 24 + ExtractHour("created_at", tzinfo=zone),
        output_field=IntegerField(),
    )
    rows = contacts(period).annotate(_slot=slot).values_list("_slot").annotate(n=Count("pk")).order_by()
    for value, n in rows:
        grid[value // 24][value % 24] += n
    return grid


def _heatmap_from_buckets(period: Period) -> list[list[int]]:
    """PostgreSQL: count contacts per hour of absolute time (no per-row time-zone conversion),
    then place each hour in its local weekday and hour here. Exact when the zone's offsets are
    whole hours during the period (DST changes then fall on whole hours too); otherwise, as in
    Nepal or India, counted again in quarter-hours, which every offset in use divides."""
    zone = local_zone()
    for minutes in (60, 15):
        counts = (
            contacts(period)
            .annotate(_bucket=TimeBucket("created_at", minutes=minutes))
            .values_list("_bucket")
            .annotate(n=Count("pk"))
            .order_by()
        )
        grid = [[0] * 24 for _ in WEEKDAYS]
        exact = True
        for bucket, n in counts:
            local = bucket.astimezone(zone)
            if minutes == 60 and local.minute:
                exact = False
                break
            grid[local.weekday()][local.hour] += n
        if exact:
            return grid
    raise AssertionError("unreachable: quarter-hour buckets are always exact")
