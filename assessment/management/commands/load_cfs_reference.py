"""manage.py load_cfs_reference [FILE]: (re)load the Vera Institute call-type mapping."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessment.cfs.reference import VERA_CSV, reference_load
from assessment.models import CfsCategory, CfsCity, CfsReferenceCallType
from assessment.services import cfs_call_types_suggest


class Command(BaseCommand):
    help = (
        "Load the Vera Institute mapping of call types to categories (the CSV shipped in "
        "assessment/data by default), replacing the loaded one, and refresh suggestions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            default=str(VERA_CSV),
            help="the CSV (City,Column_name,Field 1,Count,Category,...)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"File not found: {path}")
        try:
            with transaction.atomic():
                report = reference_load(CfsCategory, CfsReferenceCallType, path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {report.loaded} call types; skipped {report.blank_category} with a blank category "
                f"and {report.unknown_category} with an unknown one."
            )
        )
        for name in report.unknown_names:
            self.stdout.write(f"  unknown category: {name!r}")
        for city in CfsCity.objects.all():
            changed = cfs_call_types_suggest(city=city)
            self.stdout.write(f"{city}: {changed} call types got a new suggestion.")
