"""Typed helpers that read settings from the environment and fail loudly.

Every setting has an embedded development default so that `make run` works on a bare
machine; the few that must never have a default in production raise ImproperlyConfigured.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(name: str, *, when: bool, dev_default: str) -> str:
    """Return the variable; refuse to start without it when `when` is true."""
    value = env_str(name)
    if value:
        return value
    if when:
        raise ImproperlyConfigured(f"{name} must be set (it has no default outside DEBUG mode)")
    return dev_default


def _sqlite(name: str | Path) -> dict:
    """SQLite for development, safe for the web process and the embedded scheduler writing at
    once: write-ahead logging (readers never wait for a writer), transactions that take the
    write lock when they begin (no "database is locked" when a reader turns writer), and a
    generous busy timeout instead of failing at the first contended write."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def database_from_url(url: str, *, base_dir: Path) -> dict:
    """Translate DATABASE_URL into Django's DATABASES['default'].

    Accepts postgres://user:password@host:port/name?option=value and sqlite:///path
    (relative to the project folder) or sqlite:////absolute/path.
    """
    if not url:
        return _sqlite(base_dir / "db.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):
            name: str | Path = path[1:]
        elif path in ("", "/"):
            name = base_dir / "db.sqlite3"
        elif path == "/:memory:":
            name = ":memory:"
        else:
            name = base_dir / path.lstrip("/")
        return _sqlite(name)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL names no database, e.g. postgres://u@host/db")
        options = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # A short connect timeout keeps a dead database from hanging a web request.
            "OPTIONS": {"connect_timeout": 3, **options},
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (postgres, sqlite)")
