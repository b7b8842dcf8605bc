"""Settings come from the environment: embedded defaults, real services, loud failures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_list

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG,"
    " 'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE, 'sms': s.SMS_BACKEND}))"
)
VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "TIME_ZONE", "SMS_BACKEND")


def run_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_no_environment_gives_sqlite_and_eager_celery():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "db.sqlite3")
    assert values["eager"] is True
    assert values["broker"] == "memory://localhost//"
    assert values["cache"].endswith("LocMemCache")
    assert values["tz"] == "America/Los_Angeles"
    assert values["sms"] == "console"


def test_real_services_from_urls():
    result = run_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hotline", REDIS_URL="redis://127.0.0.1:6379/3"
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "hotline"
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/3"
    assert values["cache"].endswith("RedisCache")


def test_production_refuses_to_start_without_secret_key():
    result = run_settings(DEBUG="0", ALLOWED_HOSTS="hotline.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_secret_key():
    result = run_settings(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="hotline.example.org")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["sms"] == "twilio"


def test_unparseable_boolean_is_refused():
    result = run_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_database_url_parsing(tmp_path):
    config = database_from_url(
        "postgres://app:s%40cret@db.internal:6543/hotline?sslmode=require", base_dir=tmp_path
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "app",
        "s@cret",
        "db.internal",
        "6543",
    )
    assert config["OPTIONS"] == {"connect_timeout": 3, "sslmode": "require"}
    assert database_from_url("sqlite:///data/x.db", base_dir=tmp_path)["NAME"] == tmp_path / "data/x.db"
    assert database_from_url("sqlite:////var/x.db", base_dir=tmp_path)["NAME"] == "/var/x.db"
    with pytest.raises(ImproperlyConfigured, match="scheme 'mysql'"):
        database_from_url("mysql://root@localhost/x", base_dir=tmp_path)
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_from_url("postgres://root@localhost/", base_dir=tmp_path)


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    monkeypatch.setenv("HOSTS", " a.org, b.org ,,")
    assert env_bool("FLAG", False) is True
    assert env_bool("UNSET_FLAG_FOR_TEST", True) is True
    assert env_list("HOSTS", []) == ["a.org", "b.org"]
