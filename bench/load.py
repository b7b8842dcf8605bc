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
  signed SMS webhook from the responder's number (more texts: on the team / team full); on the
  team, the responder opens the signed link in the confirmation, reports on scene and checks
  in ("We're OK" button, or a text OK), and every `--backup-every`th texts BACKUP <code>;
- alarms: every `--nobody-free-every`th call-out is of a call type nobody is trained for (the
  "nobody available" alarm), the BACKUP texts raise the emergency alarm, and each alarm texts
  the seeded on-call coordinator. The polling dispatchers read the console's alarm banner.

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
expected / sent / lost / duplicated (targets: 0 5xx, 0 lost, 0 duplicated); and alarms:
expected by what the clients did, raised, missed (target 0: an expected alarm with no Alarm row,
or an alarm no polling console showed before it was resolved, or whose on-call text never
reached the provider), with the delay from raising to the first console showing it. The last
line is one JSON object. Exits non-zero only when the bench itself cannot run.

    .venv/bin/python bench/load.py [--steady-seconds 20] [--fault-seconds 30] [--drain-seconds 45]
        [--voice-clients 3] [--sms-clients 3] [--pollers 6] [--triagers 2] [--responders 24]
        [--kill-mid-send] [--keep-logs]   (--help lists every knob)

`--db-fault freeze` runs instead a short scenario of its own: the web servers reach PostgreSQL
through a proxy the bench freezes for 10 s while 20 callers ring at once (`--db-freeze-calls`),
and 20 more near the end; every
caller must get the fallback <Dial> within the webhook budget (target p99 <= 5 s), /healthz/
must answer within 2 s, and calls must be recorded again after the thaw. Its last line is one
JSON object too ("db_fault": "freeze", with the calls' p50/p99/max).

This file is the bench's outline; its parts live in bench/_load/: `setup.py` (database,
processes, seeding), `traffic.py` (the load clients), `faults.py` (phase 2's faults) and
`report.py` (counting, figures and the result).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._load import faults, report, traffic  # noqa: E402
from bench._load.setup import DB_NAME, PG, Stack, admin_sql, free_port, log, seed  # noqa: E402


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


def run_database_fault(args) -> dict:
    """--db-fault freeze: gunicorn (and Redis) only, PostgreSQL behind a proxy that freezes."""
    import django
    from django.core.management import call_command
    from django.db import connections

    from hotline.tests.tcp_proxy import FreezableProxy

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-db-"))
    proxy = FreezableProxy((PG["host"], PG["port"])).start()
    stack = Stack(
        workdir=workdir, web_port=free_port(), redis_port=free_port(), args=args, database_port=proxy.port
    )
    stack.env["HOTLINE_WEBHOOK_BUDGET_SECONDS"] = str(args.db_budget)
    # This process (migrations, clean-up) talks to PostgreSQL directly, never through the proxy.
    os.environ.update(
        {**stack.env, "DATABASE_URL": stack.env["DATABASE_URL"].replace(f":{proxy.port}/", f":{PG['port']}/")}
    )
    admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DB_NAME}")
    try:
        django.setup()
        call_command("migrate", verbosity=0)
        stack.redis_start()
        stack.web_start_unwaited()
        stack.web_wait()
        log(
            f"set up: gunicorn {args.workers}x{args.threads} threads, PostgreSQL through proxy port {proxy.port}"
        )
        return {"bench": "load", "db_fault": args.db_fault, **faults.database_freeze(args, stack, proxy)}
    finally:
        proxy.thaw()
        stack.stop()
        proxy.close()
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
    recorder = traffic.Recorder()
    with ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(pool.map(lambda c: traffic.sign_in(stack.web_port, recorder, *c), credentials))
    step("sign-in")
    log(
        f"set up ({', '.join(steps)}): {dispatchers} dispatchers signed in with password and TOTP, "
        f"{args.responders} responders on shift; gunicorn {args.workers}x{args.threads} threads, "
        f"celery worker threads x{args.worker_threads}, beat (outbox sweep every {args.sweep_every:g} s, "
        f"rows pending {args.sweep_after} s)"
    )

    stop = threading.Event()
    opened: list[int] = []
    crashes: list[str] = []
    watch = traffic.AlarmWatch()
    threads = traffic.load_threads(
        args,
        port=stack.web_port,
        recorder=recorder,
        sessions=sessions,
        phones=phones,
        sms_log=stack.sms_log,
        stop=stop,
        opened=opened,
        crashes=crashes,
        watch=watch,
    )
    events: list[str] = []
    recorder.recording = True
    phase1_start = time.time()
    for thread in threads:
        thread.start()
    log(f"phase 1 (steady): {args.steady_seconds:g} s")
    time.sleep(args.steady_seconds)

    phase2_start = time.time()
    log(f"phase 2 (faults): {args.fault_seconds:g} s")
    injected = faults.inject(args, stack, phase2_start=phase2_start, events=events)
    time.sleep(max(0.0, phase2_start + args.fault_seconds - time.time()))
    stop.set()
    recorder.recording = False
    load_end = time.time()
    for thread in threads:
        thread.join(timeout=15)
    injected.waiter.join(timeout=60)

    drained_in = report.outbox_drain(args.drain_seconds)
    time.sleep(1)  # a late duplicate would show up now
    return report.report(
        args,
        stack,
        samples=recorder.samples,
        phase1_start=phase1_start,
        phase2_start=phase2_start,
        load_end=load_end,
        faults=injected,
        drained_in=drained_in,
        opened=opened,
        crashes=crashes,
        events=events,
        watch=watch,
    )


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
    parser.add_argument(
        "--nobody-free-every",
        type=int,
        default=4,
        help="every Nth call-out is of a type nobody is trained for (4)",
    )
    parser.add_argument(
        "--backup-every", type=int, default=3, help="every Nth responder on a team texts BACKUP (3)"
    )
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
    parser.add_argument(
        "--db-fault",
        choices=["freeze"],
        help="instead of the load: freeze PostgreSQL (behind a proxy) while callers ring at once",
    )
    parser.add_argument(
        "--db-freeze-calls", type=int, default=20, help="callers ringing during the freeze (default 20)"
    )
    parser.add_argument(
        "--db-freeze-seconds", type=float, default=10.0, help="how long the database stays frozen (10)"
    )
    parser.add_argument(
        "--db-budget", type=float, default=5.0, help="HOTLINE_WEBHOOK_BUDGET_SECONDS of the servers (5)"
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
        result = run_database_fault(args) if args.db_fault else run(args)
    except Exception as exc:  # noqa: BLE001 - any failure to set up or run is reported, not hidden
        log(f"the bench could not run: {type(exc).__name__}: {exc}")
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
