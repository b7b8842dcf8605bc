from django.db import migrations
from django.utils.translation import gettext_noop

# The service taxonomy of the partner directory. Names are marked for translation so that
# ServiceType.__str__ shows them in Korean and Spanish; coordinators add more in the admin.
SERVICE_TYPES = (
    ("shelter", gettext_noop("Shelter")),
    ("mental-health", gettext_noop("Mental-health care")),
    ("substance-use", gettext_noop("Substance-use treatment")),
    ("harm-reduction", gettext_noop("Harm reduction")),
    ("food", gettext_noop("Food")),
    ("legal-aid", gettext_noop("Legal aid")),
    ("medical-clinic", gettext_noop("Medical clinic")),
    ("youth", gettext_noop("Youth services")),
    ("domestic-violence", gettext_noop("Domestic-violence support")),
    ("benefits-housing", gettext_noop("Benefits and housing navigation")),
    ("peer-support", gettext_noop("Peer support")),
    ("hygiene", gettext_noop("Hygiene (showers, laundry)")),
)


def seed(apps, schema_editor):
    ServiceType = apps.get_model("outreach", "ServiceType")
    for position, (slug, name) in enumerate(SERVICE_TYPES):
        ServiceType.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_directory_surveys_focus_groups_events_leads")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
