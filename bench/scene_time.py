"""Benchmark: a Los Angeles-shaped export with arrival and clear times (time on scene; ISO dates,
so that the PostgreSQL fast path takes it, as it takes ISO exports), imported
into the database named by DATABASE_URL (use your own), then the analysis page's new selectors
timed over it: the disposition breakdown, time on scene per call type, the unit-hours a team
could absorb in the coverage window, each for all areas and for three areas.

    DATABASE_URL=postgres://.../mydb .venv/bin/python bench/scene_time.py [--rows N] [--python-path]
    DATABASE_URL=postgres://.../mydb .venv/bin/python bench/scene_time.py --worst-case

--worst-case writes, instead of importing, the largest aggregates a city of any number of rows
can have with 300 call types and 21 areas (every call type x area x source in every duration
bucket, with 30 dispositions, every weekday and hour), inside a transaction rolled back at the
end, and times the new selectors over them: what the page costs at 10 M rows and beyond, since
these tables grow with the combinations seen, not with the calls.

The dataset is deleted afterwards. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Incident_Number,Area_Occ,Dispatch_Date,Dispatch_Time,Arrival_Time,Clear_Time,Call_Type_Code,Call_Type_Text,Disposition"
DISPOSITIONS = ["ADVISED", "NO REPORT", "REPORT TAKEN", "ARREST", "GONE ON ARRIVAL", "REFERRED", "UNFOUNDED"]


def generate(path: Path, rows: int) -> None:
    rng = random.Random(2019)  # noqa: S311 - benchmark data
    types = [(f"{100 + i}", f"CALL TYPE {i}") for i in range(300)]
    weights = [1 / (1 + i) for i in range(300)]
    areas = [f"Area {i}" for i in range(21)]
    clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\n")
        done = 0
        while done < rows:
            n = min(50_000, rows - done)
            picks = rng.choices(types, weights=weights, k=n)
            lines = []
            for i in range(n):
                start = rng.randrange(86400)
                arrival = (start + rng.randrange(60, 1800)) % 86400
                clear = (arrival + int(rng.expovariate(1 / 2400))) % 86400
                code, text = picks[i]
                day = 1 + (done + i) % 365
                lines.append(
                    f"PD{done + i:08d},{areas[(done + i) % 21]},2019-{(day - 1) // 31 + 1:02d}-{(day - 1) % 28 + 1:02d},"
                    f"{clock[start]},{clock[arrival] if i % 10 else ''},{clock[clear]},{code},{text},{DISPOSITIONS[i % 7]}"
                )
            lines.append("")
            handle.write("\n".join(lines))
            done += n


def worst_case() -> dict:
    from django.db import connection, transaction

    from assessment import selectors_dispositions, selectors_scene_time
    from assessment.cfs import scene
    from assessment.models import CfsCallType, CfsCity, CfsDataset

    figures: dict = {}
    with transaction.atomic():
        city = CfsCity.objects.create(name="Bench worst case", timezone="America/Los_Angeles")
        dataset = CfsDataset.objects.create(
            city=city,
            name="bench-worst-case",
            timezone="America/Los_Angeles",
            import_report={"scene_time": {"timed": 1, "negative": 0, "too_long": 0, "units_column": False}},
        )
        CfsCallType.objects.bulk_create(
            CfsCallType(
                city=city,
                key=f"T{i}",
                description=f"TYPE {i}",
                divertibility="divertible" if i % 3 == 0 else "not_divertible",
            )
            for i in range(300)
        )
        combinations = (
            "FROM assessment_cfscalltype t, generate_series(0, 20) a, unnest(ARRAY['public', 'officer']) s"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO assessment_cfsscenetimecount"
                " (dataset_id, call_type_id, area, source_kind, bucket, calls, seconds, unit_seconds)"
                " SELECT %s, t.id, 'Area ' || a, s, b, 5, 300 * (b + 1), 300 * (b + 1)"
                f" {combinations}, generate_series(0, %s) b WHERE t.city_id = %s",
                [dataset.pk, len(scene.BUCKET_UPPER_SECONDS) - 1, city.pk],
            )
            cursor.execute(
                "INSERT INTO assessment_cfsdispositioncount"
                " (dataset_id, call_type_id, area, source_kind, disposition, calls)"
                f" SELECT %s, t.id, 'Area ' || a, s, 'DISPOSITION ' || d, 7 {combinations},"
                " generate_series(0, 29) d WHERE t.city_id = %s",
                [dataset.pk, city.pk],
            )
            cursor.execute(
                "INSERT INTO assessment_cfsslotcount (dataset_id, call_type_id, weekday, hour, area, source_kind, calls)"
                f" SELECT %s, t.id, w, h, 'Area ' || a, s, 3 {combinations},"
                " generate_series(0, 6) w, generate_series(0, 23) h WHERE t.city_id = %s",
                [dataset.pk, city.pk],
            )
            cursor.execute(
                "ANALYZE assessment_cfsscenetimecount; ANALYZE assessment_cfsdispositioncount;"
                " ANALYZE assessment_cfsslotcount"
            )
        figures["aggregate_rows"] = {
            "scene_time": dataset.scene_time_counts.count(),
            "dispositions": dataset.disposition_counts.count(),
            "slots": dataset.slot_counts.count(),
        }
        window = {"days": [0, 1, 2, 3, 4], "hours": list(range(10, 22))}
        three = ["Area 1", "Area 2", "Area 3"]
        timings = {}
        for label, function, kwargs in (
            ("dispositions", selectors_dispositions.cfs_disposition_breakdown, {}),
            ("dispositions_3_areas", selectors_dispositions.cfs_disposition_breakdown, {"areas": three}),
            ("scene_times", selectors_scene_time.cfs_scene_times, {}),
            ("scene_times_3_areas", selectors_scene_time.cfs_scene_times, {"areas": three}),
            ("absorbable", selectors_scene_time.cfs_absorbable_unit_hours, window),
        ):
            best = float("inf")
            for _run in range(3):
                started = time.perf_counter()
                function(dataset=dataset, **kwargs)
                best = min(best, time.perf_counter() - started)
            timings[label] = round(best, 4)
        figures["selector_seconds_best_of_3"] = timings
        transaction.set_rollback(True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--python-path", action="store_true")
    parser.add_argument("--worst-case", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from assessment import selectors, selectors_dispositions, selectors_scene_time
    from assessment.cfs import fastload
    from assessment.services import cfs_dataset_delete, cfs_dataset_import

    if args.worst_case:
        print(json.dumps(worst_case()))
        return
    if args.python_path:
        fastload.usable = lambda positions, sample: False
    figures: dict = {"rows": args.rows, "path": "python" if args.python_path else "fast"}
    with tempfile.TemporaryDirectory(prefix="bench_scene_") as folder:
        path = Path(folder) / "la.csv"
        generate(path, args.rows)
        started = time.perf_counter()
        result = cfs_dataset_import(
            path=path,
            dataset_name="bench-scene-time",
            city_name="Bench LA",
            timezone_name="America/Los_Angeles",
        )
        figures["import_seconds"] = round(time.perf_counter() - started, 2)
        figures["import_phases"] = result.timings
        figures["scene_report"] = result.dataset.import_report.get("scene_time")
    dataset = result.dataset
    try:
        window = {"days": [0, 1, 2, 3, 4], "hours": list(range(10, 22))}
        three = ["Area 1", "Area 2", "Area 3"]
        timings = {}
        for label, function, kwargs in (
            ("dispositions", selectors_dispositions.cfs_disposition_breakdown, {}),
            ("dispositions_3_areas", selectors_dispositions.cfs_disposition_breakdown, {"areas": three}),
            ("scene_times", selectors_scene_time.cfs_scene_times, {}),
            ("scene_times_3_areas", selectors_scene_time.cfs_scene_times, {"areas": three}),
            ("absorbable", selectors_scene_time.cfs_absorbable_unit_hours, window),
            (
                "absorbable_3_areas",
                selectors_scene_time.cfs_absorbable_unit_hours,
                {**window, "areas": three},
            ),
            ("existing_analysis", selectors.cfs_analysis, {}),
        ):
            started = time.perf_counter()
            function(dataset=dataset, **kwargs)
            timings[label] = round(time.perf_counter() - started, 4)
        figures["selector_seconds"] = timings
        figures["aggregate_rows"] = {
            "dispositions": dataset.disposition_counts.count(),
            "scene_time": dataset.scene_time_counts.count(),
        }
    finally:
        cfs_dataset_delete(dataset=dataset)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
