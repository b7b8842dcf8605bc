"""The documented production settings pass Django's deployment checks with no warning."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env() -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests in this process, never in production.
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    for line in (ROOT / "deploy" / "production.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env.update(
        SECRET_KEY="k3y-" + "x9Qz" * 16,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="0" * 32,
        DATABASE_URL="sqlite:///:memory:",
        # The fake credentials above would send the number check to Twilio; it is tested offline
        # in hotline/tests/test_provisioning.py.
        HOTLINE_CHECK_TWILIO_NUMBER="0",
    )
    return env


def test_check_deploy_is_clean_with_documented_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# That every variable here (and every one the settings read) is documented in README.md's
# configuration table is checked with the other documentation checks, in tests/test_docs.py.


NGINX_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def test_nginx_body_limit_is_the_upload_setting(settings):
    """One limit: the proxy refuses exactly what the app would, no 200 MB proxy in front of 2 GB uploads."""
    import re

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    limits = re.findall(r"^\s*client_max_body_size\s+(\d+)([kmgKMG]?)\s*;", conf, re.MULTILINE)
    assert limits, "deploy/nginx.conf states no client_max_body_size (nginx's default is 1 MB)"
    for number, unit in limits:
        assert int(number) * NGINX_UNITS[unit.lower()] == settings.CFS_UPLOAD_MAX_BYTES
