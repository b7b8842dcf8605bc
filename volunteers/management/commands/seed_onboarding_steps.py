"""`manage.py seed_onboarding_steps`: the default dispatcher and responder checklists."""

from django.core.management.base import BaseCommand

from volunteers.services import onboarding_steps_seed


class Command(BaseCommand):
    help = (
        "Create the default onboarding checklists (background check, orientation, required modules, "
        "two shadow shifts, first solo shift) for roles that have none yet."
    )

    def handle(self, *args, **options):
        created = onboarding_steps_seed()
        self.stdout.write(f"{created} onboarding steps created.")
