"""Settings for bench/load.py: the project's own settings, plus the file SMS backend.

Only what the bench needs differs from production:
- texts go to `bench._load.sms.FileBackend` (BENCH_SMS_LOG), which the bench counts;
- static files are referenced without the collectstatic manifest, from an empty folder (the
  bench never fetches them);
- passwords are hashed with Django's fast test hasher: signing the dispatchers in happens before
  anything is measured, and PBKDF2 on a busy 2-core machine made it take half a minute;
- the outbox sweep runs every BENCH_SWEEP_EVERY seconds (default 5; production 15) and takes
  rows left pending for BENCH_SWEEP_AFTER seconds (default 10; production 30), so that a run
  with a Redis outage drains in seconds rather than a minute; a row a killed worker left in
  SENDING is settled with the provider (here the bench's file) after BENCH_STUCK_AFTER seconds
  (default 15; production 90: a send to the file cannot hang). Same code path, shorter clocks.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BEAT_SCHEDULE, INSTALLED_APPS, STORAGES

INSTALLED_APPS = [*INSTALLED_APPS, "bench._load.apps.BenchLoadConfig"]
SMS_BACKEND = "bench_file"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS = int(os.environ.get("BENCH_SWEEP_AFTER", "10"))
DISPATCH_OUTBOX_STUCK_AFTER_SECONDS = int(os.environ.get("BENCH_STUCK_AFTER", "15"))
CELERY_BEAT_SCHEDULE = {name: dict(entry) for name, entry in CELERY_BEAT_SCHEDULE.items()}
CELERY_BEAT_SCHEDULE["dispatch-outbox-sweep"]["schedule"] = float(os.environ.get("BENCH_SWEEP_EVERY", "5"))
