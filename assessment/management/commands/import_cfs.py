"""manage.py import_cfs FILE.csv [--preset NAME|auto] [--lookup CODES.csv] [--dataset NAME] [--replace]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.cfs import presets
from assessment.services import CfsImportError, cfs_dataset_import


class Command(BaseCommand):
    help = (
        "Import a 911 calls-for-service CSV export as one dataset (all or nothing). Prints the "
        "column mapping chosen, the counts, the bad rows with their line numbers and the time taken."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV export (plain or .gz)")
        parser.add_argument(
            "--preset",
            default="auto",
            help=f"column mapping: auto (default) or one of {', '.join(sorted(presets.PRESETS))}",
        )
        parser.add_argument("--lookup", help="a CSV of call type codes and their descriptions")
        parser.add_argument("--dataset", help="dataset name (default: the file name)")
        parser.add_argument("--city", default="", help="city (default: the preset's city)")
        parser.add_argument("--timezone", default="", help="time zone of naive times, e.g. America/Chicago")
        parser.add_argument(
            "--replace", action="store_true", help="replace the dataset of that name atomically"
        )
        parser.add_argument(
            "--max-bad-share",
            type=float,
            default=None,
            help="fail when more than this share of rows is unreadable (default 0.5)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if options["preset"] != "auto" and options["preset"] not in presets.PRESETS:
            raise CommandError(
                f"Unknown preset {options['preset']!r}. Presets: auto, {', '.join(sorted(presets.PRESETS))}."
            )
        name = options["dataset"] or path.name.removesuffix(".gz").removesuffix(".csv")
        try:
            result = cfs_dataset_import(
                path=path,
                dataset_name=name,
                city_name=options["city"],
                preset=options["preset"],
                lookup_path=options["lookup"],
                timezone_name=options["timezone"],
                replace=options["replace"],
                max_bad_share=options["max_bad_share"],
            )
        except CfsImportError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc

        out = self.stdout
        mapping = result.mapping
        out.write(f"Mapping: {mapping.source}")
        for note in mapping.notes:
            out.write(f"  note: {note}")
        for field_name in presets.FIELDS:
            header = result.dataset.column_mapping.get(field_name)
            label = str(presets.FIELD_LABELS[field_name])
            out.write(f"  {label:<40} <- {header!r}" if header else f"  {label:<40}    (not in the file)")
        if mapping.explanations:
            out.write("Why these columns:")
            for item in mapping.explanations:
                label = str(presets.FIELD_LABELS[item["field"]])
                out.write(f"  {label} <- {item['header']!r}: {item['why']} ({item['confidence']} confidence)")
        for warning in result.report.get("warnings", []):
            out.write(self.style.WARNING(f"Warning: {warning}"))
        lookup = result.report.get("lookup")
        if lookup:
            out.write(
                f"Lookup: {lookup['codes_matched']:,} of the file's {lookup['codes_in_file']:,} codes found in "
                f"the lookup table ({lookup['lookup_codes']:,} codes), {lookup['calls_matched']:,} of "
                f"{lookup['calls_with_code']:,} calls"
            )
            if lookup["unmatched"]:
                out.write(f"  codes not in the lookup, by calls ({lookup['unmatched_codes']:,} in all):")
                for code, calls in lookup["unmatched"]:
                    out.write(f"    {code:<20} {calls:>10,}")
        scene = result.report.get("scene_time")
        if scene:
            out.write(
                f"Time on scene: {scene['timed']:,} calls timed; dropped {scene['negative']:,} negative and "
                f"{scene['too_long']:,} over 24 h; units: "
                + ("from the units column" if scene["units_column"] else "1 per call (no units column)")
            )
        out.write(f"City: {mapping.city}   time zone: {mapping.timezone}")
        verb = "Replaced" if result.replaced else "Imported"
        out.write(
            self.style.SUCCESS(
                f"{verb} dataset {result.dataset.name!r}: {result.rows_imported:,} calls, "
                f"{result.bad_row_count:,} bad rows, {result.blank_lines:,} blank lines, "
                f"{result.new_call_types:,} new call types, in {result.elapsed:.2f} s"
            )
        )
        if result.bad_row_count:
            out.write(
                self.style.WARNING(f"Bad rows (first {len(result.bad_rows)} of {result.bad_row_count:,}):")
            )
            for line, reason in result.bad_rows:
                out.write(f"  line {line}: {reason}")
