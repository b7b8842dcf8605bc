"""Reading the audit trail."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEntry, AuditTarget


def audit_entries(
    *,
    subject: str = "",
    object_id: int | None = None,
    actor_id: int | None = None,
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first, filtered; `object_id` (with `subject`) finds single and bulk acts alike."""
    entries = AuditEntry.objects.select_related("actor")
    if subject:
        entries = entries.filter(subject=subject)
    if object_id is not None:
        touched = AuditTarget.objects.filter(object_id=object_id)
        if subject:
            touched = touched.filter(subject=subject)
        entries = entries.filter(pk__in=touched.values("entry_id"))
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    zone = timezone.get_current_timezone()
    if since:
        entries = entries.filter(at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        entries = entries.filter(at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone))
    return entries.order_by("-at", "-pk")


def audit_subjects() -> list[str]:
    return list(AuditEntry.objects.order_by("subject").values_list("subject", flat=True).distinct())
