"""`manage.py calls_reconcile [--hours 6]`: create the calls and voicemails Twilio has and the
database missed (each with an intake needing a call back). Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hotline.services import calls_reconcile


class Command(BaseCommand):
    help = "Compare the hotline's calls and voicemails of the last hours with Twilio's and fill the gaps."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=float, default=None, help="how far back (default HOTLINE_RECONCILE_HOURS)"
        )

    def handle(self, *args, **options):
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.HOTLINE_NUMBER):
            raise CommandError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and HOTLINE_NUMBER must be set")
        result = calls_reconcile(hours=options["hours"])
        for error in result.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"calls created {result.calls_created}, calls updated {result.calls_updated}, "
            f"voicemails stored {result.voicemails_stored}, still in progress {result.skipped_in_progress}"
        )
        if result.errors:
            raise CommandError("Twilio could not be asked")
