"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _celery_eager_unless_real_worker(request):
    """Unit tests run tasks in-process even when REDIS_URL is set; `worker` tests use the broker."""
    eager = request.node.get_closest_marker("worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager or previous
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _small_table_caches_cleared():
    """The hotline caches hours of operation and partner lines per process; rows a test rolls
    back send no signal, so no test may see another's from the cache."""
    from hotline.selectors import small_table_caches_clear

    small_table_caches_clear()
    yield
    small_table_caches_clear()


@pytest.fixture(autouse=True)
def _spool_in_tmp(settings, tmp_path):
    """What a failing webhook spools goes to the test's own folder, never the project's."""
    settings.HOTLINE_SPOOL_DIR = str(tmp_path / "spool")


@pytest.fixture(autouse=True)
def _database_breaker_closed():
    """The webhooks' database breaker is per process; no test may inherit another's."""
    from hotline.budget import breaker

    breaker.reset()
    yield
    breaker.reset()


@pytest.fixture(autouse=True)
def _two_factor_off(settings):
    """Tests sign in with `force_login`, without a TOTP code; two-factor tests turn it back on."""
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploaded agreements and training materials go to a folder of the test run, never the tree."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")


@pytest.fixture
def make_user(db):
    from volunteers.tests.factories import UserFactory

    def make(*roles: str, **fields):
        return UserFactory(roles=roles, **fields)

    return make


@pytest.fixture
def coordinator(make_user):
    return make_user("Coordinator", username="coord")


@pytest.fixture
def dispatcher(make_user):
    return make_user("Dispatcher", "Volunteer", username="disp")


@pytest.fixture
def responder(make_user):
    return make_user("Responder", "Volunteer", username="resp")


@pytest.fixture
def volunteer_user(make_user):
    return make_user("Volunteer", username="vol")


def _worker_env() -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        # The worker must see the test database the test writes to.
        auth = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    return env


@pytest.fixture
def celery_worker_process(request):
    """A real `celery worker` process on the Redis broker, for tests marked `worker`.

    Use it with `transactional_db` so that what the test writes is committed and visible.
    """
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: a real Celery worker runs only against a real broker")
    celery_app.control.purge()
    log_path = ROOT / "test-artifacts" / f"worker-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=_worker_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited early: {log_path.read_text()[-2000:]}")
            replies = celery_app.control.ping(timeout=0.5)
            if replies:
                break
        else:
            raise RuntimeError(f"celery worker did not start: {log_path.read_text()[-2000:]}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
