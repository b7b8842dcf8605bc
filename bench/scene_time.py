"""Benchmark: a Los Angeles-shaped export with arrival and clear times (time on scene; ISO dates,
so that the PostgreSQL fast path takes it, as it takes ISO exports), imported
into the database named by DATABASE_URL (use your own), then the analysis page's new selectors
timed over it: the disposition breakdown, time on scene per call type, the unit-hours a team
could absorb in the coverage window, each for all areas and for three areas.

    DATABASE_URL=postgres://.../mydb .venv/bin/python bench/scene_time.py [--rows N] [--python-path]

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--python-path", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from assessment import selectors, selectors_dispositions, selectors_scene_time
    from assessment.cfs import fastload
    from assessment.services import cfs_dataset_delete, cfs_dataset_import

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
