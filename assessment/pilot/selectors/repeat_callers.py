"""Repeat callers: numbers with 3 or more contacts within 30 days of the period, and the
contacts they made.

One query (`repeat_callers`); `Metrics.repeat_callers` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Value, When, Window
from django.db.models.functions import Lag
from django.db.models.lookups import GreaterThanOrEqual

from assessment.pilot.selectors.contacts import contacts
from assessment.pilot.selectors.periods import Period, share

REPEAT_CONTACTS = 3
REPEAT_WINDOW = timedelta(days=30)


@dataclass
class RepeatCallers:
    numbers: int = 0  # caller numbers with 3 or more contacts in some 30 days of the period
    contacts: int = 0  # all contacts of the period from those numbers
    total_contacts: int = 0

    @property
    def contacts_share(self) -> float | None:
        return share(self.contacts, self.total_contacts)


def repeat_callers(period: Period, *, total_contacts: int = 0) -> RepeatCallers:
    """Numbers with 3 or more contacts within 30 days (all inside the period), in one pass.

    A contact whose number had two more contacts in the 30 days before it marks the number:
    the contact two before it (LAG 2 by number) is at most 30 days older. Django writes the
    marking query; the two sums over the numbers around it are plain SQL any database runs.
    """
    two_before = Window(
        Lag("created_at", REPEAT_CONTACTS - 1), partition_by=F("caller"), order_by=F("created_at").asc()
    )
    window_start = ExpressionWrapper(F("created_at") - REPEAT_WINDOW, output_field=DateTimeField())
    marked = Case(When(GreaterThanOrEqual(two_before, window_start), then=Value(1)), default=Value(0))
    inner, params = (
        contacts(period)
        .exclude(caller="")
        .annotate(_marks=marked)
        .values_list("caller", "_marks")
        .order_by()
        .query.sql_with_params()
    )
    sql = (
        "SELECT COALESCE(SUM(marked), 0), COALESCE(SUM(marked * contacts), 0) FROM ("  # noqa: S608
        "SELECT COUNT(*) AS contacts, MAX(_marks) AS marked "
        f"FROM ({inner}) AS contact GROUP BY caller) AS per_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        numbers, repeat_contacts = cursor.fetchone()
    return RepeatCallers(numbers=int(numbers), contacts=int(repeat_contacts), total_contacts=total_contacts)
