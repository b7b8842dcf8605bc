"""The monthly aggregate gained an `area` column (0009): recount it from the calls for datasets
imported before, so that the pilot-area filter narrows their call-type, category, priority and
month tables too. One GROUP BY per dataset (PostgreSQL); in Python elsewhere (SQLite)."""

from collections import defaultdict
from datetime import UTC
from zoneinfo import ZoneInfo

from django.db import migrations


def recount(apps, schema_editor):
    dataset_model = apps.get_model("assessment", "CfsDataset")
    slot_model = apps.get_model("assessment", "CfsSlotCount")
    period_model = apps.get_model("assessment", "CfsPeriodCount")
    call_model = apps.get_model("assessment", "CfsCall")
    connection = schema_editor.connection
    for dataset in dataset_model.objects.all():
        if not slot_model.objects.filter(dataset=dataset).exclude(area="").exists():
            continue  # no area in the file: nothing to split
        if period_model.objects.filter(dataset=dataset).exclude(area="").exists():
            continue
        period_model.objects.filter(dataset=dataset).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO assessment_cfsperiodcount"
                    " (dataset_id, call_type_id, month, priority, area, source_kind, calls)"
                    " SELECT dataset_id, call_type_id, date_trunc('month', received_at AT TIME ZONE %s)::date,"
                    " priority, area, source_kind, count(*) FROM assessment_cfscall WHERE dataset_id = %s"
                    " GROUP BY 1, 2, 3, 4, 5, 6",
                    [dataset.timezone, dataset.pk],
                )
            continue
        zone = ZoneInfo(dataset.timezone)
        counts = defaultdict(int)
        for type_id, received, priority, area, source in (
            call_model.objects.filter(dataset=dataset)
            .values_list("call_type_id", "received_at", "priority", "area", "source_kind")
            .iterator(chunk_size=5000)
        ):
            month = received.astimezone(UTC).astimezone(zone).date().replace(day=1)
            counts[(type_id, month, priority, area, source)] += 1
        period_model.objects.bulk_create(
            [
                period_model(
                    dataset=dataset, call_type_id=t, month=m, priority=p, area=a, source_kind=s, calls=n
                )
                for (t, m, p, a, s), n in counts.items()
            ],
            batch_size=1000,
        )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0009_cfs_map_grid_and_pilot_area_filter")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
