"""Responders' signed links were stored whole in the trail's page column, and still opened the
responder's page: replace the token part of every stored one (new entries are redacted when
recorded, audit.labels.redact_path)."""

import re

from django.db import migrations

BATCH = 2000
SIGNED_LINK = re.compile(r"^(/dispatch/r/)([^/]+)(/.*)?$")
REDACTED = "[token]"


def redact_tokens(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    links = (
        AuditEntry.objects.filter(path__startswith="/dispatch/r/")
        .exclude(path__startswith=f"/dispatch/r/{REDACTED}/")
        .order_by("pk")
        .values_list("pk", "path")
    )
    last = 0
    while True:  # batches by primary key: no long transaction over a large trail
        batch = list(links.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1][0]
        changed = []
        for pk, path in batch:
            match = SIGNED_LINK.match(path)
            if match:
                changed.append(AuditEntry(pk=pk, path=f"{match[1]}{REDACTED}{match[3] or ''}"))
        AuditEntry.objects.bulk_update(changed, ["path"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0002_copy_intake_views")]

    operations = [migrations.RunPython(redact_tokens, migrations.RunPython.noop)]
