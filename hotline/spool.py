"""The local spool: what Twilio told us while the database could not store it.

A voicemail, a recording callback or an inbound text that arrives while the database is down
or hung is appended to a journal on the web server's disk (HOTLINE_SPOOL_DIR) and answered at
once; `hotline.services.recovery.spool_replay` stores it when the database is back (the Celery
beat task `hotline.tasks.spool_replay` every minute, or `manage.py spool_replay`). Twilio does
not retry those requests, so without the spool they would be lost.

The journal (`journal.jsonl`) is append-only: one JSON line per request, written with one
`write()` under an exclusive `flock` and `fsync`ed before the webhook answers, by any process
on the host. A replay first moves the journal aside (`batch-<time>-<n>.jsonl`, under the same
lock, so a writer that opened the old file notices and writes to a new journal), stores each
batch's records, and deletes a batch only once all of it is stored; storing is idempotent per
Twilio sid, so a batch read twice (a replay that stopped half-way) changes nothing.

The files hold callers' numbers and texts: the folder is created private (0700), the files
0600, and a batch lives only until it is replayed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

JOURNAL = "journal.jsonl"
REPLAY_LOCK = "replay.lock"
FAILED = "failed.jsonl"
VOICEMAIL, RECORDING, SMS = "voicemail", "recording", "sms"
KINDS = (VOICEMAIL, RECORDING, SMS)


@dataclass(frozen=True)
class SpoolRecord:
    kind: str
    sid: str
    received_at: str  # ISO 8601, when the webhook spooled it
    params: dict[str, str]


def spool_dir() -> Path:
    path = Path(settings.HOTLINE_SPOOL_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _open_locked_journal(folder: Path) -> int:
    """The journal's descriptor, locked, and still the file named journal.jsonl (a replay may
    have moved the file this process opened aside while it waited for the lock)."""
    path = folder / JOURNAL
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def spool_append(*, kind: str, sid: str, params: dict[str, str]) -> None:
    """Append one record, durably (on disk when this returns). Raises OSError when it cannot."""
    if kind not in KINDS:
        raise ValueError(f"unknown spool record kind {kind!r}")
    line = json.dumps(
        {"kind": kind, "sid": sid, "received_at": timezone.now().isoformat(), "params": params},
        ensure_ascii=False,
    )
    folder = spool_dir()
    fd = _open_locked_journal(folder)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock
    logger.warning("Spooled a %s (%s) for replay: the database could not store it", kind, sid)


@contextlib.contextmanager
def replay_lock() -> Iterator[bool]:
    """One replay at a time on this host: yields False when another one is running."""
    fd = os.open(spool_dir() / REPLAY_LOCK, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def spool_claim_batches() -> list[Path]:
    """Move the journal aside as a new batch; every batch waiting to be replayed, oldest first."""
    folder = spool_dir()
    journal = folder / JOURNAL
    if journal.exists():
        fd = _open_locked_journal(folder)
        try:
            if os.fstat(fd).st_size:
                batch = folder / f"batch-{time.time_ns():020d}-{os.getpid()}.jsonl"
                os.rename(journal, batch)
                _fsync_dir(folder)
        finally:
            os.close(fd)
    return sorted(folder.glob("batch-*.jsonl"))


def spool_read(batch: Path) -> Iterator[SpoolRecord]:
    for number, line in enumerate(batch.read_bytes().splitlines(), start=1):
        try:
            data = json.loads(line)
            record = SpoolRecord(
                kind=data["kind"], sid=data["sid"], received_at=data["received_at"], params=data["params"]
            )
        except (ValueError, KeyError, TypeError):
            # Only a crash in the middle of a write leaves such a line, and only as the last.
            logger.error("Skipped unreadable line %s of spool batch %s", number, batch.name)
            continue
        yield record


def spool_quarantine(record: SpoolRecord, reason: str) -> None:
    """Set aside a record that cannot be stored for another reason than the database (a bug):
    kept in failed.jsonl for a person, so that one bad record does not block the others."""
    line = json.dumps({**record.__dict__, "error": reason}, ensure_ascii=False)
    fd = os.open(spool_dir() / FAILED, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def spool_done(batch: Path) -> None:
    batch.unlink(missing_ok=True)
    _fsync_dir(batch.parent)


def spool_pending() -> int:
    """Records waiting to be replayed (journal and batches), for health and the commands."""
    folder = spool_dir()
    files = [folder / JOURNAL, *folder.glob("batch-*.jsonl")]
    return sum(path.read_bytes().count(b"\n") for path in files if path.exists())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
