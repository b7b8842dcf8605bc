"""Hostile and oversized uploads (issue 17, findings 7 and 9): every read is bounded, the
refusal is clear and fast, and nothing is left behind.

The memory tests read generated gzip bombs in a child process and measure its peak resident
memory. The child also runs under a 1 GiB address-space limit, so that a regression fails with a
MemoryError instead of taking the machine's memory.
"""

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.cfs import limits, parsing
from assessment.models import CfsDataset, CfsImportJob
from assessment.services import import_jobs
from assessment.tests.factories import MKE_HEADER, csv_text, mke_row

MEMORY_LIMIT_MB = 150
UNIT = 16 * 1024**2  # one gzip member expands to this many bytes


def _gzip_member(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    return compressor.compress(data) + compressor.flush()


def _bomb(path: Path, *, head: bytes = b"", unit: bytes, expanded: int, tail: bytes = b"") -> Path:
    """A .gz whose members expand to `head`, then `unit` repeated to about `expanded` bytes, then
    `tail`: made of one compressed member written many times, so it costs nothing to build."""
    member = _gzip_member(unit * (UNIT // len(unit)))
    with open(path, "wb") as handle:
        if head:
            handle.write(_gzip_member(head))
        for _ in range(max(1, expanded // UNIT)):
            handle.write(member)
        if tail:
            handle.write(_gzip_member(tail))
    return path


CHILD = """
import csv, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import django
django.setup()
from assessment import services
from assessment.cfs import parsing

def attempt(step):
    try:
        step()
    except (parsing.CfsFileError, csv.Error) as exc:  # the import reports csv errors with their line
        return str(exc)
    return None

def read_everything():
    opened = parsing.open_csv(sys.argv[1])
    try:
        for _row in opened.reader:
            pass
    finally:
        opened.close()

result = {
    "detect": attempt(lambda: services.cfs_mapping_detect(path=sys.argv[1])),
    "read": attempt(read_everything),
    # VmHWM: this process's peak resident memory (ru_maxrss may carry the parent's over exec).
    "peak_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024,
}
print(json.dumps(result))
"""


def _read_in_child(path: Path) -> dict:
    """The upload's detection (what the web request runs) and a full read (what the import
    task runs) of `path` in a fresh process: their errors and its peak memory."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


HEADER = ",".join(MKE_HEADER).encode() + b"\r\n"
ROW = ",".join(mke_row(1, "2018-05-01 10:10:28", "WELFARE CITIZEN")).encode() + b"\r\n"


@pytest.mark.parametrize(
    ("kind", "make", "detect_error", "read_error"),
    [
        (
            "a header of commas",
            lambda path: _bomb(path, unit=b",", expanded=128 * 1024**2),
            "Line 1 is longer than",
            "Line 1 is longer than",
        ),
        (
            "a single endless line",
            lambda path: _bomb(path, head=HEADER, unit=b"x", expanded=256 * 1024**2),
            "Line 2 is longer than",
            "Line 2 is longer than",
        ),
        (
            "a huge quoted field",
            lambda path: _bomb(path, head=HEADER + b'1,"', unit=b"y" * 63 + b"\n", expanded=256 * 1024**2),
            "field larger than field limit",
            "field larger than field limit",
        ),
        (
            "one valid row repeated",
            lambda path: _bomb(path, head=HEADER, unit=ROW, expanded=1024**3),
            None,  # the first rows are fine
            "expands more than 200 times",
        ),
    ],
)
def test_gzip_bombs_are_refused_clearly_in_bounded_memory(tmp_path, kind, make, detect_error, read_error):
    path = make(tmp_path / "bomb.csv.gz")
    assert path.stat().st_size < 4 * 1024**2, kind
    result = _read_in_child(path)
    assert result["peak_mb"] < MEMORY_LIMIT_MB, (kind, result)
    if detect_error is None:
        assert result["detect"] is None, (kind, result)
    else:
        assert detect_error in (result["detect"] or ""), (kind, result)
    assert read_error in (result["read"] or ""), (kind, result)


def test_a_row_spanning_lines_cannot_grow_without_bound(tmp_path):
    path = tmp_path / "open.csv"
    # Quoted fields of short lines, each field closed, the row never ending: no field is over the
    # csv module's limit, yet the row would hold the whole file.
    path.write_bytes(HEADER + b'"a\n",' * (3 * 1024**2 // 5) + b"\n")
    opened = parsing.open_csv(path)
    try:
        with pytest.raises(limits.CfsLimitError, match="The row ending on line .* is longer than"):
            list(opened.reader)
    finally:
        opened.close()


def test_decompressed_size_has_an_absolute_cap(tmp_path, settings):
    settings.CFS_MAX_DECOMPRESSED_BYTES = 20 * 1024**2
    settings.CFS_MAX_COMPRESSION_RATIO = 10**9
    path = _bomb(tmp_path / "big.csv.gz", head=HEADER, unit=ROW, expanded=64 * 1024**2)
    opened = parsing.open_csv(path)
    try:
        with pytest.raises(parsing.CfsFileError, match="expands to more than 20 MB"):
            list(opened.reader)
    finally:
        opened.close()


def test_a_real_export_compressed_is_read_whole(tmp_path):
    """The ratio limit leaves real files alone: rows that differ compress far below 200:1."""
    rows = [MKE_HEADER] + [
        mke_row(n, f"2018-05-{n % 28 + 1:02d} {n % 24:02d}:{n % 60:02d}:{n * 7 % 60:02d}", f"TYPE {n % 97}")
        for n in range(400_000)
    ]
    path = tmp_path / "real.csv.gz"
    path.write_bytes(gzip.compress(csv_text(rows).encode()))
    opened = parsing.open_csv(path)
    try:
        assert sum(1 for _row in opened.reader) == 400_000
    finally:
        opened.close()


@pytest.mark.django_db
def test_a_refused_bomb_upload_leaves_no_file(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # Django writes the upload to a temporary file
    bomb = _bomb(tmp_path / "bomb.csv.gz", unit=b",", expanded=32 * 1024**2)
    client.force_login(coordinator)
    response = client.post(
        reverse("assessment:cfs_upload"),
        {
            "file": SimpleUploadedFile("calls.csv.gz", bomb.read_bytes()),
            "dataset_name": "x",
            "preset": "auto",
        },
    )
    assert response.status_code == 400
    assert "Line 1 is longer than 1,048,576 characters" in str(response.context["form"].errors["file"])
    assert not CfsImportJob.objects.exists()
    assert list((tmp_path / "uploads").iterdir()) == []


@pytest.mark.django_db
def test_an_upload_that_fails_unexpectedly_leaves_no_file(
    client, coordinator, settings, tmp_path, monkeypatch
):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"

    def crash(**kwargs):
        raise MemoryError

    monkeypatch.setattr(import_jobs, "cfs_mapping_detect", crash)  # where the job looks it up
    client.force_login(coordinator)
    client.raise_request_exception = False
    response = client.post(
        reverse("assessment:cfs_upload"),
        {"file": SimpleUploadedFile("calls.csv", HEADER + ROW), "dataset_name": "x", "preset": "auto"},
    )
    assert response.status_code == 500
    assert list((tmp_path / "uploads").iterdir()) == []


@pytest.mark.django_db
def test_a_job_refused_by_a_limit_removes_its_upload(settings, tmp_path, coordinator):
    settings.CFS_UPLOAD_DIR = tmp_path
    path = _bomb(tmp_path / "up.csv.gz", head=HEADER + ROW * 10, unit=ROW, expanded=128 * 1024**2)
    job = CfsImportJob.objects.create(
        upload_path=str(path),
        original_name="up.csv.gz",
        dataset_name="x",
        city_name="X",
        headers=MKE_HEADER,
        column_mapping={"received": "time", "description": "nature"},
        status=CfsImportJob.Status.QUEUED,
        created_by=coordinator,
    )
    services.cfs_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == CfsImportJob.Status.FAILED
    assert "expands more than 200 times" in job.error
    assert not path.exists()
    assert not CfsDataset.objects.exists()


@pytest.mark.django_db
def test_the_daily_clean_removes_uploads_no_job_owns(settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    orphan, young, owned = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path in (orphan, young, owned):
        path.write_text("x")
    old = (timezone.now() - services.ORPHAN_UPLOAD_AGE * 2).timestamp()
    os.utime(orphan, (old, old))
    os.utime(owned, (old, old))
    CfsImportJob.objects.create(
        upload_path=str(owned), original_name="c.csv", dataset_name="c", city_name="C"
    )
    assert services.cfs_import_jobs_clean() == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.csv", "c.csv"]


# --- finding 9: wide files -------------------------------------------------------------------


def _wide(path: Path, columns: int) -> Path:
    header = ["time", "nature"] + [f"extra {n}" for n in range(columns - 2)]
    row = ["2018-05-01 10:10:28", "WELFARE CITIZEN"] + [""] * (columns - 2)
    path.write_text(csv_text([header, row, row]))
    return path


@pytest.mark.django_db
def test_the_command_refuses_a_file_wider_than_the_limit(tmp_path):
    path = _wide(tmp_path / "wide.csv", 1700)
    with pytest.raises(CommandError) as refused:
        call_command("import_cfs", str(path), "--dataset", "wide")
    assert refused.value.returncode != 0
    assert "The file has 1,700 columns; at most 500 are allowed" in str(refused.value)
    assert not CfsDataset.objects.exists()


@pytest.mark.django_db
def test_the_limit_on_columns_is_a_setting(tmp_path, settings, import_csv):
    path = _wide(tmp_path / "wide.csv", 40)
    settings.CFS_MAX_COLUMNS = 30
    with pytest.raises(parsing.CfsFileError, match="The file has 40 columns; at most 30 are allowed"):
        import_csv(path)
    settings.CFS_MAX_COLUMNS = 40
    assert import_csv(path).rows_imported == 2


@pytest.mark.django_db
def test_the_upload_page_refuses_a_file_wider_than_the_limit(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    path = _wide(tmp_path / "wide.csv", 1700)
    client.force_login(coordinator)
    response = client.post(
        reverse("assessment:cfs_upload"),
        {"file": SimpleUploadedFile("wide.csv", path.read_bytes()), "dataset_name": "w", "preset": "auto"},
    )
    assert response.status_code == 400
    assert "The file has 1,700 columns; at most 500 are allowed" in str(
        response.context["form"].errors["file"]
    )
    assert not CfsImportJob.objects.exists()
    assert list((tmp_path / "uploads").iterdir()) == []
