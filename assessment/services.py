"""Services of the assessment app: importing 911 calls for service, classifying call types,
column mappings and upload jobs. Each service owns its transaction."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import map_services
from assessment.cfs import fastload, limits, parsing, presets, scene
from assessment.cfs.loader import Staging
from assessment.cfs.parsing import CfsFileError
from assessment.cfs.presets import MappingChoice
from assessment.cfs.suggestions import ReferenceEntry, ReferenceIndex, suggest
from assessment.models import (
    CfsCallType,
    CfsCategory,
    CfsCity,
    CfsColumnMapping,
    CfsDataset,
    CfsImportJob,
    CfsPeriodCount,
    CfsReferenceCallType,
    CfsSlotCount,
    Divertibility,
)

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


UNMATCHED_CODES_KEPT = 30


def _scene_report(normalizer: parsing.RowNormalizer, positions: dict[str, int]) -> dict:
    """Calls with a time on scene, the durations dropped, and whether units were counted."""
    return {
        "timed": normalizer.scene["timed"],
        "negative": normalizer.scene[scene.NEGATIVE],
        "too_long": normalizer.scene[scene.TOO_LONG],
        "units_column": presets.UNITS in positions,
    }


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


def _import_report(*, dataset: CfsDataset, choice: MappingChoice, lookup: dict[str, str] | None) -> dict:
    """How the columns were chosen, what to beware of, and how well the lookup table matched."""
    warnings = list(choice.warnings)
    slots = CfsSlotCount.objects.filter(dataset=dataset)
    if slots.exists() and not slots.exclude(hour=0).exists():
        warnings.append(
            _(
                "Every call is at midnight: the file has dates without a time of day, so the "
                "charts by hour are meaningless. Map a time-of-day column if the export has one."
            )
        )
    report: dict = {"explanations": choice.explanations, "warnings": warnings}
    if lookup:
        report["lookup"] = _lookup_report(dataset=dataset, lookup=lookup)
    return report


def _lookup_report(*, dataset: CfsDataset, lookup: dict[str, str]) -> dict:
    """Codes of the file found in the lookup table, and those not found by call volume."""
    known = {parsing.normalize_key(code) for code in lookup}
    per_code: dict[str, int] = {}
    for code, calls in (
        CfsPeriodCount.objects.filter(dataset=dataset)
        .exclude(call_type__code="")
        .values_list("call_type__code")
        .annotate(n=Sum("calls"))
        .values_list("call_type__code", "n")
    ):
        per_code[code] = per_code.get(code, 0) + calls
    matched = {code: calls for code, calls in per_code.items() if parsing.normalize_key(code) in known}
    unmatched = sorted(
        ((code, calls) for code, calls in per_code.items() if code not in matched),
        key=lambda item: (-item[1], item[0]),
    )
    return {
        "lookup_codes": len(known),
        "codes_in_file": len(per_code),
        "codes_matched": len(matched),
        "calls_with_code": sum(per_code.values()),
        "calls_matched": sum(matched.values()),
        "unmatched_codes": len(unmatched),
        "unmatched": [list(item) for item in unmatched[:UNMATCHED_CODES_KEPT]],
    }


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


# --------------------------------------------------------------------------------------------
# Call types


def _reference_index() -> ReferenceIndex:
    return ReferenceIndex(
        ReferenceEntry(city, name, normalized, count, category_id)
        for city, name, normalized, count, category_id in CfsReferenceCallType.objects.values_list(
            "city", "name", "normalized", "count", "category_id"
        )
    )


def cfs_call_types_suggest(*, city: CfsCity) -> int:
    """Recompute suggestions for the city's call types; unreviewed ones take them. Returns the
    number of call types whose classification changed."""
    categories = list(CfsCategory.objects.all())
    by_slug = {category.slug: (category.pk, category.default_divertibility) for category in categories}
    by_id = {category.pk: (category.name, category.default_divertibility) for category in categories}
    reference = _reference_index()
    changed = []
    with transaction.atomic():
        for call_type in CfsCallType.objects.select_for_update().filter(city=city):
            suggestion = suggest(
                code=call_type.code,
                description=call_type.description,
                reference=reference,
                categories_by_slug=by_slug,
                categories_by_id=by_id,
            )
            before = (
                call_type.suggested_category_id,
                call_type.suggested_divertibility,
                call_type.suggestion_source,
                call_type.suggestion_note,
                call_type.category_id,
                call_type.divertibility,
                call_type.officer_initiated,
                call_type.officer_initiated_rule,
            )
            call_type.suggested_category_id = suggestion.category_id
            call_type.suggested_divertibility = suggestion.divertibility
            call_type.suggestion_source = suggestion.source
            call_type.suggestion_note = suggestion.note[:255]
            if not call_type.officer_initiated_reviewed:
                call_type.officer_initiated = bool(suggestion.officer_rule)
                call_type.officer_initiated_rule = suggestion.officer_rule[:60]
            if not call_type.reviewed:
                call_type.category_id = suggestion.category_id
                call_type.divertibility = suggestion.divertibility
            after = (
                call_type.suggested_category_id,
                call_type.suggested_divertibility,
                call_type.suggestion_source,
                call_type.suggestion_note,
                call_type.category_id,
                call_type.divertibility,
                call_type.officer_initiated,
                call_type.officer_initiated_rule,
            )
            if before != after:
                changed.append(call_type)
        CfsCallType.objects.bulk_update(
            changed,
            [
                "suggested_category",
                "suggested_divertibility",
                "suggestion_source",
                "suggestion_note",
                "category",
                "divertibility",
                "officer_initiated",
                "officer_initiated_rule",
            ],
            batch_size=500,
        )
    return len(changed)


def cfs_call_type_classify(
    *,
    call_type: CfsCallType,
    category: CfsCategory | None,
    divertibility: str,
    user,
    officer_initiated: bool | None = None,
) -> CfsCallType:
    """A coordinator's classification of a call type, kept across datasets of the city; with
    `officer_initiated`, also whether it is officers' own activity (then reviewed too)."""
    if divertibility not in Divertibility.values or divertibility == Divertibility.UNCLASSIFIED:
        raise ValidationError(_("Choose divertible, maybe or not divertible."))
    with transaction.atomic():
        locked = CfsCallType.objects.select_for_update().get(pk=call_type.pk)
        locked.category = category
        locked.divertibility = divertibility
        locked.reviewed = True
        locked.reviewed_by = user
        locked.reviewed_at = timezone.now()
        fields = ["category", "divertibility", "reviewed", "reviewed_by", "reviewed_at"]
        if officer_initiated is not None and (
            officer_initiated != locked.officer_initiated or not locked.officer_initiated_reviewed
        ):
            locked.officer_initiated = officer_initiated
            locked.officer_initiated_reviewed = True
            if officer_initiated != bool(locked.officer_initiated_rule):
                locked.officer_initiated_rule = "coordinator"
            fields += ["officer_initiated", "officer_initiated_reviewed", "officer_initiated_rule"]
        locked.save(update_fields=fields)
    return locked


def cfs_call_types_accept_suggestions(*, city: CfsCity, user) -> int:
    """Mark every unreviewed call type that has a suggestion as reviewed with it."""
    with transaction.atomic():
        return (
            CfsCallType.objects.filter(city=city, reviewed=False)
            .exclude(suggested_divertibility=Divertibility.UNCLASSIFIED)
            .update(reviewed=True, reviewed_by=user, reviewed_at=timezone.now())
        )


# --------------------------------------------------------------------------------------------
# Column mappings


def _column_mapping_store(*, city: CfsCity, columns: dict[str, str], user) -> CfsColumnMapping:
    cleaned = {
        name: header.strip() for name, header in columns.items() if name in presets.FIELDS and header.strip()
    }
    if presets.missing_required(cleaned):
        raise ValidationError(
            _("A mapping needs the received time and a call type code or description column.")
        )
    mapping, _created = CfsColumnMapping.objects.update_or_create(
        city=city, defaults={"columns": cleaned, "updated_by": user, "updated_at": timezone.now()}
    )
    return mapping


def cfs_column_mapping_save(
    *, city: CfsCity, columns: dict[str, str], timezone_name: str, user
) -> CfsColumnMapping:
    """Save the city's column mapping (used by auto-detection for the city's next files)."""
    _zone_or_validation_error(timezone_name)
    with transaction.atomic():
        if timezone_name and timezone_name != city.timezone:
            city.timezone = timezone_name
            city.save(update_fields=["timezone"])
        return _column_mapping_store(city=city, columns=columns, user=user)


def _zone_or_validation_error(name: str) -> None:
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(name)s") % {"name": name}) from None


# --------------------------------------------------------------------------------------------
# Upload jobs


def upload_dir() -> Path:
    return Path(getattr(settings, "CFS_UPLOAD_DIR", Path(settings.MEDIA_ROOT) / "cfs_uploads"))


def _store_upload(uploaded, suffix: str) -> Path:
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}{suffix}"
    if hasattr(uploaded, "temporary_file_path"):  # a large upload Django already wrote to disk
        shutil.move(uploaded.temporary_file_path(), target)
        return target
    try:
        with open(target, "wb") as handle:
            for chunk in uploaded.chunks():
                handle.write(chunk)
    except BaseException:
        _remove_files(str(target))
        raise
    return target


def cfs_import_job_create(
    *,
    upload,
    lookup=None,
    dataset_name: str,
    city_name: str,
    preset: str,
    replace: bool,
    timezone_name: str,
    user,
) -> CfsImportJob:
    """Store an uploaded file and detect its mapping; the coordinator confirms it next."""
    path = _store_upload(upload, ".csv")
    lookup_path = _store_upload(lookup, ".lookup.csv") if lookup else None
    try:
        lookup_table = parsing.read_lookup(lookup_path) if lookup_path else None
        headers, sample, choice = cfs_mapping_detect(
            path=path, preset=preset, city_name=city_name, lookup=lookup_table
        )
        if preset and preset != "auto":
            _check_columns(headers, choice)  # a chosen preset must fit the file
        elif presets.missing_required(presets.resolve_columns(choice.columns, headers)[0]):
            # Auto-detection found no usable mapping: the coordinator picks the columns next.
            choice.notes.insert(0, str(parsing.missing_fields_error(headers, choice.columns)))
    except BaseException:  # refused, or the request itself failed: no upload without its job
        _remove_files(str(path), str(lookup_path or ""))
        raise
    with transaction.atomic():
        return CfsImportJob.objects.create(
            created_by=user,
            upload_path=str(path),
            original_name=upload.name[:255],
            lookup_path=str(lookup_path or ""),
            lookup_name=(lookup.name[:255] if lookup else ""),
            dataset_name=dataset_name.strip(),
            city_name=" ".join((city_name or choice.city or DEFAULT_CITY).split()),
            timezone=timezone_name or choice.timezone,
            replace=replace,
            headers=headers,
            sample_rows=sample,
            column_mapping=choice.columns,
            mapping_source=choice.source,
            mapping_notes=choice.notes,
            mapping_explanations=choice.explanations,
            bytes_total=path.stat().st_size,
        )


def cfs_import_job_start(
    *, job: CfsImportJob, columns: dict[str, str], save_mapping: bool, user
) -> CfsImportJob:
    """Confirm the mapping and queue the import; the task is sent once this commits."""
    cleaned = {name: header for name, header in columns.items() if header}
    if presets.missing_required(cleaned):
        raise ValidationError(_("Map the received time and a call type code or description column."))
    unknown = [header for header in cleaned.values() if header not in job.headers]
    if unknown:
        raise ValidationError(
            _("These columns are not in the file: %(columns)s") % {"columns": ", ".join(unknown)}
        )
    with transaction.atomic():
        locked = CfsImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (CfsImportJob.Status.AWAITING_MAPPING, CfsImportJob.Status.FAILED):
            raise ValidationError(_("This import has already started."))
        if not Path(locked.upload_path).exists():
            raise ValidationError(_("The uploaded file is gone; upload it again."))
        locked.column_mapping = cleaned
        locked.mapping_source = "manual" if cleaned != job.column_mapping else locked.mapping_source
        locked.save_mapping = save_mapping
        locked.status = CfsImportJob.Status.QUEUED
        locked.error = ""
        locked.phase = ""
        locked.bytes_done = locked.rows_done = 0
        locked.save()
        transaction.on_commit(partial(_enqueue, locked.pk))
    return locked


def _enqueue(job_id: int) -> None:
    from assessment.tasks import cfs_import_job_run

    try:
        result = cfs_import_job_run.delay(job_id)
    except Exception:  # the broker is down: the job stays queued and can be started again
        logger.exception("could not enqueue 911 import job %s", job_id)
        return
    CfsImportJob.objects.filter(pk=job_id, task_id="").update(task_id=result.id or "")


class _JobProgress:
    """Writes progress to the job row through its own connection: the import's transaction is
    not committed until the end, so updates made inside it would be invisible."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0
        self.connection = (
            connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None
        )

    def __call__(self, phase: str, rows: int, done: int) -> None:
        now = time.monotonic()
        if self.connection is None or (now - self.last < 0.5 and phase == "reading"):
            return
        self.last = now
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE assessment_cfsimportjob SET phase = %s, rows_done = %s, bytes_done = %s WHERE id = %s",
                    [phase, rows, done, self.job_id],
                )
        except Exception:  # progress is a courtesy; never fail an import for it
            logger.warning("could not record progress of 911 import job %s", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class _Heartbeat:
    """Beats on the job row every CFS_IMPORT_HEARTBEAT_SECONDS from a thread with its own
    connection (the import's transaction is uncommitted until the end), while the import runs.
    Only where the database takes a second writer at once (PostgreSQL)."""

    def __init__(self, *, job_id: int, owner: str):
        self.job_id, self.owner = job_id, owner
        self.stop = threading.Event()
        self.thread = None
        if connection.vendor == "postgresql":
            self.thread = threading.Thread(target=self._run, name=f"cfs-heartbeat-{job_id}", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        beat = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            while not self.stop.wait(settings.CFS_IMPORT_HEARTBEAT_SECONDS):
                try:
                    with beat.cursor() as cursor:
                        cursor.execute(
                            "UPDATE assessment_cfsimportjob SET heartbeat_at = %s WHERE id = %s AND owner = %s",
                            [timezone.now(), self.job_id, self.owner],
                        )
                except Exception:  # a missed beat is retried; the sweep allows several
                    logger.warning("911 import job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            beat.close()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


class _LostOwnership(Exception):
    """The sweep failed the job while this import ran (its heartbeat was late): roll back."""


def _stale_before(now) -> datetime:
    """Heartbeats older than this mean a dead owner. SQLite (development) has no heartbeat
    thread, so there a job is only given up after the old two hours."""
    if connection.vendor != "postgresql":
        return now - timedelta(hours=2)
    return now - timedelta(seconds=settings.CFS_IMPORT_STALE_SECONDS)


def _dead_owner_error() -> str:
    return _(
        "The worker running this import stopped (its heartbeat ended); nothing was imported. Run it again."
    )


def cfs_import_jobs_fail_dead(*, now: datetime | None = None) -> int:
    """Fail the running imports whose owner stopped beating (a killed worker). Nothing of theirs
    was stored: an import commits all its rows at once, at the end. Returns how many."""
    now = now or timezone.now()
    dead = CfsImportJob.objects.filter(status=CfsImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=_stale_before(now))
        | Q(heartbeat_at__isnull=True, started_at__lt=_stale_before(now))
    )
    failed = dead.update(
        status=CfsImportJob.Status.FAILED, error=_dead_owner_error(), finished_at=now, phase=""
    )
    if failed:
        logger.error("failed %s 911 import job(s) whose worker stopped", failed)
    return failed


def cfs_import_job_run(*, job_id: int) -> CfsImportJob | None:
    """Run a queued import (called by the Celery task). Claims the job with an owner token so
    that a redelivered task cannot import twice; a redelivered task finding the job still
    RUNNING under a dead owner fails it (the page offers to run it again)."""
    now = timezone.now()
    owner = uuid.uuid4().hex
    claimed = CfsImportJob.objects.filter(pk=job_id, status=CfsImportJob.Status.QUEUED).update(
        status=CfsImportJob.Status.RUNNING, started_at=now, phase="reading", owner=owner, heartbeat_at=now
    )
    if not claimed:
        cfs_import_jobs_fail_dead(now=now)
        return None
    job = CfsImportJob.objects.get(pk=job_id)
    progress = _JobProgress(job.pk)
    heartbeat = _Heartbeat(job_id=job.pk, owner=owner)
    try:
        with transaction.atomic():
            result = cfs_dataset_import(
                path=job.upload_path,
                dataset_name=job.dataset_name,
                city_name=job.city_name,
                columns=job.column_mapping,
                mapping_source=job.mapping_source,
                lookup_path=job.lookup_path or None,
                timezone_name=job.timezone,
                replace=job.replace,
                user=job.created_by,
                source_name=job.original_name,
                save_mapping=job.save_mapping,
                progress=progress,
            )
            still_ours = CfsImportJob.objects.filter(
                pk=job.pk, status=CfsImportJob.Status.RUNNING, owner=owner
            ).update(
                status=CfsImportJob.Status.SUCCEEDED,
                finished_at=timezone.now(),
                phase="done",
                dataset=result.dataset,
                rows_done=result.rows_imported + result.bad_row_count,
                bytes_done=job.bytes_total,
                rows_imported=result.rows_imported,
                bad_row_count=result.bad_row_count,
                bad_rows=[list(item) for item in result.bad_rows],
            )
            if not still_ours:
                raise _LostOwnership
    except _LostOwnership:
        logger.error(
            "911 import job %s was failed by the sweep while it ran; its rows were rolled back", job.pk
        )
        return CfsImportJob.objects.get(pk=job.pk)
    except (CfsImportError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if isinstance(exc, limits.CfsLimitError):  # no run can import this file: do not keep it
            _remove_files(job.upload_path, job.lookup_path)
        CfsImportJob.objects.filter(pk=job.pk).update(
            status=CfsImportJob.Status.FAILED, error=message, finished_at=timezone.now(), phase=""
        )
        return CfsImportJob.objects.get(pk=job.pk)
    except Exception:
        logger.exception("911 import job %s failed", job.pk)
        CfsImportJob.objects.filter(pk=job.pk).update(
            status=CfsImportJob.Status.FAILED,
            error=_(
                "The import failed because of an internal error; nothing was imported. See the server log."
            ),
            finished_at=timezone.now(),
            phase="",
        )
        raise
    finally:
        heartbeat.close()
        progress.close()
    _remove_files(job.upload_path, job.lookup_path)
    done = CfsImportJob.objects.select_related("dataset").get(pk=job.pk)
    if done.status == CfsImportJob.Status.SUCCEEDED and done.dataset is not None:
        # The map's grid now, in the worker, rather than at the first view of the page (a
        # GROUP BY over every call). Optional: the page counts it itself if this fails.
        try:
            map_services.grid_ensure(done.dataset)
        except DatabaseError:
            logger.exception("the map grid of dataset %s could not be counted", done.dataset_id)
    return done


def _remove_files(*paths: str) -> None:
    for path in paths:
        if path:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


def cfs_import_jobs_clean(*, older_than_days: int = 7) -> int:
    """Delete uploaded files of jobs finished or abandoned long ago. Returns files removed."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed = 0
    jobs = CfsImportJob.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[CfsImportJob.Status.QUEUED, CfsImportJob.Status.RUNNING]
    )
    for job in jobs.exclude(upload_path=""):
        for path in (job.upload_path, job.lookup_path):
            if path and Path(path).exists():
                _remove_files(path)
                removed += 1
    return removed + _remove_orphan_uploads()


ORPHAN_UPLOAD_AGE = timedelta(hours=1)


def _remove_orphan_uploads() -> int:
    """Remove stored uploads that no job refers to: what a request killed half-way (a worker
    timeout, a crash) left behind. Younger files may belong to a request still detecting."""
    directory = upload_dir()
    if not directory.is_dir():
        return 0
    cutoff = (timezone.now() - ORPHAN_UPLOAD_AGE).timestamp()
    kept = set()
    for upload_path, lookup_path in CfsImportJob.objects.values_list("upload_path", "lookup_path"):
        kept.update((upload_path, lookup_path))
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and str(path) not in kept and path.stat().st_mtime < cutoff:
            _remove_files(str(path))
            removed += 1
    return removed
