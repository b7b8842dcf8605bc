"""Project-level tasks."""

from celery import shared_task
from django.core.cache import caches
from django.utils import timezone

HEARTBEAT_KEY = "worker-heartbeat"
# The cache alias the heartbeat lives in: Redis when there is one, else files shared by the web
# process and the embedded scheduler (settings.CACHES["scheduler"]).
HEARTBEAT_CACHE = "scheduler"


def heartbeat_cache():
    return caches[HEARTBEAT_CACHE]


@shared_task
def worker_heartbeat() -> str:
    """Record that a worker is alive; beat runs it every 15 s and health checks read it."""
    stamp = timezone.now().isoformat()
    heartbeat_cache().set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
