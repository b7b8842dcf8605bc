"""Seed the call-type taxonomy and load the Vera Institute call-type mapping (3,227 rows)."""

from django.db import migrations


def load(apps, schema_editor):
    from assessment.cfs.reference import reference_load

    reference_load(
        apps.get_model("assessment", "CfsCategory"), apps.get_model("assessment", "CfsReferenceCallType")
    )


def unload(apps, schema_editor):
    apps.get_model("assessment", "CfsReferenceCallType").objects.filter(source="vera").delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_cfs_models")]

    operations = [migrations.RunPython(load, unload)]
