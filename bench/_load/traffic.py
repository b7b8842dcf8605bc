"""The load: callers (signed Twilio voice and SMS webhooks), dispatchers in the console, and
responders answering their call-out texts, each a thread of one client process.

Every request is timed into a `Recorder` as a `Sample` (kind, status, latency) that
`bench._load.report` summarises. Used by bench/load.py.
"""

from __future__ import annotations

import http.client
import json
import queue
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from bench._load.setup import ACCOUNT_SID, HOTLINE_NUMBER, PASSWORD, TOKEN, UNTRAINED_CALL_TYPE, http_request

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
CALL_OUT = re.compile(r"Reply YES ([A-Z2-9]{4})")
ON_THE_TEAM = re.compile(r"You are on the team for ([A-Z2-9]{4})\..*?(https?://\S+/dispatch/r/\S+/)")
ALARM_KEY = re.compile(r'data-alarm-key="([\d,]*)"')


class AlarmWatch:
    """What the clients did that must raise an alarm, and when the consoles first showed each.

    `nobody_free`: (incident id, time) of call-outs of a type nobody is trained for;
    `backups`: (code, request start, request end) of BACKUP texts from a team member;
    `checkins`: (code, phone, request start, request end, how) of check-ins the server accepted
    the request of (the "We're OK" button's redirect, or the OK text's 200);
    `seen`: alarm id -> when a polling console first listed it (unacknowledged, in the banner).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.nobody_free: list[tuple[int, float]] = []
        self.backups: list[tuple[str, float, float]] = []
        self.checkins: list[tuple[str, str, float, float, str]] = []
        self.seen: dict[int, float] = {}

    def saw(self, text: str, at: float) -> None:
        match = ALARM_KEY.search(text)
        if not match or not match.group(1):
            return
        with self.lock:
            for alarm_id in match.group(1).split(","):
                self.seen.setdefault(int(alarm_id), at)


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


def poller(client: Client, stop: threading.Event, interval: float, watch: AlarmWatch) -> None:
    while not stop.is_set():
        status, _location, text = client.request("queue_poll", "GET", "/dispatch/queue/", headers=HX)
        if status == 200:
            watch.saw(text, time.time())
        stop.wait(interval * random.uniform(0.8, 1.2))


CLAIMABLE = re.compile(r'id="claim-(\d+)"')
CANDIDATE = re.compile(r'name="responders" value="(\d+)"')
INCIDENT_URL = re.compile(r"/dispatch/incidents/(\d+)/")


def triager(
    client: Client, stop: threading.Event, *, index: int, count: int, args, opened: list, watch: AlarmWatch
) -> None:
    """Claim an intake from the queue, open it, send responders; close incidents after a while.
    Every `--nobody-free-every`th call-out is of a type nobody is trained for (an alarm)."""
    waiting: list[tuple[float, int]] = []
    decisions = 0
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
        decisions += 1
        nobody_free = args.nobody_free_every > 0 and decisions % args.nobody_free_every == 0
        answers = {**SEND_ANSWERS, "call_type": UNTRAINED_CALL_TYPE} if nobody_free else SEND_ANSWERS
        # Nobody ticked: every candidate, of whom there is none for the untrained type.
        responders = [] if nobody_free else CANDIDATE.findall(page)[: args.team_size + 1]
        data = [(f"q_{key}", value) for key, value in answers.items()]
        data += [("decision", "send_responders"), ("team_size", str(args.team_size)), ("details", "")]
        data += [("responders", pk_) for pk_ in responders]
        status, location, _ = client.request("decide", "POST", f"/dispatch/intakes/{pk}/decide/", data)
        match = INCIDENT_URL.search(location) if status == 302 else None
        if match:
            incident = int(match.group(1))
            opened.append(incident)
            if nobody_free:
                with watch.lock:
                    watch.nobody_free.append((incident, time.time()))
            waiting.append((time.monotonic() + args.incident_seconds, incident))


class Responders:
    """Responders' phones: read each text off the provider's log, answer call-outs YES <code>.
    On the team, the responder opens the link in the confirmation, reports on scene and taps
    "We're OK" (every other one texts OK instead); every `--backup-every`th asks for backup by
    texting BACKUP <code>."""

    def __init__(
        self,
        twilio_factory,
        sms_log: Path,
        stop: threading.Event,
        phones: set[str],
        *,
        port: int,
        recorder: Recorder,
        watch: AlarmWatch,
        backup_every: int,
    ) -> None:
        self.twilio_factory = twilio_factory
        self.sms_log = sms_log
        self.stop = stop
        self.phones = phones
        self.port = port
        self.recorder = recorder
        self.watch = watch
        self.backup_every = backup_every
        self.replies: queue.Queue = queue.Queue()
        self.offset = 0
        self.answered: set[tuple[str, str]] = set()
        self.teams = 0

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
                        self.replies.put((time.monotonic() + random.uniform(0.3, 1.5), *key, ""))
                    team = ON_THE_TEAM.search(record.get("body", ""))
                    if team and record.get("to", "") in self.phones:
                        self.replies.put((time.monotonic() + 0.2, record["to"], team.group(1), team.group(2)))
            self.stop.wait(0.2)

    def answer(self) -> None:
        twilio = self.twilio_factory()
        while not self.stop.is_set():
            try:
                due, phone, code, link = self.replies.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.stop.wait(max(0.0, due - time.monotonic())):
                return
            if not link:
                twilio.post("responder_reply", "/hotline/sms/incoming/", sms_params(phone, f"YES {code}"))
                continue
            self.teams += 1
            self.on_scene(twilio, phone, code, urlsplit(link).path, by_text=self.teams % 2 == 0)
            if self.backup_every > 0 and self.teams % self.backup_every == 0:
                started = time.time()
                status = twilio.post(
                    "responder_sms", "/hotline/sms/incoming/", sms_params(phone, f"BACKUP {code}")
                )
                if status == 200:
                    with self.watch.lock:
                        self.watch.backups.append((code, started, time.time()))

    def on_scene(self, twilio: Twilio, phone: str, code: str, path: str, *, by_text: bool) -> None:
        """The responder's signed page: on scene, then the check-in (button or text OK)."""
        page = Client(self.port, self.recorder)
        status, _location, _text = page.request("responder_page", "GET", path)
        if status != 200:
            return
        status, _location, _text = page.request(
            "responder_act", "POST", path + "act/", {"action": "on_scene"}
        )
        if status != 302:
            return
        started = time.time()
        if by_text:
            status = twilio.post("responder_sms", "/hotline/sms/incoming/", sms_params(phone, f"OK {code}"))
            accepted = status == 200
        else:
            status, _location, _text = page.request(
                "responder_act", "POST", path + "act/", {"action": "checkin"}
            )
            accepted = status == 302
        if accepted:
            with self.watch.lock:
                self.watch.checkins.append(
                    (code, phone, started, time.time(), "text" if by_text else "button")
                )


def load_threads(
    args,
    *,
    port: int,
    recorder: Recorder,
    sessions: list[Client],
    phones: set[str],
    sms_log: Path,
    stop: threading.Event,
    opened: list[int],
    crashes: list[str],
    watch: AlarmWatch,
) -> list[threading.Thread]:
    """Every load client's thread, not started: responders' phones, voice and SMS callers,
    pollers and triagers (the signed-in `sessions`, pollers first)."""
    bucket = Bucket(args.intakes_per_second)
    sms_numbers = [f"+1303556{n:04d}" for n in range(args.sms_numbers)]
    share = max(1, len(sms_numbers) // max(args.sms_clients, 1))
    responders = Responders(
        lambda: Twilio(port, recorder),
        sms_log,
        stop,
        phones,
        port=port,
        recorder=recorder,
        watch=watch,
        backup_every=args.backup_every,
    )

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
        client(voice_caller, Twilio(port, recorder), stop, bucket, n) for n in range(args.voice_clients)
    ]
    threads += [
        client(sms_caller, Twilio(port, recorder), stop, sms_numbers[n * share : (n + 1) * share])
        for n in range(args.sms_clients)
    ]
    threads += [
        client(poller, session, stop, args.poll_interval, watch) for session in sessions[: args.pollers]
    ]
    threads += [
        client(triager, session, stop, index=i, count=args.triagers, args=args, opened=opened, watch=watch)
        for i, session in enumerate(sessions[args.pollers :])
    ]
    return threads
