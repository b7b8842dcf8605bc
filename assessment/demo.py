"""Demo data of the assessment app: the first 2,000 Milwaukee calls of May 2018 as a dataset."""

import gzip
import itertools
import tempfile
from pathlib import Path

from assessment.models import CfsDataset

MILWAUKEE = Path(__file__).resolve().parent / "tests" / "data" / "milwaukee_mpd_cfs_2018-05.csv.gz"
DEMO_DATASET = "Milwaukee sample (May 2018, 2,000 calls)"
DEMO_ROWS = 2000


def seed(*, stdout) -> None:
    from assessment.services import cfs_dataset_import

    if CfsDataset.objects.filter(name=DEMO_DATASET).exists() or not MILWAUKEE.exists():
        return
    with tempfile.TemporaryDirectory(prefix="cfs_demo_") as folder:
        path = Path(folder) / "milwaukee_sample.csv"
        with gzip.open(MILWAUKEE, "rb") as source, open(path, "wb") as target:
            target.writelines(itertools.islice(source, DEMO_ROWS + 1))  # header + rows
        result = cfs_dataset_import(path=path, dataset_name=DEMO_DATASET, preset="milwaukee")
    stdout.write(f"911 data: imported {result.rows_imported} Milwaukee calls as {DEMO_DATASET!r}.")


_seed_911_sample = seed


def seed(*, stdout) -> None:  # noqa: F811 - the 911 sample, then the pilot dashboard's demo
    _seed_911_sample(stdout=stdout)
    from assessment.pilot.demo import seed as seed_pilot

    seed_pilot(stdout=stdout)
    from assessment.programme.demo import seed as seed_programme

    seed_programme(stdout=stdout)
