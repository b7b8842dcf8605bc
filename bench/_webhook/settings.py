"""Settings for bench/webhook.py: the project's own settings plus a baseline URL.

Lives in a folder so that `make bench` (which runs bench/*.py) does not execute it.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench._webhook.urls"
