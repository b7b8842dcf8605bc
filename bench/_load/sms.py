"""An SMS backend that appends one JSON line per text to a file, for bench/load.py.

Every process that sends (gunicorn workers, every Celery worker, the ones killed mid-run
included) appends to the same file, opened with O_APPEND and written with one `write()` per
line, so lines from different processes never interleave and a line is on disk (in the page
cache) the moment the provider "accepted" the text: a process SIGKILLed after that write
cannot take it back. The bench counts these lines against the outbox rows to find texts lost
(a row with no line) or duplicated (a row with two lines). `find_sent` answers the outbox
sweep's question about a row a killed worker left in SENDING from the same file.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import datetime

from hotline.models import Message


class FileBackend:
    name = "bench_file"

    def __init__(self) -> None:
        self.path = os.environ["BENCH_SMS_LOG"]

    def _append(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> tuple[str, str]:
        sid = "SM" + uuid.uuid4().hex
        self._append(
            {"kind": "sms", "sid": sid, "to": to, "body": body, "pid": os.getpid(), "at": time.time()}
        )
        return sid, Message.Status.QUEUED

    def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> tuple[str, str] | None:
        """What the outbox sweep asks about a row a killed worker left in SENDING: the file is
        this "provider's" record of every text it accepted."""
        cutoff = since.timestamp() - 30  # the same clock allowance as the Twilio backend
        try:
            with open(self.path, encoding="utf-8") as log:
                for line in log:
                    record = json.loads(line)
                    if record["kind"] == "sms" and record["to"] == to and record["body"] == body:
                        if record["at"] >= cutoff:
                            return record["sid"], Message.Status.QUEUED
        except FileNotFoundError:
            return None
        return None

    def start_call(self, *, to: str, from_: str, url: str, status_callback: str | None) -> str:
        sid = "CA" + uuid.uuid4().hex
        self._append(
            {"kind": "call", "sid": sid, "to": to, "url": url, "pid": os.getpid(), "at": time.time()}
        )
        return sid
