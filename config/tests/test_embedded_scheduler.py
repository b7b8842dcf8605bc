"""`make run`'s configuration (SQLite, no Redis) runs the periodic tasks on their schedule.

The test builds what `make run` builds, in a temporary folder: a migrated SQLite file, an
incident whose escalation is due, then `python -m config.devserver` (the Makefile's server:
runserver plus the embedded scheduler) with no REDIS_URL. It sees the escalation sweep move the
incident and /healthz/ report the scheduler's heartbeat.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from config.devserver import scheduler_command

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from datetime import timedelta
from django.utils import timezone
from dispatch.models import Incident
from dispatch.tests.factories import ensure_seeded, responder_on_shift, send_responders
from volunteers.tests.factories import UserFactory

ensure_seeded()
dispatcher = UserFactory(roles=("Dispatcher", "Volunteer"))
responder_on_shift()
send_responders(user=dispatcher)
incident = Incident.objects.latest("pk")
Incident.objects.filter(pk=incident.pk).update(escalate_at=timezone.now() - timedelta(seconds=1))
print("INCIDENT", incident.pk, incident.escalation_level)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMBEDDED_CACHE_DIR=str(tmp_path / "cache"),
        DEVSERVER_RUN_DIR=str(tmp_path / "run"),
        DEBUG="1",
        SMS_BACKEND="memory",
        PYTHONUNBUFFERED="1",
    )
    return env


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as response:  # noqa: S310
            return json.loads(response.read())
    except OSError:
        return None


def test_scheduler_is_beat_running_tasks_itself_without_redis(tmp_path):
    assert scheduler_command(redis_url="", run_dir=tmp_path)[-5:-3] == ["beat", "--schedule"]
    with_broker = scheduler_command(redis_url="redis://127.0.0.1:6379/0", run_dir=tmp_path)
    assert "worker" in with_broker and "--beat" in with_broker


def test_make_run_configuration_escalates_on_time_and_reports_heartbeat(tmp_path):
    env = _embedded_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    line = next(line for line in setup.stdout.splitlines() if line.startswith("INCIDENT"))
    _, incident_id, level = line.split()
    assert level == "0"

    port = _free_port()
    log = (tmp_path / "devserver.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "config.devserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    escalated_after = heartbeat = None
    try:
        while time.monotonic() - started < 75 and (escalated_after is None or heartbeat is None):
            time.sleep(1)
            with sqlite3.connect(tmp_path / "db.sqlite3", timeout=5) as db:
                row = db.execute(
                    "SELECT escalation_level FROM dispatch_incident WHERE id = ?", (int(incident_id),)
                ).fetchone()
            if escalated_after is None and row[0] >= 1:
                escalated_after = time.monotonic() - started
            body = _health(port)
            if body and body["worker_seen_seconds_ago"] is not None:
                heartbeat = body["worker_seen_seconds_ago"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
    output = (tmp_path / "devserver.log").read_text(errors="replace")
    # The sweep runs every 15 s: the due escalation happens at its first run, not "some day".
    assert escalated_after is not None, f"no escalation within 75 s:\n{output[-3000:]}"
    assert escalated_after < 45, escalated_after
    assert heartbeat is not None and heartbeat < 30, output[-3000:]
    assert "database is locked" not in output
