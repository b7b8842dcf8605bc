"""What an import reports: columns chosen, warnings, the lookup table's match, time on scene."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from assessment.cfs import parsing, presets, scene
from assessment.cfs.presets import MappingChoice
from assessment.models import CfsDataset, CfsPeriodCount, CfsSlotCount

UNMATCHED_CODES_KEPT = 30


def _scene_report(normalizer: parsing.RowNormalizer, positions: dict[str, int]) -> dict:
    """Calls with a time on scene, the durations dropped, and whether units were counted."""
    return {
        "timed": normalizer.scene["timed"],
        "negative": normalizer.scene[scene.NEGATIVE],
        "too_long": normalizer.scene[scene.TOO_LONG],
        "units_column": presets.UNITS in positions,
    }


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
