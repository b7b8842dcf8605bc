"""The browser of the journeys (helpers in tests/browser/journey.py)."""

from __future__ import annotations

import contextlib
import threading

import pytest

from .journey import launch, new_page


@pytest.fixture
def browser(live_server):
    """A headless Chromium for the test; `journey.new_page(browser)` opens a person's page."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    with playwright_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
            # While Playwright's sync API is running, the test's queries go through a database
            # connection of their own, not the one pytest-django closes; left open, it kept the
            # test database from being dropped at the end of the run ("being accessed by other
            # users").
            connections.close_all()


@pytest.fixture
def browser_page(browser):
    """A desktop page, for journeys of one person."""
    return new_page(browser)


@pytest.fixture
def serial(live_server):
    """`with serial:` around the test's own database work while pages are open.

    On SQLite's in-memory test database the live server's threads and the test share one
    connection, and a page polling (htmx) while the test writes makes "database table is
    locked" errors. There, requests are served one at a time and `serial` holds them off; on
    PostgreSQL (separate connections) requests run concurrently and `serial` does nothing.
    """
    from django.db import connection

    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        yield contextlib.nullcontext()
        return
    lock = threading.RLock()
    server = live_server.thread.httpd
    app = server.get_app()

    def one_at_a_time(environ, start_response):
        with lock:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return [body]

    server.set_app(one_at_a_time)
    try:
        yield lock
    finally:
        server.set_app(app)
