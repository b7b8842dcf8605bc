"""Benchmark: load and faults. Webhooks and the dispatch console together, then Redis and a worker die.

Everything runs on loopback, in its own PostgreSQL database (`hotline_bench_load`, dropped
afterwards) and its own `redis-server` on a free port (never the shared one, so the bench may
kill it): gunicorn serving the project, a real Celery worker (threads pool) and celery beat
(whose outbox sweep re-sends rows a broker outage left pending). Seeded: dispatchers and
responders trained and on shift now, hours of operation covering every day.

Load, in both phases, from one client process:
- callers: signed Twilio voice webhooks (a call arrives; some hang up in the language menu,
  some press 1, which opens an intake and rings the dispatchers) and signed SMS webhooks from
  a pool of numbers (opening or continuing a text conversation);
- dispatchers signed in with password and TOTP code: some poll the console's queue partial
  (what htmx polls), others claim an intake from it, open its page, send two or three
  responders through the real form, then record an outcome and close the incident (texts);
- responders: each call-out text that reaches the SMS "provider" is answered "YES <code>" by a
  signed SMS webhook from the responder's number (more texts: on the team / team full).

Phase 1 is steady. Phase 2 is the same load while the bench SIGKILLs its redis-server for a
while and starts it again (empty: `--save ""`), then SIGKILLs the Celery worker and starts a
new one. After the load the bench waits (bounded) for the outbox to drain.

How texts are counted: the SMS backend (`bench/_load/sms.py`) appends one line per text
handed to the "provider" to a file with O_APPEND, from whichever process sends it (killed ones
included). Every outbox row (`dispatch.Notification`) should have exactly one line with its
number and text: a row without one is lost, a second line is a duplicate. Not the `Message`
rows: hotline.messaging stores one *before* it calls the provider, so a worker killed in
between leaves a Message for a text that never left; the file is written by the provider
stand-in itself, at the moment it accepts a text, and no process can take a line back.

`--redis-fault freeze` hangs Redis (SIGSTOP, then SIGCONT) instead of killing it: connections
are accepted by the kernel and never answered, which is what a network partition looks like.

The worker is killed at a fixed second, whatever it is doing. `--kill-mid-send` waits (up to
5 s) until a text is being sent and kills it then: the worst case, reported separately (rows
left in SENDING, and whether their text had left).

Prints, per phase: requests served, 5xx, other errors, p50/p99 latency, and notifications
expected / sent / lost / duplicated (targets: 0 5xx, 0 lost, 0 duplicated). The last line is
one JSON object. Exits non-zero only when the bench itself cannot run.

    .venv/bin/python bench/load.py [--steady-seconds 20] [--fault-seconds 30] [--drain-seconds 45]
        [--voice-clients 3] [--sms-clients 3] [--pollers 6] [--triagers 2] [--responders 24]
        [--kill-mid-send] [--keep-logs]   (--help lists every knob)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

DB_NAME = "hotline_bench_load"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
ACCOUNT_SID = "AC" + "0" * 32
TOKEN = "bench-auth-token-" + secrets.token_hex(8)
PASSWORD = "bench-" + secrets.token_urlsafe(12)
HOTLINE_NUMBER = "+12025550100"
# Answers to the seeded protocol (v1) that recommend sending responders.
SEND_ANSWERS = {
    "weapon": "no",
    "violence": "no",
    "medical_emergency": "no",
    "suicide_imminent": "no",
    "consent": "yes",
    "location": "14th St and Pine, by the bus shelter",
    "call_type": "welfare-check",
    "language": "",
}
CALLER_TEXTS = [
    "Hi, my neighbour has been shouting in the street for an hour and seems confused",
    "Is someone there? I need to talk to somebody",
    "My brother is not doing well, can someone come by",
    "there is a man sleeping outside in the cold near the library",
]
# Status codes each kind of request answers when all is well.
EXPECTED = {
    "voice_incoming": {200},
    "voice_language": {200},
    "voice_status": {204},
    "sms_incoming": {200},
    "responder_reply": {200},
    "queue_poll": {200},
    "claim": {302},
    "intake_page": {200},
    "decide": {302},
    "outcome": {302},
    "close": {302},
}
CALL_OUT = re.compile(r"Reply YES ([A-Z2-9]{4})")


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


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# --- Processes ---------------------------------------------------------------------------------


class Stack:
    """The bench's own redis-server, gunicorn, Celery worker and beat, started and stopped here."""

    def __init__(self, *, workdir: Path, web_port: int, redis_port: int, args) -> None:
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
                "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DB_NAME}",
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
                "FALLBACK_NUMBER": "+12025550999",
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


# --- HTTP clients ------------------------------------------------------------------------------


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


@dataclass
class Sample:
    at: float  # time.time() when the request started
    kind: str
    status: int  # 0: no answer (refused, reset, timed out)
    ms: float


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.recording = False

    def add(self, sample: Sample) -> None:
        if self.recording:
            with self.lock:
                self.samples.append(sample)


class Client:
    """Requests from one user: a cookie jar, CSRF header on POSTs, every answer recorded."""

    def __init__(self, port: int, recorder: Recorder, *, timeout: float = 10) -> None:
        self.port = port
        self.recorder = recorder
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, kind: str, method: str, path: str, data=None, headers: dict | None = None):
        headers = dict(headers or {})
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        started_wall, started = time.time(), time.perf_counter()
        try:
            status, message, content = http_request(
                self.port, method, path, body=body, headers=headers, timeout=self.timeout
            )
        except (OSError, http.client.HTTPException):
            status, message, content = 0, None, b""
        self.recorder.add(Sample(started_wall, kind, status, (time.perf_counter() - started) * 1000))
        if message is not None:
            for header in message.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
        location = message.get("Location", "") if message is not None else ""
        return status, location, content.decode(errors="replace")


class Twilio:
    """Signs webhook requests as Twilio does, over PUBLIC_BASE_URL + path."""

    def __init__(self, port: int, recorder: Recorder) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.validator = RequestValidator(TOKEN)
        self.client = Client(port, recorder)

    def post(self, kind: str, path: str, params: dict[str, str]) -> int:
        signature = self.validator.compute_signature(self.base + path, params)
        status, _location, _text = self.client.request(
            kind, "POST", path, data=params, headers={"X-Twilio-Signature": signature}
        )
        return status


def voice_params(call_sid: str, caller: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "Caller": caller,
        "From": caller,
        "FromCountry": "US",
        "Called": HOTLINE_NUMBER,
        "To": HOTLINE_NUMBER,
        "ToCountry": "US",
        **extra,
    }


def sms_params(sender: str, body: str) -> dict[str, str]:
    sid = "SM" + secrets.token_hex(16)
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "SmsStatus": "received",
        "From": sender,
        "FromCountry": "US",
        "To": HOTLINE_NUMBER,
        "ToCountry": "US",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }


class Bucket:
    """Token bucket: how many calls may go on past the language menu (new intakes) per second."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = 1.0
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(2.0, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def voice_caller(twilio: Twilio, stop: threading.Event, bucket: Bucket, number: int) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        call_sid = "CA" + secrets.token_hex(16)
        caller = f"+1303555{(number * 1000 + n) % 10000:04d}"
        twilio.post("voice_incoming", "/hotline/voice/incoming/", voice_params(call_sid, caller))
        if bucket.take():
            params = voice_params(call_sid, caller, CallStatus="in-progress", Digits="1")
            twilio.post("voice_language", "/hotline/voice/language/?attempt=1", params)
        else:
            params = voice_params(call_sid, caller, CallStatus="completed", CallDuration="7")
            twilio.post("voice_status", "/hotline/voice/status/", params)


def sms_caller(twilio: Twilio, stop: threading.Event, numbers: list[str]) -> None:
    while not stop.is_set():
        for sender in numbers:
            if stop.is_set():
                return
            twilio.post(
                "sms_incoming", "/hotline/sms/incoming/", sms_params(sender, random.choice(CALLER_TEXTS))
            )


def sign_in(port: int, recorder: Recorder, username: str, key_hex: str) -> Client:
    """Password, then the TOTP code, through the real pages (not recorded)."""
    from django_otp.oath import totp

    client = Client(port, recorder, timeout=60)
    for _attempt in range(3):
        status, _location, _ = client.request("login_page", "GET", "/accounts/login/")
        if "csrftoken" in client.cookies:
            break
    else:
        raise RuntimeError(f"the login page gave no CSRF cookie (HTTP {status})")
    status, location, _ = client.request(
        "login", "POST", "/accounts/login/", data={"username": username, "password": PASSWORD}
    )
    if status != 302:
        raise RuntimeError(f"{username} could not sign in (HTTP {status})")
    code = f"{totp(bytes.fromhex(key_hex)):06d}"
    status, location, _ = client.request(
        "two_factor", "POST", "/volunteers/me/two-factor/verify/?next=/dispatch/", data={"token": code}
    )
    if status != 302:
        raise RuntimeError(f"{username}'s TOTP code was refused (HTTP {status})")
    status, _location, _ = client.request("queue_poll", "GET", "/dispatch/queue/")
    if status != 200:
        raise RuntimeError(f"{username} cannot see the console queue after signing in (HTTP {status})")
    client.timeout = 10
    return client


HX = {"HX-Request": "true", "HX-Current-URL": "/dispatch/"}


def poller(client: Client, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        client.request("queue_poll", "GET", "/dispatch/queue/", headers=HX)
        stop.wait(interval * random.uniform(0.8, 1.2))


CLAIMABLE = re.compile(r'id="claim-(\d+)"')
CANDIDATE = re.compile(r'name="responders" value="(\d+)"')
INCIDENT_URL = re.compile(r"/dispatch/incidents/(\d+)/")


def triager(client: Client, stop: threading.Event, *, index: int, count: int, args, opened: list) -> None:
    """Claim an intake from the queue, open it, send responders; close incidents after a while."""
    waiting: list[tuple[float, int]] = []
    while not stop.is_set():
        now = time.monotonic()
        for due, incident in [w for w in waiting if w[0] <= now]:
            waiting.remove((due, incident))
            client.request(
                "outcome",
                "POST",
                f"/dispatch/incidents/{incident}/outcome/",
                {"outcome": "resolved_on_scene"},
            )
            client.request("close", "POST", f"/dispatch/incidents/{incident}/close/", {})
        status, _location, text = client.request("queue_poll", "GET", "/dispatch/queue/", headers=HX)
        claimable = sorted(int(pk) for pk in CLAIMABLE.findall(text)) if status == 200 else []
        mine = [pk for pk in claimable if pk % count == index] or claimable
        if not mine:
            stop.wait(args.poll_interval)
            continue
        pk = mine[0]
        status, location, _ = client.request("claim", "POST", f"/dispatch/intakes/{pk}/claim/", {})
        if status != 302 or f"/dispatch/intakes/{pk}/" not in location:
            continue  # another dispatcher was quicker
        status, _location, page = client.request("intake_page", "GET", f"/dispatch/intakes/{pk}/")
        responders = CANDIDATE.findall(page)[: args.team_size + 1]
        data = [(f"q_{key}", value) for key, value in SEND_ANSWERS.items()]
        data += [("decision", "send_responders"), ("team_size", str(args.team_size)), ("details", "")]
        data += [("responders", pk_) for pk_ in responders]
        status, location, _ = client.request("decide", "POST", f"/dispatch/intakes/{pk}/decide/", data)
        match = INCIDENT_URL.search(location) if status == 302 else None
        if match:
            incident = int(match.group(1))
            opened.append(incident)
            waiting.append((time.monotonic() + args.incident_seconds, incident))


class Responders:
    """Responders' phones: read each text off the provider's log, answer call-outs YES <code>."""

    def __init__(self, twilio_factory, sms_log: Path, stop: threading.Event, phones: set[str]) -> None:
        self.twilio_factory = twilio_factory
        self.sms_log = sms_log
        self.stop = stop
        self.phones = phones
        self.replies: queue.Queue = queue.Queue()
        self.offset = 0
        self.answered: set[tuple[str, str]] = set()

    def read(self) -> None:
        while not self.stop.is_set():
            if self.sms_log.exists():
                with self.sms_log.open("rb") as handle:
                    handle.seek(self.offset)
                    chunk = handle.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                self.offset += len(complete)
                for line in complete.splitlines():
                    record = json.loads(line)
                    match = CALL_OUT.search(record.get("body", ""))
                    key = (record.get("to", ""), match.group(1) if match else "")
                    if match and key[0] in self.phones and key not in self.answered:
                        self.answered.add(key)
                        self.replies.put((time.monotonic() + random.uniform(0.3, 1.5), *key))
            self.stop.wait(0.2)

    def answer(self) -> None:
        twilio = self.twilio_factory()
        while not self.stop.is_set():
            try:
                due, phone, code = self.replies.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.stop.wait(max(0.0, due - time.monotonic())):
                return
            twilio.post("responder_reply", "/hotline/sms/incoming/", sms_params(phone, f"YES {code}"))


# --- Seeding and counting (Django in this process, on the bench database) ----------------------


def seed(*, dispatchers: int, responders: int) -> tuple[list[tuple[str, str]], set[str]]:
    """Dispatchers (with a TOTP device) and responders, trained and on shift now; open all week."""
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
    return credentials, phones


@dataclass
class TextCount:
    expected: int = 0
    sent: int = 0
    lost: int = 0
    duplicated: int = 0
    statuses: Counter = field(default_factory=Counter)
    # Rows a killed worker left in SENDING (the sweep marks them failed after 300 s, never re-sends).
    stuck: int = 0
    stuck_delivered: int = 0
    # ...of which hotline.messaging had stored no outbound Message yet (it stores one before it
    # calls the provider): those texts provably never left.
    stuck_before_message: int = 0


def count_texts(
    sms_log: Path, boundaries: list[tuple[str, float, float]]
) -> tuple[dict[str, TextCount], int]:
    """Outbox rows against the provider's log, per phase (by the row's creation time)."""
    from dispatch.models import Notification
    from hotline.models import Message

    sends: Counter = Counter()
    if sms_log.exists():
        for line in sms_log.read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "sms":
                sends[(record["to"], record["body"])] += 1
    rows: dict[tuple[str, str], list] = defaultdict(list)
    for row in Notification.objects.values("to", "body", "status", "created_at"):
        rows[(row["to"], row["body"])].append(row)
    counts = {name: TextCount() for name, _start, _end in boundaries}
    for key, group in rows.items():
        created = group[0]["created_at"].timestamp()
        name = next((n for n, start, end in boundaries if start <= created < end), boundaries[-1][0])
        count = counts[name]
        count.expected += len(group)
        count.sent += min(len(group), sends[key])
        count.lost += max(0, len(group) - sends[key])
        count.duplicated += max(0, sends[key] - len(group))
        count.statuses.update(row["status"] for row in group)
        stuck = sum(1 for row in group if row["status"] == Notification.Status.SENDING)
        if stuck:
            count.stuck += stuck
            count.stuck_delivered += min(stuck, sends[key])
            stored = Message.objects.filter(
                direction=Message.Direction.OUTBOUND, to_number=key[0], body=key[1]
            )
            count.stuck_before_message += max(0, stuck - stored.count())
    unmatched = sum(n for key, n in sends.items() if key not in rows)
    return counts, unmatched


def sending_now(*, timeout: float) -> bool:
    """Wait (bounded) until some outbox row is being sent, so that a kill lands mid-send."""
    from django.db import connection

    from dispatch.models import Notification

    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if Notification.objects.filter(status=Notification.Status.SENDING).exists():
                return True
            time.sleep(0.005)
        return False
    finally:
        connection.close()


def rows_mid_send() -> dict[int, int]:
    """Outbox rows in SENDING (id -> attempts): after the worker's SIGKILL, the ones it died on."""
    from django.db import connection

    from dispatch.models import Notification

    try:
        return dict(
            Notification.objects.filter(status=Notification.Status.SENDING).values_list("pk", "attempts")
        )
    finally:
        connection.close()


def mid_send_outcome(killed: dict[int, int]) -> dict[str, int]:
    """How the sweep settled the rows the killed worker was sending: the provider had the text
    (marked sent, attempts unchanged), sent again (one more attempt), or failed for a person."""
    from dispatch.models import Notification

    outcome = {"rows": len(killed), "recovered": 0, "resent": 0, "failed": 0, "unsettled": 0}
    for pk, status, attempts in Notification.objects.filter(pk__in=killed).values_list(
        "pk", "status", "attempts"
    ):
        if status == Notification.Status.SENT:
            outcome["resent" if attempts > killed[pk] else "recovered"] += 1
        elif status == Notification.Status.FAILED:
            outcome["failed"] += 1
        else:
            outcome["unsettled"] += 1
    return outcome


def outbox_settled() -> bool:
    """Nothing pending and nothing in SENDING: rows a killed worker left mid-send are settled
    by the sweep with the provider (sent, sent again, or failed) after BENCH_STUCK_AFTER."""
    from dispatch.models import Notification

    return not Notification.objects.filter(
        status__in=[Notification.Status.PENDING, Notification.Status.SENDING]
    ).exists()


# --- The run -----------------------------------------------------------------------------------


def summarise(samples: list[Sample]) -> dict:
    latencies = sorted(s.ms for s in samples if s.status and s.status < 500)
    errors_5xx = sum(1 for s in samples if s.status >= 500)
    other = sum(1 for s in samples if s.status < 500 and s.status not in EXPECTED.get(s.kind, {200}))
    return {
        "requests": len(samples),
        "errors_5xx": errors_5xx,
        "errors_other": other,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
    }


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    stack = Stack(workdir=workdir, web_port=free_port(), redis_port=free_port(), args=args)
    os.environ.update(stack.env)
    admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DB_NAME}")
    try:
        return _run(args, stack)
    finally:
        stack.stop()
        from django.db import connections

        connections.close_all()
        admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        if args.keep_logs:
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args, stack: Stack) -> dict:
    import django

    steps: list[str] = []
    clock = time.monotonic()

    def step(name: str) -> None:
        nonlocal clock
        steps.append(f"{name} {time.monotonic() - clock:.1f} s")
        clock = time.monotonic()

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    step("migrate")
    # The servers start (imports, no queries yet) while the database is seeded.
    stack.redis_start()
    stack.web_start_unwaited()
    first_worker = stack.worker_start()
    dispatchers = args.pollers + args.triagers
    credentials, phones = seed(dispatchers=dispatchers, responders=args.responders)
    connections.close_all()
    step("seed")
    stack.web_wait()
    stack.worker_wait(first_worker)
    stack.beat_start()
    step("servers ready")
    recorder = Recorder()
    with ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(pool.map(lambda c: sign_in(stack.web_port, recorder, *c), credentials))
    step("sign-in")
    log(
        f"set up ({', '.join(steps)}): {dispatchers} dispatchers signed in with password and TOTP, "
        f"{args.responders} responders on shift; gunicorn {args.workers}x{args.threads} threads, "
        f"celery worker threads x{args.worker_threads}, beat (outbox sweep every {args.sweep_every:g} s, "
        f"rows pending {args.sweep_after} s)"
    )

    stop = threading.Event()
    bucket = Bucket(args.intakes_per_second)
    opened: list[int] = []
    sms_numbers = [f"+1303556{n:04d}" for n in range(args.sms_numbers)]
    share = max(1, len(sms_numbers) // max(args.sms_clients, 1))
    responders = Responders(lambda: Twilio(stack.web_port, recorder), stack.sms_log, stop, phones)
    crashes: list[str] = []

    def client(target, *args, **kwargs) -> threading.Thread:
        """A load client's thread; one that dies is reported (it would skew the figures)."""

        def run_client() -> None:
            try:
                target(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - reported after the run
                crashes.append(f"{target.__name__}: {type(exc).__name__}: {exc}")

        return threading.Thread(target=run_client)

    threads = [client(responders.read)] + [client(responders.answer) for _ in range(3)]
    threads += [
        client(voice_caller, Twilio(stack.web_port, recorder), stop, bucket, n)
        for n in range(args.voice_clients)
    ]
    threads += [
        client(sms_caller, Twilio(stack.web_port, recorder), stop, sms_numbers[n * share : (n + 1) * share])
        for n in range(args.sms_clients)
    ]
    threads += [client(poller, session, stop, args.poll_interval) for session in sessions[: args.pollers]]
    threads += [
        client(triager, session, stop, index=i, count=args.triagers, args=args, opened=opened)
        for i, session in enumerate(sessions[args.pollers :])
    ]
    events: list[str] = []
    recorder.recording = True
    phase1_start = time.time()
    for thread in threads:
        thread.start()
    log(f"phase 1 (steady): {args.steady_seconds:g} s")
    time.sleep(args.steady_seconds)

    phase2_start = time.time()
    log(f"phase 2 (faults): {args.fault_seconds:g} s")

    def at(offset: float) -> None:
        time.sleep(max(0.0, phase2_start + offset - time.time()))

    def event(text: str) -> None:
        events.append(f"t+{time.time() - phase2_start:.1f}s {text}")
        log("  " + events[-1])

    at(args.redis_down_at)
    outage_start = time.time()
    if args.redis_fault == "freeze":
        stack.redis_freeze(True)
        event("redis-server frozen (SIGSTOP)")
    else:
        stack.redis_kill()
        event("redis-server SIGKILLed")
    at(args.redis_down_at + args.redis_down_seconds)
    outage_end = time.time()
    if args.redis_fault == "freeze":
        stack.redis_freeze(False)
        event("redis-server resumed (SIGCONT)")
    else:
        stack.redis_start()
        event("redis-server started again (empty)")
    at(args.kill_worker_at)
    if args.kill_mid_send:
        sending_now(timeout=5)
    stack.worker_kill()
    killed_mid_send = rows_mid_send()
    event(f"celery worker SIGKILLed with {len(killed_mid_send)} text(s) mid-send, a new one starting")
    replacement = stack.worker_start()

    def replacement_ready() -> None:
        try:
            stack.worker_wait(replacement)
        except RuntimeError as exc:
            event(f"the new celery worker did not start: {exc}")
        else:
            event("new celery worker ready")

    waiter = threading.Thread(target=replacement_ready)
    waiter.start()
    at(args.fault_seconds)
    stop.set()
    recorder.recording = False
    load_end = time.time()
    for thread in threads:
        thread.join(timeout=15)
    waiter.join(timeout=60)

    drain_started = time.monotonic()
    while time.monotonic() - drain_started < args.drain_seconds:
        if outbox_settled():
            break
        time.sleep(0.5)
    drained_in = time.monotonic() - drain_started
    time.sleep(1)  # a late duplicate would show up now
    boundaries = [("steady", phase1_start, phase2_start), ("faults", phase2_start, float("inf"))]
    texts, unmatched = count_texts(stack.sms_log, boundaries)
    settled = mid_send_outcome(killed_mid_send)
    connections.close_all()
    web_log = stack.tail("gunicorn", 10**9)
    degraded = web_log.count("answering with degraded TwiML")
    tracebacks = web_log.count("Traceback")
    # What the web processes could not hand to the down broker (dispatch.services.outbox logs each).
    left_for_sweep = sum(int(n) for n in re.findall(r"(\d+) text\(s\) left for the outbox sweep", web_log))

    samples = recorder.samples
    phases = {
        "steady": [s for s in samples if s.at < phase2_start],
        "faults": [s for s in samples if s.at >= phase2_start],
    }
    durations = {"steady": phase2_start - phase1_start, "faults": load_end - phase2_start}
    result_phases = {}
    for name, phase_samples in phases.items():
        figures = summarise(phase_samples)
        count = texts[name]
        figures.update(
            {
                "rps": round(figures["requests"] / durations[name], 1),
                "notifications": count.expected,
                "sent": count.sent,
                "lost": count.lost,
                "duplicated": count.duplicated,
                "outbox_status": dict(count.statuses),
                "stuck_sending": count.stuck,
                "stuck_before_message": count.stuck_before_message,
            }
        )
        result_phases[name] = figures
        log(
            f"{name}: {figures['requests']} requests in {durations[name]:.0f} s ({figures['rps']} req/s), "
            f"5xx {figures['errors_5xx']}, other errors {figures['errors_other']}, "
            f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; "
            f"notifications expected {count.expected}, sent {count.sent}, lost {count.lost}, "
            f"duplicated {count.duplicated} (outbox rows: {dict(count.statuses)})"
        )
        if count.stuck:
            log(
                f"    {count.stuck} row(s) left in SENDING by the killed worker; the provider got "
                f"{count.stuck_delivered} of them, {count.stuck_before_message} died before their outbound "
                f"Message was stored. The sweep settles such rows with the provider after "
                f"DISPATCH_OUTBOX_STUCK_AFTER_SECONDS; rows still SENDING here were not settled in time"
            )
        by_kind = defaultdict(list)
        for sample in phase_samples:
            by_kind[sample.kind].append(sample)
        for kind, kind_samples in sorted(by_kind.items()):
            f = summarise(kind_samples)
            statuses = dict(Counter(s.status for s in kind_samples))
            log(
                f"    {kind:16} n={f['requests']:5} p50 {f['p50_ms']} ms p99 {f['p99_ms']} ms statuses {statuses}"
            )
    outage = summarise([s for s in samples if outage_start <= s.at < outage_end])
    result_phases["faults"]["redis_outage"] = outage
    log(
        f"  of which while Redis was down ({outage_end - outage_start:.0f} s): {outage['requests']} requests, "
        f"5xx {outage['errors_5xx']}, other errors {outage['errors_other']}, p50 {outage['p50_ms']} ms, "
        f"p99 {outage['p99_ms']} ms, max {outage['max_ms']} ms"
    )
    total = summarise(samples)
    for crash in crashes:
        log(f"a load client stopped early: {crash}")
    log(
        f"drain: outbox settled {drained_in:.1f} s after the load (bound {args.drain_seconds:g} s); "
        f"incidents opened {len(opened)}; texts the web could not queue (Redis down) and left to the "
        f"sweep {left_for_sweep}; texts not from an outbox row {unmatched}; "
        f"webhooks answered with degraded TwiML {degraded}; tracebacks in the gunicorn log {tracebacks}"
    )
    log(
        f"killed worker: {settled['rows']} text(s) mid-send; the sweep found {settled['recovered']} at the "
        f"provider (marked sent), sent {settled['resent']} again, failed {settled['failed']}, "
        f"{settled['unsettled']} unsettled"
    )
    return {
        "bench": "load",
        "requests": total["requests"],
        "errors_5xx": total["errors_5xx"],
        "errors_other": total["errors_other"],
        "p50_ms": total["p50_ms"],
        "p99_ms": total["p99_ms"],
        "notifications": sum(c.expected for c in texts.values()),
        "sent": sum(c.sent for c in texts.values()),
        "lost": sum(c.lost for c in texts.values()),
        "duplicated": sum(c.duplicated for c in texts.values()),
        "incidents": len(opened),
        "left_for_sweep": left_for_sweep,
        "stuck_sending": sum(c.stuck for c in texts.values()),
        "drain_s": round(drained_in, 1),
        "killed_mid_send": settled,
        "degraded_twiml": degraded,
        "phases": result_phases,
        "faults": events,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steady-seconds", type=float, default=20.0, help="phase 1 length (default 20)")
    parser.add_argument("--fault-seconds", type=float, default=30.0, help="phase 2 length (default 30)")
    parser.add_argument(
        "--redis-down-at", type=float, default=4.0, help="phase 2 second Redis dies (default 4)"
    )
    parser.add_argument("--redis-down-seconds", type=float, default=10.0, help="Redis outage (default 10)")
    parser.add_argument(
        "--kill-worker-at", type=float, default=18.0, help="phase 2 second the worker dies (18)"
    )
    parser.add_argument("--drain-seconds", type=float, default=45.0, help="longest wait for the outbox (45)")
    parser.add_argument(
        "--voice-clients", type=int, default=3, help="concurrent callers by voice (default 3)"
    )
    parser.add_argument("--sms-clients", type=int, default=3, help="concurrent callers by text (default 3)")
    parser.add_argument("--sms-numbers", type=int, default=30, help="numbers the texting callers use (30)")
    parser.add_argument("--intakes-per-second", type=float, default=1.0, help="calls past the menu per s (1)")
    parser.add_argument("--pollers", type=int, default=6, help="dispatchers polling the queue (default 6)")
    parser.add_argument(
        "--poll-interval", type=float, default=0.5, help="seconds between polls (default 0.5)"
    )
    parser.add_argument("--triagers", type=int, default=2, help="dispatchers sending responders (default 2)")
    parser.add_argument("--team-size", type=int, default=2, help="responders per incident (default 2)")
    parser.add_argument(
        "--incident-seconds", type=float, default=4.0, help="incident open before closing (4)"
    )
    parser.add_argument("--responders", type=int, default=24, help="responders on shift (default 24)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--worker-threads", type=int, default=8, help="celery worker threads (default 8)")
    parser.add_argument("--sweep-every", type=float, default=5.0, help="beat's outbox sweep period (5)")
    parser.add_argument("--sweep-after", type=int, default=10, help="sweep rows pending this long (10)")
    parser.add_argument(
        "--redis-fault",
        choices=["kill", "freeze"],
        default="kill",
        help="kill: SIGKILL and restart empty (default); freeze: SIGSTOP then SIGCONT (a hung broker)",
    )
    parser.add_argument(
        "--kill-mid-send", action="store_true", help="kill the worker while a text is being sent (harsher)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    args = parser.parse_args()
    if (
        args.kill_worker_at >= args.fault_seconds
        or args.redis_down_at + args.redis_down_seconds > args.kill_worker_at
    ):
        parser.error("the faults must fit in phase 2: redis down, back, then the worker killed")
    if shutil.which("redis-server") is None:
        log("redis-server is not installed: the bench needs its own to stop and start")
        return 2
    try:
        result = run(args)
    except Exception as exc:  # noqa: BLE001 - any failure to set up or run is reported, not hidden
        log(f"the bench could not run: {type(exc).__name__}: {exc}")
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
