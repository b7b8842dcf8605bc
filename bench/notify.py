"""Benchmark: texting 100 on-shift responders through the outbox and a real Celery worker.

Creates its own PostgreSQL database (`hotline_bench_notify`), 100 active responders on shift,
and starts a real `celery worker` on Redis with the in-memory SMS backend. Each round a
dispatcher decides "send responders" for a new intake: the incident and its 100 outbox rows
are committed in one transaction, the tasks are enqueued on commit, and the worker sends them.
Measured from the commit to each row's `sent_at` (the moment the backend accepted the text).

Each round is run twice, interleaved so that both see the same load on a shared machine: the
baseline with one outbox row per task (each text its own task: the row read, opt-out check,
Message insert, claim, record... about six database round trips per text), then the
configured batch (`--batch-size`, default settings.DISPATCH_NOTIFY_BATCH_SIZE), where a task
reads its rows, checks opt-outs and stores the Message rows once, and spends one round trip
per text (the statement that marks the previous text sent also claims the next one).

Prints p50 and p95 (over the rounds) of the time from commit to the last send, the p50 of
single texts, sends per second, and the ratio of the batched p50 to the baseline p50 (lower
is better). Target: all 100 handed to the backend within 2 s of the commit. The last line
printed is one JSON object.

    .venv/bin/python bench/notify.py [--rounds 8] [--responders 100] [--workers 2] [--pool threads]
        [--concurrency 8] [--batch-size N]

The sending worker is I/O-bound (short database round trips, the provider's HTTP request):
a thread pool (`celery -A config worker --pool threads --concurrency 8`) overlaps them, one
worker process per core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "hotline_bench_notify"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# Answers to the seeded protocol that recommend sending responders.
ANSWERS = {
    "weapon": "no",
    "violence": "no",
    "medical_emergency": "no",
    "suicide_imminent": "no",
    "consent": "yes",
    "location": "14th St and Pine",
    "call_type": "welfare-check",
}


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def create_database() -> None:
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{SERVER}/{DB_NAME}",
            "REDIS_URL": REDIS_URL,
            "SMS_BACKEND": "memory",
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    return env


def setup_django() -> None:
    os.environ.update(environment())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_responders(count: int):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from volunteers.models import Shift, ShiftAssignment, TrainingCompletion, Volunteer
    from volunteers.selectors import required_modules

    now = timezone.now()
    shift = Shift.objects.create(
        role="responder", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=6), capacity=count
    )
    groups = list(Group.objects.filter(name__in=["Volunteer", "Responder"]))
    modules = list(required_modules("responder"))
    User = get_user_model()
    for n in range(count):
        user = User.objects.create(username=f"bench-responder-{n}", first_name="Bench", last_name=f"R{n:03d}")
        user.groups.add(*groups)
        volunteer = Volunteer.objects.create(
            user=user,
            first_name="Bench",
            last_name=f"R{n:03d}",
            phone=f"+1202555{1000 + n:04d}",
            email=f"bench{n}@example.org",
            status=Volunteer.Status.ACTIVE,
            sms_consent=True,
        )
        ShiftAssignment.objects.create(shift=shift, volunteer=volunteer)
        for module in modules:
            TrainingCompletion.objects.create(
                volunteer=volunteer, module=module, completed_on=timezone.localdate() - timedelta(days=1)
            )
    dispatcher = User.objects.create(username="bench-dispatcher")
    dispatcher.groups.add(*Group.objects.filter(name__in=["Dispatcher"]))
    return dispatcher


def start_workers(count: int, pool_name: str, concurrency: int) -> list[subprocess.Popen]:
    from config.celery import app

    app.control.purge()
    pool = ["--pool", pool_name] + ([] if pool_name == "solo" else ["--concurrency", str(concurrency)])
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", *pool, "--loglevel", "WARNING"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    processes = [
        subprocess.Popen(
            [*command, "--hostname", f"bench{number}@%h"],
            cwd=ROOT,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for number in range(count)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            stop(processes)
            raise SystemExit("a celery worker exited early")
        if len(app.control.ping(timeout=0.5)) >= count:
            return processes
    stop(processes)
    raise SystemExit("the celery workers did not start")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def one_round(dispatcher, responders: int, batch_size: int) -> tuple[float, list[float]]:
    """Dispatch once, `batch_size` rows per task; return (seconds from commit to the last send,
    each text's seconds)."""
    from django.conf import settings
    from django.db import transaction

    from dispatch import services
    from dispatch.models import Incident, Notification
    from hotline.models import Intake

    intake = Intake.objects.create(channel=Intake.Channel.VOICE, caller="+12025550143", language="en")
    triage = services.triage_claim(intake=intake, user=dispatcher)
    committed: list[float] = []
    # Read by dispatch.services.outbox.notifications_enqueue, in this process, at commit.
    settings.DISPATCH_NOTIFY_BATCH_SIZE = batch_size
    with transaction.atomic():
        # Registered first, so it runs first at commit: the clock starts before any enqueue.
        transaction.on_commit(lambda: committed.append(time.time()))
        services.triage_decide(
            triage=triage, user=dispatcher, raw_answers=ANSWERS, decision="send_responders"
        )
    incident = Incident.objects.get(triage=triage)
    rows = Notification.objects.filter(incident=incident)
    total = rows.count()
    assert total == responders, f"{total} rows for {responders} responders"
    deadline = time.monotonic() + 60
    while rows.filter(status=Notification.Status.SENT).count() < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {rows.filter(status='sent').count()} of {total} sent after 60 s")
        time.sleep(0.05)
    sent = [row.timestamp() - committed[0] for row in rows.values_list("sent_at", flat=True)]
    # Stand the call-out down quietly so the responders are free for the next round.
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CANCELLED, cancel_reason="bench")
    return max(sent), sent


def summary(lasts: list[float], singles: list[float], responders: int) -> dict:
    return {
        "commit_to_last_send_p50_ms": round(percentile(lasts, 50) * 1000),
        "commit_to_last_send_p95_ms": round(percentile(lasts, 95) * 1000),
        "single_text_p50_ms": round(statistics.median(singles) * 1000),
        "sends_per_second": round(responders / statistics.median(lasts), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--responders", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one per core)")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork", "solo"])
    parser.add_argument("--concurrency", type=int, default=8, help="threads (or processes) per worker")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=0,
        help="rows per task (default: settings.DISPATCH_NOTIFY_BATCH_SIZE)",
    )
    args = parser.parse_args()

    log(f"creating database {DB_NAME} and {args.responders} responders on shift")
    create_database()
    setup_django()
    from django.conf import settings

    batch_size = args.batch_size or settings.DISPATCH_NOTIFY_BATCH_SIZE
    dispatcher = create_responders(args.responders)
    log(
        f"starting {args.workers} celery worker(s) on {REDIS_URL} ({args.pool} pool, concurrency {args.concurrency})"
    )
    workers = start_workers(args.workers, args.pool, args.concurrency)
    runs: dict[str, tuple[list[float], list[float]]] = {"baseline": ([], []), "batched": ([], [])}
    try:
        one_round(dispatcher, args.responders, 1)  # warm-up: imports, connections
        one_round(dispatcher, args.responders, batch_size)
        for number in range(1, args.rounds + 1):
            for name, size in (("baseline", 1), ("batched", batch_size)):
                last, sent = one_round(dispatcher, args.responders, size)
                runs[name][0].append(last)
                runs[name][1].extend(sent)
                log(
                    f"round {number} {name} ({size} per task): {args.responders} texts, "
                    f"last sent {last * 1000:.0f} ms after commit"
                )
    finally:
        stop(workers)
    baseline = summary(*runs["baseline"], args.responders)
    batched = summary(*runs["batched"], args.responders)
    ratio = batched["commit_to_last_send_p50_ms"] / max(baseline["commit_to_last_send_p50_ms"], 1)
    result = {
        "bench": "notify",
        "responders": args.responders,
        "rounds": args.rounds,
        "workers": args.workers,
        "worker_pool": args.pool,
        "worker_concurrency": args.concurrency,
        "batch_size": batch_size,
        **batched,
        "ratio": round(ratio, 3),
        "baseline_batch_size": 1,
        **{f"baseline_{key}": value for key, value in baseline.items()},
        "target_ms": 2000,
        "met": percentile(runs["batched"][0], 95) <= 2.0,
    }
    log(
        f"baseline, 1 per task: p50 {baseline['commit_to_last_send_p50_ms']} ms, "
        f"p95 {baseline['commit_to_last_send_p95_ms']} ms; {baseline['sends_per_second']} sends/s"
    )
    log(
        f"batched, {batch_size} per task: p50 {batched['commit_to_last_send_p50_ms']} ms, "
        f"p95 {batched['commit_to_last_send_p95_ms']} ms; {batched['sends_per_second']} sends/s; "
        f"ratio {ratio:.2f} of the baseline (target: p95 <= 2000 ms)"
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
