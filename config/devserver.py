"""`make run`'s server: Django's development server plus the scheduler that runs periodic work.

Escalations, the outbox sweep, missed-call sweeps, shift reminders and nightly redaction are
Celery beat entries (settings.CELERY_BEAT_SCHEDULE). In production a worker with beat runs
them; a newcomer's `make run` has no broker, so this launcher starts the scheduler beside the
web server and keeps it running:

- no REDIS_URL: `celery beat` with tasks eager (settings.CELERY_TASK_ALWAYS_EAGER), so beat
  runs each task body itself, on schedule, in its own process: the same task code a worker
  runs, no second scheduler to keep in step;
- REDIS_URL set: `celery worker --beat` on that broker, as `make worker` would.

The scheduler's heartbeat (config.tasks.worker_heartbeat) reaches /healthz/ through the
"scheduler" cache (files without Redis). If the scheduler exits it is started again (at most
once every few seconds); when the web server exits, the scheduler is stopped.

    python -m config.devserver [ADDRPORT]       # default 127.0.0.1:8000
    python -m config.devserver --scheduler-only # the scheduler alone, in the foreground
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
RESTART_DELAY_SECONDS = 5.0


def scheduler_command(*, redis_url: str, run_dir: Path) -> list[str]:
    """The process that runs the periodic tasks in this configuration."""
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    schedule = str(run_dir / "celerybeat-schedule")
    if redis_url:
        return [
            *celery,
            "worker",
            "--beat",
            "--schedule",
            schedule,
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
        ]
    return [*celery, "beat", "--schedule", schedule, "--loglevel", "INFO"]


def _log(message: str) -> None:
    print(f"[devserver] {message}", file=sys.stderr, flush=True)


class Supervisor:
    """Keeps the scheduler running while the web server (if any) runs."""

    def __init__(self, *, scheduler: list[str], server: list[str] | None) -> None:
        self.scheduler_cmd = scheduler
        self.server_cmd = server
        self.scheduler: subprocess.Popen | None = None
        self.server: subprocess.Popen | None = None
        self.stopping = False
        self.last_start = 0.0

    def start_scheduler(self) -> None:
        self.last_start = time.monotonic()
        self.scheduler = subprocess.Popen(self.scheduler_cmd, cwd=ROOT)  # noqa: S603 - our own interpreter
        _log(f"scheduler started (pid {self.scheduler.pid}): {' '.join(self.scheduler_cmd[2:])}")

    def stop(self, *_args) -> None:
        self.stopping = True
        for process in (self.server, self.scheduler):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.server, self.scheduler):
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        self.start_scheduler()
        if self.server_cmd:
            self.server = subprocess.Popen(self.server_cmd, cwd=ROOT)  # noqa: S603 - our own interpreter
        try:
            while not self.stopping:
                time.sleep(0.5)
                if self.server is not None and self.server.poll() is not None:
                    _log(f"web server exited ({self.server.returncode}); stopping the scheduler")
                    self.stop()
                    return self.server.returncode
                if self.scheduler.poll() is not None and not self.stopping:
                    _log(f"scheduler exited ({self.scheduler.returncode}); starting it again")
                    wait = RESTART_DELAY_SECONDS - (time.monotonic() - self.last_start)
                    if wait > 0:
                        time.sleep(wait)
                    self.start_scheduler()
        except KeyboardInterrupt:
            self.stop()
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
    parser.add_argument("--scheduler-only", action="store_true", help="run only the scheduler")
    parser.add_argument("--noreload", action="store_true", help="pass --noreload to runserver")
    args = parser.parse_args(argv)
    run_dir = Path(os.environ.get("DEVSERVER_RUN_DIR") or RUN_DIR)
    run_dir.mkdir(parents=True, exist_ok=True)
    scheduler = scheduler_command(redis_url=os.environ.get("REDIS_URL", ""), run_dir=run_dir)
    server = None
    if not args.scheduler_only:
        server = [sys.executable, "manage.py", "runserver", args.addrport]
        if args.noreload:
            server.append("--noreload")
    return Supervisor(scheduler=scheduler, server=server).run()


if __name__ == "__main__":
    sys.exit(main())
