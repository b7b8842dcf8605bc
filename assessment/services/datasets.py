"""Importing a 911 calls-for-service file as one dataset, all or nothing; deleting a dataset."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from assessment import map_services
from assessment.cfs import fastload, parsing, presets
from assessment.cfs.loader import Staging
from assessment.cfs.parsing import CfsFileError
from assessment.cfs.presets import MappingChoice
from assessment.models import CfsCallType, CfsCity, CfsColumnMapping, CfsDataset
from assessment.services.call_types import cfs_call_types_suggest
from assessment.services.column_mappings import _column_mapping_store
from assessment.services.import_reports import _import_report, _scene_report

logger = logging.getLogger(__name__)

CfsImportError = CfsFileError

DEFAULT_CITY = "Local"


def max_bad_row_share() -> float:
    """Above this share of unreadable rows an import fails: it almost always means a wrong
    column or time format was chosen, and a half-read dataset would mislead the analysis."""
    return float(getattr(settings, "CFS_MAX_BAD_ROW_SHARE", 0.5))


@dataclass
class CfsImportResult:
    dataset: CfsDataset
    mapping: MappingChoice
    rows_imported: int
    bad_row_count: int
    bad_rows: list[tuple[int, str]]
    blank_lines: int
    new_call_types: int
    replaced: bool
    elapsed: float
    timings: dict[str, float] = field(default_factory=dict)
    report: dict = field(default_factory=dict)  # CfsDataset.import_report


# progress(phase, rows_read, bytes_read)
ImportProgress = Callable[[str, int, int], None]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CfsImportError(f"Unknown time zone {name!r}; use a name such as America/Chicago.") from None


def cfs_mapping_detect(
    *, path: str | Path, preset: str = "auto", city_name: str = "", lookup: dict[str, str] | None = None
) -> tuple[list[str], list[list[str]], MappingChoice]:
    """Read the header and first rows, and choose a mapping (for previews and imports). With a
    lookup table, detection takes the column holding its codes for the call type code."""
    opened = parsing.open_csv(path)
    try:
        sample = parsing.read_sample(opened)
    finally:
        opened.close()
    custom_columns: dict[str, str] | None = None
    custom_city = custom_timezone = ""
    if city_name:
        saved = CfsColumnMapping.objects.filter(city__name=city_name).select_related("city").first()
        if saved is not None:
            custom_columns, custom_city, custom_timezone = saved.columns, saved.city.name, saved.city.timezone
    choice = parsing.choose_mapping(
        opened.headers,
        sample,
        preset_name=preset or "auto",
        custom_columns=custom_columns,
        custom_city=custom_city,
        custom_timezone=custom_timezone,
        lookup=lookup,
    )
    return opened.headers, [row for _line, row in sample[:5]], choice


def _check_columns(headers: list[str], choice: MappingChoice) -> dict[str, int]:
    positions, absent = presets.resolve_columns(choice.columns, headers)
    found = {name: header for name, header in choice.columns.items() if name in positions}
    if presets.missing_required(found):
        raise parsing.missing_fields_error(headers, found)
    for header in absent:
        choice.notes.append(f'column "{header}" is not in this file; ignored')
    if presets.CLEARED in positions and not {presets.ARRIVED, presets.DISPATCHED} & set(positions):
        positions.pop(presets.CLEARED)
        choice.notes.append("a clear time needs an arrival or a dispatch time; time on scene ignored")
    if presets.RECEIVED_TIME in positions and presets.RECEIVED not in positions:
        positions.pop(presets.RECEIVED_TIME)
    if (presets.LATITUDE in positions) != (presets.LONGITUDE in positions):
        positions.pop(presets.LATITUDE, None)
        positions.pop(presets.LONGITUDE, None)
        choice.notes.append("latitude and longitude must both be mapped; coordinates ignored")
    return positions


def _dataset_for_import(*, name: str, city: CfsCity, replace: bool, user) -> tuple[CfsDataset, bool]:
    existing = CfsDataset.objects.select_for_update().filter(name=name).first()
    if existing is not None:
        if not replace:
            raise CfsImportError(
                f"A dataset named {name!r} already exists. Choose another name, or replace it "
                "(--replace on the command line)."
            )
        # Old rows go in the same transaction as the new ones arrive: readers see the old
        # dataset until the commit, then the new one; a failure leaves the old one intact.
        _delete_bulk_rows(existing.pk)
        existing.city = city
        return existing, True
    try:
        with transaction.atomic():
            dataset = CfsDataset.objects.create(
                name=name, city=city, timezone=city.timezone, imported_by=user
            )
    except IntegrityError:
        raise CfsImportError(
            f"A dataset named {name!r} is being imported by someone else right now."
        ) from None
    return dataset, False


def _upsert_call_types(city: CfsCity, seen: dict[str, parsing.CallTypeSeen]) -> list[CfsCallType]:
    """Create the city's new call types; fill descriptions that were blank. Returns the new ones."""
    existing = {
        call_type.key: call_type for call_type in CfsCallType.objects.filter(city=city, key__in=list(seen))
    }
    new = [
        CfsCallType(city=city, key=key, code=item.code, description=item.description)
        for key, item in seen.items()
        if key not in existing
    ]
    CfsCallType.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    improved = []
    for key, call_type in existing.items():
        description = seen[key].description
        if len(description) > len(call_type.description):
            call_type.description = description
            improved.append(call_type)
    CfsCallType.objects.bulk_update(improved, ["description"], batch_size=1000)
    return new


def cfs_dataset_import(
    *,
    path: str | Path,
    dataset_name: str,
    city_name: str = "",
    preset: str = "auto",
    columns: dict[str, str] | None = None,
    lookup_path: str | Path | None = None,
    timezone_name: str = "",
    replace: bool = False,
    user=None,
    source_name: str = "",
    save_mapping: bool = False,
    max_bad_share: float | None = None,
    progress: ImportProgress | None = None,
    mapping_source: str = "manual",
) -> CfsImportResult:
    """Import a calls-for-service CSV as one dataset, all or nothing.

    `columns` (field -> header) overrides the preset and auto-detection; `mapping_source` then
    says how those columns were chosen (an upload's job passes on what it detected). Raises CfsImportError
    with a message for the person importing; the database is then unchanged.
    """
    started = time.perf_counter()
    dataset_name = dataset_name.strip()
    if not dataset_name:
        raise CfsImportError("The dataset needs a name.")
    city_name = " ".join(city_name.split())
    lookup = parsing.read_lookup(lookup_path) if lookup_path else None
    if columns:
        opened_headers, sample, _auto = cfs_mapping_detect(
            path=path, preset="auto", city_name=city_name, lookup=lookup
        )
        choice = MappingChoice(
            columns={k: v for k, v in columns.items() if v}, source=mapping_source or "manual"
        )
    else:
        opened_headers, sample, choice = cfs_mapping_detect(
            path=path, preset=preset, city_name=city_name, lookup=lookup
        )
    positions = _check_columns(opened_headers, choice)
    city_name = city_name or choice.city or DEFAULT_CITY
    existing_city = CfsCity.objects.filter(name=city_name).first()
    zone_name = (
        timezone_name
        or choice.timezone
        or (existing_city.timezone if existing_city else "")
        or settings.TIME_ZONE
    )
    zone = _zone(zone_name)
    limit = max_bad_row_share() if max_bad_share is None else max_bad_share
    report = progress or (lambda phase, rows, done: None)

    opened = parsing.open_csv(path)
    try:
        if opened.headers != opened_headers:
            raise CfsImportError("The file changed while it was being read; try again.")
        normalizer = parsing.RowNormalizer(positions=positions, zone=zone, lookup=lookup)
        with transaction.atomic():
            city, _created = CfsCity.objects.get_or_create(name=city_name, defaults={"timezone": zone_name})
            dataset, replaced = _dataset_for_import(name=dataset_name, city=city, replace=replace, user=user)
            fast = None
            if fastload.usable(positions, sample):
                fast, opened, normalizer = _import_fast(
                    path=path,
                    opened=opened,
                    positions=positions,
                    normalizer=normalizer,
                    lookup=lookup,
                    zone_name=zone_name,
                    dataset=dataset,
                    city=city,
                    limit=limit,
                    report=report,
                )
            if fast is not None:
                inserted, new_types, timings = fast.inserted, fast.new_call_types, fast.timings
            else:
                staging = Staging(zone_name=zone_name, zone=zone)
                staging.create()
                staging.fill(
                    lambda copy_text: normalizer.rows(
                        opened.reader, line_offset=opened.header_line, copy_text=copy_text
                    ),
                    lambda phase, rows: report(phase, rows, opened.bytes_read()),
                )
                report("loading", normalizer.data_rows, opened.bytes_read())
                _check_bad_share(normalizer, limit)
                new_types = _upsert_call_types(city, normalizer.call_types)
                inserted = staging.move_into(dataset_id=dataset.pk, city_id=city.pk)
                if inserted != normalizer.good_rows:
                    raise CfsImportError(
                        f"Internal error: {normalizer.good_rows} rows read but {inserted} stored; nothing was imported."
                    )
                staging.aggregate_into(dataset_id=dataset.pk, city_id=city.pk)
                staging.drop()
                timings = staging.timings
            dataset.source_name = (source_name or Path(path).name)[:255]
            dataset.mapping_source = choice.source[:120]
            dataset.column_mapping = {name: choice.columns[name] for name in positions}
            dataset.timezone = zone_name
            dataset.row_count = inserted
            dataset.bad_row_count = normalizer.bad.total
            dataset.bad_rows = [list(item) for item in normalizer.bad.first]
            dataset.blank_line_count = normalizer.blank_lines
            dataset.first_received_at = (
                normalizer.first_local.replace(tzinfo=zone) if normalizer.first_local else None
            )
            dataset.last_received_at = (
                normalizer.last_local.replace(tzinfo=zone) if normalizer.last_local else None
            )
            dataset.imported_at = timezone.now()
            dataset.imported_by = user
            dataset.elapsed_seconds = round(time.perf_counter() - started, 3)
            dataset.import_report = _import_report(dataset=dataset, choice=choice, lookup=lookup)
            if presets.CLEARED in positions:
                dataset.import_report["scene_time"] = _scene_report(normalizer, positions)
            dataset.save()
            cfs_call_types_suggest(city=city)
            transaction.on_commit(_analyze_aggregates)
            if save_mapping:
                _column_mapping_store(city=city, columns=dataset.column_mapping, user=user)
    finally:
        opened.close()
    elapsed = time.perf_counter() - started
    if dataset.elapsed_seconds != round(elapsed, 3):
        CfsDataset.objects.filter(pk=dataset.pk).update(elapsed_seconds=round(elapsed, 3))
        dataset.elapsed_seconds = round(elapsed, 3)
    choice.city = city.name
    choice.timezone = zone_name
    return CfsImportResult(
        dataset=dataset,
        mapping=choice,
        rows_imported=inserted,
        bad_row_count=normalizer.bad.total,
        bad_rows=list(normalizer.bad.first),
        blank_lines=normalizer.blank_lines,
        new_call_types=len(new_types),
        replaced=replaced,
        elapsed=elapsed,
        timings=timings,
        report=dataset.import_report,
    )


def _analyze_aggregates() -> None:
    """Fresh statistics for the pre-aggregated tables once an import is committed. Without them
    the planner takes a dataset's 200,000 slot rows (10 M calls) for a few hundred, sorts them on
    disk instead of hashing, and the analysis page took 1.9 s instead of 0.5 s; autovacuum's own
    ANALYZE comes minutes later. Outside the import's transaction: ANALYZE's lock would make a
    concurrent import wait for this one's commit."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE assessment_cfsslotcount, assessment_cfsperiodcount, assessment_cfsdispositioncount,"
                " assessment_cfsscenetimecount, assessment_cfscalltype"
            )
    except DatabaseError:  # only the page's speed depends on it
        logger.warning("statistics of the 911 aggregates not refreshed", exc_info=True)


def _import_fast(
    *, path, opened, positions, normalizer, lookup, zone_name, dataset, city, limit, report
) -> tuple[fastload.FastResult | None, parsing.OpenedCsv, parsing.RowNormalizer]:
    """The PostgreSQL fast path, in a savepoint. When the file needs the Python path, everything
    it did is rolled back and the file is opened again for the Python path."""
    loader = fastload.FastLoader(
        opened=opened, positions=positions, normalizer=normalizer, zone_name=zone_name
    )
    try:
        with transaction.atomic():
            result = loader.run(
                dataset_id=dataset.pk,
                city=city,
                upsert_call_types=_upsert_call_types,
                progress=lambda phase, rows: report(phase, rows, opened.bytes_read()),
            )
            _check_bad_share(normalizer, limit)
    except fastload.FastPathUnavailable as exc:
        logger.info("cfs import of %s: Python path (%s)", path, exc)
        opened.close()
        opened = parsing.open_csv(path)
        normalizer = parsing.RowNormalizer(positions=positions, zone=normalizer.zone, lookup=lookup)
        return None, opened, normalizer
    return result, opened, normalizer


def _check_bad_share(normalizer: parsing.RowNormalizer, limit: float) -> None:
    bad, total = normalizer.bad.total, normalizer.data_rows
    if total == 0:
        raise CfsImportError("The file has a header but no data rows.")
    first = "; ".join(f"line {line}: {reason}" for line, reason in normalizer.bad.first[:5])
    if normalizer.good_rows == 0:
        raise CfsImportError(f"No row could be read ({bad} bad rows). First bad rows: {first}.")
    if bad / total > limit:
        raise CfsImportError(
            f"{bad} of {total} rows ({bad / total:.0%}) could not be read, more than the {limit:.0%} "
            f"allowed: the time column or its format is probably wrong. First bad rows: {first}."
        )


def _delete_bulk_rows(dataset_id: int) -> None:
    """Delete a dataset's calls and aggregates with one statement each. The ORM's cascade would
    too, unless a signal receiver made it load every row into memory first."""
    with connection.cursor() as cursor:
        for table in (
            "assessment_cfscall",
            "assessment_cfsslotcount",
            "assessment_cfsperiodcount",
            "assessment_cfsdispositioncount",
            "assessment_cfsscenetimecount",
            "assessment_cfscellcount",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE dataset_id = %s", [dataset_id])  # noqa: S608 - fixed names
    map_services.forget_aggregates(dataset_id)  # the grid and the boundaries' calls are recomputed on demand


def cfs_dataset_delete(*, dataset: CfsDataset) -> None:
    with transaction.atomic():
        _delete_bulk_rows(dataset.pk)
        dataset.delete()
