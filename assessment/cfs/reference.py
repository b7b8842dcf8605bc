"""Loading the taxonomy and the Vera Institute call-type mapping.

Used by migration 0002 (with historical models) and by `manage.py load_cfs_reference`.
Category names are normalised (trailing spaces, case, known typos, close misspellings); rows
with a blank category, or one that matches no taxonomy category, are skipped and counted.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from assessment.cfs.suggestions import CATEGORIES, canonical_category, normalize_text

VERA_CSV = Path(__file__).resolve().parent.parent / "data" / "vera_calltype_categories.csv"
VERA_SOURCE = "vera"


@dataclass
class ReferenceLoadReport:
    loaded: int = 0
    blank_category: int = 0
    unknown_category: int = 0
    unknown_names: tuple[str, ...] = ()


def categories_sync(category_model) -> dict[str, object]:
    """Create missing taxonomy categories; never change ones a coordinator edited. name -> row."""
    by_name = {}
    for order, (slug, name, divertibility) in enumerate(CATEGORIES):
        category, _created = category_model.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "default_divertibility": str(divertibility), "sort_order": order},
        )
        by_name[category.name] = category
    return by_name


def reference_load(category_model, reference_model, path: Path = VERA_CSV) -> ReferenceLoadReport:
    """Replace the Vera rows with the file's content. Run inside a transaction."""
    categories = categories_sync(category_model)
    report = ReferenceLoadReport()
    unknown: set[str] = set()
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = {"City", "Field 1", "Category"}
        if not reader.fieldnames or not expected.issubset(reader.fieldnames):
            raise ValueError(
                f"{path} does not look like the Vera call-type file: it needs the columns "
                f"{', '.join(sorted(expected))}; it has {', '.join(reader.fieldnames or [])}"
            )
        for record in reader:
            raw_category = record.get("Category") or ""
            if not raw_category.strip():
                report.blank_category += 1
                continue
            name = canonical_category(raw_category)
            category = categories.get(name) if name else None
            if category is None:
                report.unknown_category += 1
                unknown.add(raw_category.strip())
                continue
            raw_name = " ".join((record.get("Field 1") or "").split())
            normalized = normalize_text(raw_name)
            if not normalized:
                report.blank_category += 1
                continue
            try:
                count = int(float(record.get("Count") or 0))
            except ValueError:
                count = 0
            rows.append(
                reference_model(
                    source=VERA_SOURCE,
                    city=(record.get("City") or "").strip()[:60],
                    column_name=(record.get("Column_name") or "").strip()[:60],
                    name=raw_name[:200],
                    normalized=normalized[:200],
                    count=max(count, 0),
                    category=category,
                    raw_category=raw_category[:100],
                )
            )
    reference_model.objects.filter(source=VERA_SOURCE).delete()
    reference_model.objects.bulk_create(rows, batch_size=1000)
    report.loaded = len(rows)
    report.unknown_names = tuple(sorted(unknown))
    return report
