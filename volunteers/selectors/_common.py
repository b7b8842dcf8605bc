"""Helpers the selectors share: a checked aware moment, and matching a slug in a JSON list."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValueError("`at` must be a timezone-aware datetime")
    return at


def json_list_contains(field: str, value: str) -> Q:
    """Q for "the JSON list of slugs in `field` contains `value`", portable to SQLite.

    Slugs never contain quotes, so matching the quoted value in the JSON text is exact.
    """
    return Q(**{f"{field}__icontains": f'"{value}"'})
