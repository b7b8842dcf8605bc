"""Carry the dispatch app's intake-view log (IntakeView) into the audit trail before it goes."""

from django.db import migrations

BATCH = 2000


def copy_intake_views(apps, schema_editor):
    IntakeView = apps.get_model("dispatch", "IntakeView")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditTarget = apps.get_model("audit", "AuditTarget")
    views = IntakeView.objects.order_by("pk").values_list("pk", "intake_id", "user_id", "viewed_at", "path")
    last = 0
    while True:
        batch = list(views.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1][0]
        entries = AuditEntry.objects.bulk_create(
            AuditEntry(
                at=viewed_at,
                actor_id=user_id,
                action="viewed",
                what="intake page",
                subject="hotline.intake",
                targets_count=1,
                object_id=intake_id,
                fields=[],
                path=path,
            )
            for _pk, intake_id, user_id, viewed_at, path in batch
        )
        AuditTarget.objects.bulk_create(
            AuditTarget(entry_id=entry.pk, subject="hotline.intake", object_id=entry.object_id)
            for entry in entries
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_trail"),
        ("dispatch", "0002_seed_call_types_and_protocol"),
    ]

    operations = [migrations.RunPython(copy_intake_views, migrations.RunPython.noop)]
