"""The intake-view log moved to the audit trail (audit.0002 copied its rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0002_seed_call_types_and_protocol"),
        ("audit", "0002_copy_intake_views"),
    ]

    operations = [
        migrations.DeleteModel(
            name="IntakeView",
        ),
    ]
