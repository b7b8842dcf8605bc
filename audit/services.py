"""Writing the audit trail. Every act on caller records goes through `audit_record`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction

from audit.labels import redact_path
from audit.models import AuditEntry, AuditTarget

Action = AuditEntry.Action
BATCH_SIZE = 1000


def subject_of(model: type[models.Model] | models.Model) -> str:
    """The subject stored for a model: its lower-case label, e.g. "hotline.intake"."""
    return model._meta.label_lower


def audit_record(
    *,
    action: str,
    subject: type[models.Model] | str,
    ids: Iterable[int],
    what: str,
    actor=None,
    actor_label: str = "",
    fields: Iterable[str] = (),
    path: str = "",
) -> AuditEntry:
    """Record that `actor` (a user; anonymous counts as none) or `actor_label` (a system job, a
    signed link) did `action` to the records `ids` of `subject`. One entry, one target per id,
    written in one transaction (inside the caller's, when there is one)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is None and not actor_label:
        raise ValueError("An audit entry needs a user or an actor label.")
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    subject = subject if isinstance(subject, str) else subject_of(subject)
    object_ids = sorted({int(pk) for pk in ids})
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            actor=actor,
            actor_label=actor_label[:120],
            action=action,
            what=what[:120],
            subject=subject,
            targets_count=len(object_ids),
            object_id=object_ids[0] if len(object_ids) == 1 else None,
            fields=sorted(set(fields)),
            path=redact_path(path)[:200],
        )
        AuditTarget.objects.bulk_create(
            (AuditTarget(entry=entry, subject=subject, object_id=pk) for pk in object_ids),
            batch_size=BATCH_SIZE,
        )
    return entry
