from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from retention.services import contacts_redact


class Command(BaseCommand):
    help = (
        "Remove caller numbers, message bodies, recordings and free-text notes from records older "
        "than DAYS days, keeping what the statistics need. Batched and safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            dest="days",
            type=int,
            default=None,
            metavar="DAYS",
            help="Retention period in days (default: settings.RETENTION_DAYS).",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, days, batch_size, **options):
        days = settings.RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = contacts_redact(older_than_days=days, batch_size=batch_size)
        for label, count in report.counts.items():
            self.stdout.write(f"{label}: {count} redacted")
        if report.failed:
            failed = "; ".join(f"{label}: {error}" for label, error in report.failed.items())
            raise CommandError(f"Steps failed (the others ran; run again once fixed): {failed}")
        self.stdout.write(
            self.style.SUCCESS(f"Done: records before {report.cutoff:%Y-%m-%d} hold no contact details.")
        )
