"""`manage.py twilio_configure [--dry-run]`: point HOTLINE_NUMBER at this deployment.

Sets, through Twilio's REST API, the number's voice and SMS URLs and call status callback
(from PUBLIC_BASE_URL) and its fallback URLs (HOTLINE_VOICE_FALLBACK_URL,
HOTLINE_SMS_FALLBACK_URL), and prints what changed. Run it after each change of address.
"""

from django.core.management.base import BaseCommand, CommandError

from hotline.provisioning import ProvisioningError, number_configure


class Command(BaseCommand):
    help = "Set HOTLINE_NUMBER's webhook, status callback and fallback URLs at Twilio from the settings."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        try:
            changes = number_configure(dry_run=dry_run)
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        if not changes:
            self.stdout.write("The number is configured already; nothing changed.")
            return
        verb = "would change" if dry_run else "changed"
        for change in changes:
            self.stdout.write(f"{change.field}: {change.current or '(empty)'} -> {change.wanted} ({verb})")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"{len(changes)} setting(s) of the number changed."))
