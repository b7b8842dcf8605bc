"""Benchmark: importing 1,000,000 calls for service against a bare PostgreSQL COPY.

Generates a Milwaukee-shaped export (same header, CRLF, quoted addresses, unsorted times, the
real call-type mix, a few blank coordinates and unreadable times) in a temporary folder, creates
its own database, then in the same run:

1. loads the file with a bare `COPY ... FROM STDIN (FORMAT csv, HEADER)` into a bare table of
   text columns (the baseline);
2. imports it with the importer (`assessment.services.cfs_dataset_import`) in a subprocess, so
   that its peak memory (ru_maxrss) is measured alone; its phases are printed (the fast path:
   copy_raw, times_fixed, distinct_values, call_types, typed_rows, aggregates, insert_calls; the Python path:
   copy_to_staging, insert_select, aggregate);
3. times each analysis query of the analysis page over the million rows.

Targets: import <= 4x the bare COPY (a stored row per call costs about 2.6x), peak memory
< 300 MB, the analysis page (as a coordinator sees it, planner on three areas) < 1 s; roughly
linear in rows up to 10,000,000 (`--rows 10000000 --file /tmp/cfs_10m.csv` keeps the 1 GB file).
The last line printed is one JSON object.

    .venv/bin/python bench/import_cfs.py [--rows N] [--keep] [--python-path]

--python-path imports with the row-by-row Python path (the fallback for files the fast path
cannot take) instead of the PostgreSQL fast path, for comparison.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_CFS_DB", "hotline_bench_cfs")
MILWAUKEE = ROOT / "assessment" / "tests" / "data" / "milwaukee_mpd_cfs_2018-05.csv.gz"
HEADER = "id,time,location,latitude,longitude,district,nature,status"
BAD_EVERY = 20_000  # one unreadable time per this many rows


def log(message: str) -> None:
    print(message, flush=True)


def real_mix() -> tuple[list[str], list[int], list[str], list[int], list[str], list[int]]:
    """Call types, districts and statuses with their frequencies in the real Milwaukee file."""
    import csv

    natures: Counter[str] = Counter()
    districts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    with gzip.open(MILWAUKEE, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            natures[row["nature"]] += 1
            districts[row["district"]] += 1
            statuses[row["status"]] += 1
    return (
        list(natures),
        list(natures.values()),
        list(districts),
        list(districts.values()),
        list(statuses),
        list(statuses.values()),
    )


def generate(path: Path, rows: int) -> None:
    """A year of calls shaped like the Milwaukee export, written in chunks."""
    rng = random.Random(2018)  # noqa: S311 - benchmark data, not security
    natures, nature_weights, districts, district_weights, statuses, status_weights = real_mix()
    # Calls follow the day: few at 5 am, most in the afternoon and evening.
    hour_weights = [3, 2, 2, 1.5, 1, 1, 1.5, 2.5, 3.5, 4, 4.5, 5, 5, 5, 5.5, 6, 6, 6, 6, 5.5, 5, 4.5, 4, 3.5]
    start = datetime(2018, 1, 1)  # noqa: DTZ001 - local wall-clock times, as in the export
    days = [(start + timedelta(days=day)).strftime("%Y-%m-%d") for day in range(365)]
    clock = [f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}" for second in range(86400)]
    streets = [
        f"{rng.randrange(100, 9999)} {d} {rng.randrange(1, 120)}TH ST" for d in "NSWE" for _ in range(2000)
    ]
    places = [f"{43 + rng.random() / 5:.7f},{-87.85 - rng.random() / 5:.13f}" for _ in range(20_000)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\r\n")
        done = 0
        while done < rows:
            n = min(50_000, rows - done)
            day_picks = rng.choices(days, k=n)
            hours = rng.choices(range(24), weights=hour_weights, k=n)
            seconds = [rng.randrange(3600) for _ in range(n)]
            kinds = rng.choices(natures, weights=nature_weights, k=n)
            areas = rng.choices(districts, weights=district_weights, k=n)
            states = rng.choices(statuses, weights=status_weights, k=n)
            lines = []
            for i in range(n):
                number = done + i
                if number % BAD_EVERY == BAD_EVERY - 1:
                    stamp = "N/A"
                else:
                    stamp = f"{day_picks[i]} {clock[hours[i] * 3600 + seconds[i]]}"
                coordinates = "," if number % 3000 == 0 else places[number % len(places)]
                lines.append(
                    f'{1200000 + number},{stamp},"{streets[number % len(streets)]},MKE",{coordinates},'
                    f"{areas[i]},{kinds[i]},{states[i]}"
                )
            lines.append("")
            handle.write("\r\n".join(lines))
            done += n


def psql_connect(database: str):
    import psycopg2

    return psycopg2.connect(f"{SERVER}/{database}")


def create_database() -> None:
    connection = psql_connect("postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()


def drop_database() -> None:
    connection = psql_connect("postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
    connection.close()


def bare_copy(path: Path) -> float:
    connection = psql_connect(DB_NAME)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bare_cfs (id text, time text, location text, latitude text, longitude text, "
            "district text, nature text, status text)"
        )
        connection.commit()
        started = time.perf_counter()
        with open(path, encoding="utf-8", newline="") as handle:
            cursor.copy_expert("COPY bare_cfs FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        connection.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bare_cfs")
        (count,) = cursor.fetchone()
        cursor.execute("DROP TABLE bare_cfs")
        connection.commit()
    connection.close()
    log(f"bare COPY: {count:,} rows in {elapsed:.2f} s")
    return elapsed


CHILD_IMPORT = """
import json, os, resource, sys, time
import django
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from assessment.services import cfs_dataset_import
if {python_path!r}:
    from assessment.cfs import fastload
    fastload.usable = lambda positions, sample: False  # compare: the row-by-row Python path
started = time.perf_counter()
result = cfs_dataset_import(path={path!r}, dataset_name="bench", preset="auto")
elapsed = time.perf_counter() - started
print(json.dumps({{
    "seconds": elapsed,
    "rows": result.rows_imported,
    "bad_rows": result.bad_row_count,
    "mapping": result.mapping.source,
    "timings": result.timings,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}}))
"""

CHILD_ANALYSIS = """
import json, os, sys, time
import django
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from assessment import selectors
from assessment.models import CfsDataset
dataset = CfsDataset.objects.get(name="bench")
timings = {{}}
def timed(name, function, **kwargs):
    started = time.perf_counter()
    function(dataset=dataset, **kwargs)
    timings[name] = round(time.perf_counter() - started, 4)
timed("summary_by_call_type", selectors.cfs_call_type_totals)
timed("by_category", selectors.cfs_category_totals)
timed("heatmap_weekday_hour", selectors.cfs_heatmap)
timed("by_area", selectors.cfs_area_totals)
timed("by_priority", selectors.cfs_priority_totals)
timed("trend_by_month", selectors.cfs_month_totals)
timed("coverage_planner", selectors.cfs_coverage, days=[0, 1, 2, 3, 4], hours=list(range(10, 22)), areas=["1", "2", "3"])
started = time.perf_counter()
selectors.cfs_analysis(dataset=dataset)
timings["whole_analysis_page"] = round(time.perf_counter() - started, 4)
# The map and the pilot-area filter (assessment/map_*.py): "once_" = once per dataset / boundary.
import math
from assessment import map_selectors, map_services
started = time.perf_counter()
grid = map_services.grid_ensure(dataset)
timings["once_map_grid"] = round(time.perf_counter() - started, 4)
timed("map_cells", map_selectors.cfs_map, grid=grid)
started = time.perf_counter()
selectors.cfs_analysis(dataset=dataset, areas=["1", "2", "3"])
timings["areas_filtered_page"] = round(time.perf_counter() - started, 4)
ring = [[-87.95 + 0.06 * math.cos(k * math.pi / 32), 43.1 + 0.06 * math.sin(k * math.pi / 32)] for k in range(64)]
started = time.perf_counter()
# The background count's own work (assessment.map_jobs), run here in the foreground.
from assessment import map_jobs
from assessment.map_models import CfsBoundary
boundary = CfsBoundary.objects.create(dataset=dataset, name="bench", polygons=[[ring]], vertices=64)
map_jobs.boundary_count_run(boundary_id=boundary.pk)
boundary.refresh_from_db()
timings["once_boundary_64_vertices"] = round(time.perf_counter() - started, 4)
started = time.perf_counter()
selectors.cfs_analysis(dataset=dataset, boundary=boundary)
timings["boundary_filtered_page"] = round(time.perf_counter() - started, 4)

# The page itself, as a coordinator sees it (view, every query, template), with the coverage
# planner restricted to three areas: the median of three after a warm-up.
from django.apps import apps
from django.test import Client
from django.test.utils import setup_test_environment
from volunteers.tests.factories import UserFactory
setup_test_environment()
client = Client()
coordinator = UserFactory(username="bench-cfs-coordinator", roles=("Coordinator",))
client.force_login(coordinator)
if apps.is_installed("django_otp"):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
url = f"/assessment/calls/datasets/{{dataset.pk}}/?planner=1&minutes_per_call=45" + "".join(
    f"&days={{d}}" for d in range(5)) + "".join(f"&hours={{h}}" for h in range(10, 22)) + "&areas=1&areas=2&areas=3"
assert client.get(url).status_code == 200
pages = []
for _ in range(3):
    started = time.perf_counter()
    response = client.get(url)
    pages.append(time.perf_counter() - started)
    assert response.status_code == 200, response.status_code
timings["page_view"] = round(sorted(pages)[1], 4)
print(json.dumps(timings))
"""


def run_child(code: str, env: dict[str, str]) -> tuple[dict, int]:
    """Run Python code in a child process; return its last JSON line and its peak RSS (KiB)."""
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child failed with exit code {process.returncode}:\n{output[-3000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--python-path", action="store_true", help="import with the Python path")
    parser.add_argument(
        "--file",
        help="keep the generated export at this path and reuse it when it exists (the same --rows: "
        "10 M rows make a 1 GB file that takes minutes to write)",
    )
    args = parser.parse_args()

    load_at_start = os.getloadavg()[0]
    env = dict(os.environ, DATABASE_URL=f"{SERVER}/{DB_NAME}", DEBUG="1")
    env.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory(prefix="bench_cfs_") as folder:
        path = Path(args.file) if args.file else Path(folder) / "calls_for_service.csv"
        if args.file and path.exists():
            log(f"reusing {path} ({path.stat().st_size / 1e6:.0f} MB), generated for --rows {args.rows:,}")
        else:
            started = time.perf_counter()
            partial = path.with_name(path.name + ".partial")
            generate(partial, args.rows)
            partial.rename(path)
            log(
                f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
            )

        create_database()
        try:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            log(f"migrated {DB_NAME} in {time.perf_counter() - started:.1f} s")

            copy_seconds = bare_copy(path)
            result, maxrss_kb = run_child(
                CHILD_IMPORT.format(root=str(ROOT), path=str(path), python_path=args.python_path), env
            )
            log(
                f"importer: {result['rows']:,} rows, {result['bad_rows']:,} bad, mapping {result['mapping']}, "
                f"in {result['seconds']:.2f} s {result['timings']}; peak memory {maxrss_kb / 1024:.0f} MB"
            )
            analysis, _rss = run_child(CHILD_ANALYSIS.format(root=str(ROOT)), env)
            for name, seconds in analysis.items():
                log(f"analysis {name}: {seconds * 1000:.0f} ms")
        finally:
            if not args.keep:
                drop_database()

    ratio = result["seconds"] / copy_seconds
    slowest = max(
        value for key, value in analysis.items() if "page" not in key and not key.startswith("once_")
    )
    log(f"ratio importer / bare COPY: {ratio:.2f} (aim <= 4; a stored row per call costs about 2.6)")
    log(f"analysis page as a coordinator sees it: {analysis['page_view'] * 1000:.0f} ms (target < 1 s)")
    print(
        json.dumps(
            {
                "bench": "import_cfs",
                "path": "python" if args.python_path else "fast",
                "rows": result["rows"],
                "bad_rows": result["bad_rows"],
                "copy_s": round(copy_seconds, 2),
                "import_s": round(result["seconds"], 2),
                "ratio": round(ratio, 2),
                "import_phases_s": result["timings"],
                "peak_rss_mb": round(maxrss_kb / 1024, 1),
                "analysis_max_ms": round(slowest * 1000, 1),
                "analysis_page_ms": round(analysis["whole_analysis_page"] * 1000, 1),
                "analysis_ms": {key: round(value * 1000, 1) for key, value in analysis.items()},
                "ratio_to_copy": round(ratio, 2),
                "peak_mb": round(maxrss_kb / 1024, 1),
                "page_ms": round(analysis["page_view"] * 1000, 1),
                "load_avg_1m": round(load_at_start, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
