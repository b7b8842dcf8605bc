from django.db import migrations

# The hotline's own languages; coordinators add others volunteers speak in the admin.
LANGUAGES = (("en", "English"), ("ko", "한국어 (Korean)"), ("es", "Español (Spanish)"))


def seed(apps, schema_editor):
    Language = apps.get_model("volunteers", "Language")
    for code, name in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_area_language")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
