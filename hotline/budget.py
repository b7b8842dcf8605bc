"""A time budget on Twilio's webhooks, and a breaker that stops trying a database that hangs.

A caller waits on every voice webhook, and Twilio gives up on a webhook after 15 seconds. A
database that fails fast (refused, restarted) is handled by `never_drop_caller`'s fallback
TwiML; one that *hangs* (a network partition, a frozen server, a lock held for minutes) would
keep the caller in silence. So each webhook runs inside `webhook_budget()`:

- every statement it sends carries `SET LOCAL statement_timeout` and `lock_timeout` for what
  is left of the budget, in the same round trip, so a live but slow server cancels it;
- a watchdog thread cuts the request's database sockets (`shutdown()`) when the request has
  waited on the database for the budget's database share (DATABASE_SHARE, 1.5 s of 5; only
  the waits count, not time spent on Redis or in Python), which wakes a query blocked on a server that answers nothing; after
  that the request may open no new connection (a reconnect would wait out `connect_timeout`);
- new connections are bounded by libpq's `connect_timeout` (DATABASE_URL, 3 s by default,
  checked to end within the budget).

The view then fails with an OperationalError and its decorator answers the fallback TwiML,
within HOTLINE_WEBHOOK_BUDGET_SECONDS. Redis is bounded by the socket timeouts of the cache
and the broker (config/settings.py).

`breaker` remembers, per process, that the database failed *slowly*: for the next
HOTLINE_DATABASE_RETRY_SECONDS webhooks answer their fallback at once instead of each waiting
out the budget (with 20 callers and 8 server threads, waiting would queue callers for several
budgets); one webhook per period probes the database again, and the first success closes it.

Used by `hotline.webhooks` (every Twilio webhook) and `hotline.services.calls` (the hot path's
retry on a new connection).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

# Of the budget, what the database may use before the connection is cut: 1.5 s of the default
# 5 s, when a webhook's queries take milliseconds. Short, because while the first callers wait
# on a hung database every server thread is theirs, and the callers (and health probes) queued
# behind them wait too; once the breaker is open nobody waits on it.
DATABASE_SHARE = 0.3
# A connection being opened is the one wait the watchdog cannot cut: libpq's connect_timeout
# must end within this share of the budget (system check hotline.W005).
CONNECT_SHARE = 0.8
# A database failure that took this long is a hang, not a refusal: it opens the breaker...
SLOW_FAILURE_SECONDS = 1.0
# ...unless the server itself answered that a row stayed locked (lock_timeout): one busy call
# is no reason to skip the database for every other caller.
LOCK_NOT_AVAILABLE = "55P03"


class BudgetSpent(OperationalError):
    """The webhook's time for the database is over; nothing more is sent to it."""


@dataclass(eq=False)
class Budget:
    """One webhook's time. Only the time spent waiting on the database counts against its
    database share (`database_left`): a webhook that waits on a down Redis and then stores
    a row in a healthy database is not cut. The waits are the zones `database()` marks:
    opening a cursor (Django's health check of a reused connection, a connect), a statement,
    a commit or rollback."""

    seconds: float
    started: float
    database_left: float
    spent: bool = False
    done: bool = False
    zone_started: float | None = None
    zone: int = 0  # which zone the watchdog's deadline belongs to
    sockets: list[socket.socket] = field(default_factory=list)
    wrappers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def database_seconds_left(self) -> float:
        left = self.database_left
        if self.zone_started is not None:
            left -= time.monotonic() - self.zone_started
        return left

    def enter(self) -> bool:
        """Start waiting on the database (False if already inside a zone)."""
        if self.spent:
            raise BudgetSpent("the webhook's time budget is spent")
        with self.lock:
            if self.zone_started is not None:
                return False
            self.zone_started = time.monotonic()
            self.zone += 1
            deadline, zone = self.zone_started + self.database_left, self.zone
        _watchdog.arm(self, deadline, zone)
        return True

    def leave(self) -> None:
        with self.lock:
            if self.zone_started is None:
                return
            self.database_left -= time.monotonic() - self.zone_started
            self.zone_started = None
            self.zone += 1  # the armed deadline no longer applies

    @contextmanager
    def database(self) -> Iterator[None]:
        entered = self.enter()
        try:
            yield
        finally:
            if entered:
                self.leave()

    def watch(self, wrapper) -> None:
        """Keep a duplicate of the connection's socket, so the watchdog can shut it down without
        racing this thread closing (and the process reusing) the original descriptor."""
        raw = getattr(wrapper, "connection", None)
        if raw is None or getattr(raw, "closed", 1) or wrapper.vendor != "postgresql":
            return
        try:
            duplicate = socket.socket(fileno=os.dup(raw.fileno()))
        except (OSError, ValueError):
            return
        with self.lock:
            if self.done:
                duplicate.close()
                return
            self.sockets.append(duplicate)

    def cut(self, zone: int) -> None:
        """The watchdog's side: the database time is spent while this request still waits on
        it (`zone` still open); wake it."""
        with self.lock:
            if self.done or self.zone != zone:
                return
            self.spent = True
            for wrapper in self.wrappers:
                # An instance attribute on this thread's own connection object, removed when
                # the budget ends: no reconnect (and no connect_timeout wait) past the budget.
                wrapper.get_new_connection = _refuse_connection
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        logger.warning(
            "A webhook waited on the database for its whole share of the budget; its connection is cut"
        )

    def hook(self, wrapper) -> None:
        """Mark the database waits of this thread's connection that no execute wrapper sees."""
        for name in ("_cursor", "_commit", "_rollback"):
            original = getattr(wrapper, name)

            def zoned(*args, _original=original, **kwargs):
                with self.database():
                    return _original(*args, **kwargs)

            setattr(wrapper, name, zoned)

    def finish(self) -> None:
        with self.lock:
            self.done = True
            sockets, self.sockets = self.sockets, []
        for wrapper in self.wrappers:
            for name in ("get_new_connection", "_cursor", "_commit", "_rollback"):
                wrapper.__dict__.pop(name, None)
        for sock in sockets:
            sock.close()


def _refuse_connection(*args, **kwargs):
    raise BudgetSpent("the webhook's time budget is spent; no new database connection")


class _Watchdog:
    """One thread per process that cuts budgets whose database wait reaches its deadline."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.heap: list[tuple[float, int, Budget, int]] = []
        self.counter = itertools.count()
        self.pid = 0

    def arm(self, budget: Budget, deadline: float, zone: int) -> None:
        with self.condition:
            if self.pid != os.getpid():  # first use in this process (gunicorn forks workers)
                self.pid = os.getpid()
                self.heap = []
                threading.Thread(target=self._run, name="webhook-budget-watchdog", daemon=True).start()
            heapq.heappush(self.heap, (deadline, next(self.counter), budget, zone))
            if self.heap[0][2] is budget:
                self.condition.notify()

    def _run(self) -> None:
        while True:
            with self.condition:
                while not self.heap or self.heap[0][0] > time.monotonic():
                    self.condition.wait(None if not self.heap else self.heap[0][0] - time.monotonic())
                _deadline, _n, budget, zone = heapq.heappop(self.heap)
            if not budget.done and budget.zone == zone:
                try:
                    budget.cut(zone)
                except Exception:  # the watchdog must outlive any one request
                    logger.exception("Cutting a webhook's database connection failed")


_watchdog = _Watchdog()
_current = threading.local()


def current() -> Budget | None:
    """The budget of the webhook this thread is serving, if any."""
    return getattr(_current, "budget", None)


# Savepoint commands run as they are: after an error in the transaction every other statement
# (a SET included) is refused until ROLLBACK TO SAVEPOINT, which must therefore come alone.
_TRANSACTION_CONTROL = ("SAVEPOINT", "ROLLBACK", "RELEASE")


def _bounded_execute(execute, sql, params, many, context):
    budget = current()
    if budget is None:
        return execute(sql, params, many, context)
    with budget.database():
        if (
            not many
            and context["connection"].vendor == "postgresql"
            and not sql.startswith(_TRANSACTION_CONTROL)
        ):
            # 80 %: a live server cancels the statement itself before the watchdog cuts it.
            left_ms = max(1, int(budget.database_seconds_left() * 800))
            # One round trip: in autocommit the string is one implicit transaction, inside an
            # atomic block the settings last until its end; nothing outlives the webhook.
            sql = f"SET LOCAL statement_timeout = {left_ms}; SET LOCAL lock_timeout = {max(1, left_ms // 2)}; {sql}"
        return execute(sql, params, many, context)


def _on_connection_created(sender, connection, **kwargs) -> None:
    budget = current()
    if budget is not None and connection in budget.wrappers:
        budget.watch(connection)


connection_created.connect(_on_connection_created, dispatch_uid="hotline.budget")


@contextmanager
def webhook_budget(seconds: float | None = None) -> Iterator[Budget]:
    """Bound the database work of the block (see the module's docstring)."""
    seconds = settings.HOTLINE_WEBHOOK_BUDGET_SECONDS if seconds is None else seconds
    budget = Budget(seconds=seconds, started=time.monotonic(), database_left=seconds * DATABASE_SHARE)
    budget.wrappers = list(connections.all())
    previous = current()
    _current.budget = budget
    for wrapper in budget.wrappers:
        budget.watch(wrapper)
        budget.hook(wrapper)
    try:
        with _execute_wrappers(budget.wrappers):
            yield budget
    finally:
        budget.finish()
        _current.budget = previous


@contextmanager
def _execute_wrappers(wrappers: list) -> Iterator[None]:
    if not wrappers:
        yield
        return
    with wrappers[0].execute_wrapper(_bounded_execute), _execute_wrappers(wrappers[1:]):
        yield


class Breaker:
    """Per process: after a slow database failure, skip the database for a while."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0  # 0: closed

    def allow(self) -> bool:
        """May this webhook use the database? When the retry time has come, this caller is
        the one probe of the period; the others keep skipping."""
        with self.lock:
            if not self.open_until:
                return True
            now = time.monotonic()
            if now < self.open_until:
                return False
            self.open_until = now + settings.HOTLINE_DATABASE_RETRY_SECONDS
            return True

    @property
    def is_open(self) -> bool:
        """The database hung and no webhook has found it back since."""
        return bool(self.open_until)

    def skipping(self) -> bool:
        """Webhooks are skipping the database right now (until the next probe)."""
        return time.monotonic() < self.open_until

    def failed(self, exc: BaseException, budget: Budget) -> None:
        slow = budget.spent or budget.elapsed() >= SLOW_FAILURE_SECONDS
        locked = getattr(exc.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE
        if slow and isinstance(exc, DatabaseError) and not locked:
            with self.lock:
                first = not self.open_until
                self.open_until = time.monotonic() + settings.HOTLINE_DATABASE_RETRY_SECONDS
            if first:
                logger.error(
                    "The database hangs (%s after %.1f s); webhooks answer their fallback for %s s",
                    type(exc).__name__,
                    budget.elapsed(),
                    settings.HOTLINE_DATABASE_RETRY_SECONDS,
                )

    def succeeded(self) -> None:
        if self.open_until:
            with self.lock:
                self.open_until = 0.0
            logger.warning("The database answers again; webhooks use it")

    def reset(self) -> None:
        with self.lock:
            self.open_until = 0.0


breaker = Breaker()
