"""Setting the load bench up: its database, its own processes, and the people it seeds.

`Stack` starts and stops the bench's own redis-server, gunicorn, Celery worker and beat (and
kills or freezes them when `bench._load.faults` says so); `seed` creates dispatchers and
responders trained and on shift now. The names, numbers and secrets both sides share (the
server's environment, the load clients' signatures) are defined here. Used by bench/load.py.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# Its own database; BENCH_LOAD_DB names another (two engineers benching on one PostgreSQL).
DB_NAME = os.environ.get("BENCH_LOAD_DB", "hotline_bench_load")
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
ACCOUNT_SID = "AC" + "0" * 32
TOKEN = "bench-auth-token-" + secrets.token_hex(8)
PASSWORD = "bench-" + secrets.token_urlsafe(12)
HOTLINE_NUMBER = "+12025550100"
FALLBACK_NUMBER = "+12025550999"
# The on-call coordinator the alarms text, and the call type nobody is trained for (a call-out
# of that type texts nobody: the "nobody available" alarm).
ON_CALL_PHONE = "+12025559000"
UNTRAINED_CALL_TYPE = "mental-health"


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_sql(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def http_request(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None, timeout=10
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


class Stack:
    """The bench's own redis-server, gunicorn, Celery worker and beat, started and stopped here."""

    def __init__(
        self, *, workdir: Path, web_port: int, redis_port: int, args, database_port: int = PG["port"]
    ) -> None:
        # The servers reach PostgreSQL on `database_port` (--db-fault: a proxy that can freeze).
        self.database_port = database_port
        self.workdir = workdir
        self.web_port = web_port
        self.redis_port = redis_port
        self.args = args
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None
        self.sms_log = workdir / "sms.jsonl"
        (workdir / "static").mkdir()
        self.env = self._env()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench._load.settings",
                "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{self.database_port}/{DB_NAME}",
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "DEBUG": "0",
                "SECRET_KEY": "bench-" + secrets.token_hex(16),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_HSTS_SECONDS": "0",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.web_port}",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": TOKEN,
                "HOTLINE_NUMBER": HOTLINE_NUMBER,
                "FALLBACK_NUMBER": FALLBACK_NUMBER,
                "TWO_FACTOR_REQUIRED": "1",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
                "BENCH_SMS_LOG": str(self.sms_log),
                "BENCH_STATIC_ROOT": str(self.workdir / "static"),
                "BENCH_SWEEP_EVERY": str(self.args.sweep_every),
                "BENCH_SWEEP_AFTER": str(self.args.sweep_after),
            }
        )
        return env

    def _log(self, name: str):
        return (self.workdir / f"{name}.log").open("ab")

    def redis_start(self) -> None:
        command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        self.redis = subprocess.Popen(command, stdout=self._log("redis"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.redis.poll() is not None:
                raise RuntimeError("redis-server exited during start-up: " + self.tail("redis"))
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def redis_freeze(self, frozen: bool) -> None:
        """A hung broker (SIGSTOP): connections are accepted by the kernel but never answered."""
        if self.redis is not None:
            self.redis.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)

    def redis_kill(self) -> None:
        """A crash, not a shutdown: SIGKILL, and with --save "" everything queued is gone."""
        if self.redis is not None:
            self.redis.send_signal(signal.SIGKILL)
            self.redis.wait()
            self.redis = None

    def web_start_unwaited(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.web_port}", "--workers", str(self.args.workers)]
        command += ["--worker-class", "gthread", "--threads", str(self.args.threads)]
        command += ["--backlog", "256", "--timeout", "30", "--log-level", "warning"]
        self.web = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log("gunicorn"), stderr=subprocess.STDOUT
        )

    def web_wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up: " + self.tail("gunicorn"))
            try:
                status, _headers, _body = http_request(self.web_port, "GET", "/healthz/", timeout=3)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start: " + self.tail("gunicorn"))

    def worker_start(self) -> subprocess.Popen:
        number = len(self.workers)
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads"]
        command += ["--concurrency", str(self.args.worker_threads), "--loglevel", "WARNING"]
        command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        command += ["--hostname", f"bench-load-{number}@%h"]
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log(f"worker{number}"), stderr=subprocess.STDOUT
        )
        self.workers.append(process)
        return process

    def worker_wait(self, process: subprocess.Popen, timeout: float = 60) -> None:
        from config.celery import app

        number = self.workers.index(process)
        name = f"bench-load-{number}@"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("the celery worker exited early: " + self.tail(f"worker{number}"))
            try:
                replies = app.control.ping(timeout=0.5)
            except Exception:  # noqa: BLE001 - the broker may be coming back
                replies = []
                time.sleep(0.5)
            if any(name in host for reply in replies for host in reply):
                return
        raise RuntimeError("the celery worker did not start")

    def worker_kill(self) -> None:
        process = self.workers[-1]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def beat_start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"]
        command += ["--schedule", str(self.workdir / "beat-schedule")]
        self.beat = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log("beat"), stderr=subprocess.STDOUT
        )

    def tail(self, name: str, chars: int = 2000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        processes = [p for p in [self.web, self.beat, *self.workers] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.redis_kill()


def seed(*, dispatchers: int, responders: int) -> tuple[list[tuple[str, str]], set[str]]:
    """Dispatchers (with a TOTP device) and responders, trained and on shift now; open all week;
    an on-call coordinator; a call type (UNTRAINED_CALL_TYPE) no responder is trained for."""
    from datetime import time as clock
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hotline.models import OperatingHours
    from volunteers.models import (
        Language,
        Shift,
        ShiftAssignment,
        TrainingCompletion,
        TrainingModule,
        Volunteer,
    )

    now = timezone.now()
    for weekday in range(7):  # opens == closes: the whole day
        OperatingHours.objects.create(weekday=weekday, opens=clock(0, 0), closes=clock(0, 0))
    password = make_password(PASSWORD)  # hashed once: every bench user shares it
    modules = list(TrainingModule.objects.filter(is_active=True))
    english = Language.objects.filter(code="en").first()
    User = get_user_model()
    credentials: list[tuple[str, str]] = []
    phones: set[str] = set()

    def volunteer(role: str, n: int, groups: list[str], shift: Shift) -> Volunteer:
        user = User.objects.create(
            username=f"bench-{role}-{n}",
            password=password,
            first_name="Bench",
            last_name=f"{role[0].upper()}{n:03d}",
        )
        user.groups.add(*Group.objects.filter(name__in=groups))
        person = Volunteer.objects.create(
            user=user,
            first_name="Bench",
            last_name=f"{role[0].upper()}{n:03d}",
            phone=f"+1202555{(2000 if role == 'dispatcher' else 3000) + n:04d}",
            email=f"bench-{role}-{n}@example.org",
            status=Volunteer.Status.ACTIVE,
            sms_consent=True,
            preferred_language="en",
        )
        if english:
            person.languages.add(english)
        ShiftAssignment.objects.create(shift=shift, volunteer=person)
        TrainingCompletion.objects.bulk_create(
            [
                TrainingCompletion(
                    volunteer=person, module=m, completed_on=timezone.localdate() - timedelta(days=1)
                )
                for m in modules
            ]
        )
        return person

    shifts = {
        role: Shift.objects.create(
            role=role,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=6),
            capacity=max(count, 1),
        )
        for role, count in (("dispatcher", dispatchers), ("responder", responders))
    }
    for n in range(dispatchers):
        person = volunteer("dispatcher", n, ["Volunteer", "Dispatcher"], shifts["dispatcher"])
        device = TOTPDevice.objects.create(user=person.user, name="authenticator", confirmed=True)
        credentials.append((person.user.username, device.key))
    for n in range(responders):
        person = volunteer("responder", n, ["Volunteer", "Responder"], shifts["responder"])
        phones.add(str(person.phone))
    # Created after everyone's completions: nobody holds it, so nobody is trained for the type.
    TrainingModule.objects.create(
        title="Bench: a call type nobody is trained for",
        slug="bench-untrained-call-type",
        qualifies_for_call_types=[UNTRAINED_CALL_TYPE],
        is_active=True,
    )
    from dispatch.models import OnCallPeriod

    coordinator = User.objects.create(username="bench-on-call", password=password, first_name="On-call")
    OnCallPeriod.objects.create(
        user=coordinator,
        phone=ON_CALL_PHONE,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=6),
    )
    return credentials, phones
