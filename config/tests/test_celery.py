import time

import pytest

from config.celery import app
from config.tasks import HEARTBEAT_KEY, heartbeat_cache, worker_heartbeat


def test_production_celery_settings():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_ignore_result is True
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_connection_timeout <= 3
    assert conf.broker_transport_options["socket_connect_timeout"] <= 3
    assert "config.tasks.worker_heartbeat" in app.tasks


def test_heartbeat_runs_eagerly_and_records_time():
    heartbeat_cache().delete(HEARTBEAT_KEY)
    stamp = worker_heartbeat.delay().get()
    assert heartbeat_cache().get(HEARTBEAT_KEY) == stamp


@pytest.mark.worker
def test_real_worker_on_redis_runs_a_task(celery_worker_process, transactional_db):
    heartbeat_cache().delete(HEARTBEAT_KEY)
    assert app.conf.task_always_eager is False
    worker_heartbeat.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and heartbeat_cache().get(HEARTBEAT_KEY) is None:
        time.sleep(0.1)
    assert heartbeat_cache().get(HEARTBEAT_KEY) is not None, "the worker did not run the task"
