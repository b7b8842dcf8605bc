from django.db import migrations

# The partnership map reports areas with no partner open around the clock for these services.
AROUND_THE_CLOCK = ("shelter", "mental-health")


def mark(apps, schema_editor):
    ServiceType = apps.get_model("outreach", "ServiceType")
    ServiceType.objects.filter(slug__in=AROUND_THE_CLOCK).update(needed_around_the_clock=True)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0004_partner_stages_agreements_contacts")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
