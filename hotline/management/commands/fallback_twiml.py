"""`manage.py fallback_twiml [--output PATH]`: the static TwiML for the number's voice fallback URL.

Dials FALLBACK_NUMBER (else says that nobody can answer), with the 911 safety line, in every
hotline language; it calls nothing back on this server, so it works when none of it runs.
Publish the file where Twilio can GET it without this server (a TwiML Bin, object storage)
and set that address as HOTLINE_VOICE_FALLBACK_URL, then run `manage.py twilio_configure`.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from hotline import twiml


class Command(BaseCommand):
    help = "Write the static fallback TwiML (dial FALLBACK_NUMBER, else a message) to a file or stdout."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        document = str(twiml.static_fallback())
        if not options["output"]:
            self.stdout.write(document)
            return
        path = Path(options["output"])
        path.write_text(document + "\n", encoding="utf-8")
        what = (
            f"dials {settings.FALLBACK_NUMBER}"
            if settings.FALLBACK_NUMBER
            else "has no FALLBACK_NUMBER to dial"
        )
        self.stderr.write(f"Wrote {path} ({what}); publish it and set HOTLINE_VOICE_FALLBACK_URL.")
