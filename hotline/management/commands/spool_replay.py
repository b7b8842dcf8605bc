"""`manage.py spool_replay`: store what the webhooks spooled while the database was away.

Runs on each web host (the spool is on its disk); the Celery beat task does the same every
minute where the worker shares the web host's disk. Safe to run at any time, any number of
times: each record is stored once per Twilio sid.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from hotline import spool
from hotline.services import spool_replay


class Command(BaseCommand):
    help = "Store the voicemails, recordings and texts spooled while the database was away."

    def handle(self, *args, **options):
        pending = spool.spool_pending()
        try:
            result = spool_replay()
        except DatabaseError as exc:
            raise CommandError(f"the database is still failing ({exc}); the spool is kept") from exc
        if result.busy:
            raise CommandError("another replay is running on this host")
        self.stdout.write(
            f"{result.stored} record(s) stored from {result.batches} batch(es); "
            f"{pending} were waiting, {spool.spool_pending()} left"
        )
