"""Take the README's screenshots: docs/img/console.png and docs/img/dashboard.png.

    .venv/bin/python docs/screenshots.py          (or `make screenshots`)

Starts the project on a throw-away SQLite database in a temporary folder (migrate, then
`manage.py seed_demo`: the same demo data `make run` shows), serves it with `runserver` on a
free loopback port, signs in with headless Chromium (/usr/bin/chromium, through Playwright, as
the browser tests do) as the demo dispatcher and the demo coordinator, and writes a 1280x800
picture of the dispatcher console and of the pilot dashboard. Nothing outside the temporary
folder and docs/img/ is touched; the server is stopped at the end, also on failure.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
# (file, demo user, page, what must be on the page before the picture is taken, scrolled to the top)
SHOTS = (
    ("console.png", "dispatcher", "/dispatch/", "#queue tbody tr", None),
    ("dashboard.png", "coordinator", "/assessment/", "canvas", "#key-figures"),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project_env(folder: Path, password: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{folder / 'screenshots.sqlite3'}",
        DEMO_PASSWORD=password,
        TWO_FACTOR_REQUIRED="0",
        SMS_BACKEND="memory",
        CFS_UPLOAD_DIR=str(folder / "cfs_uploads"),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def wait_until_serving(url: str, server: subprocess.Popen, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"runserver did not answer {url} within {timeout:.0f} s")


def take(base_url: str, password: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for filename, username, path, ready, top in SHOTS:
                context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                page = context.new_page()
                page.set_default_timeout(20_000)
                page.goto(f"{base_url}/accounts/login/?next={path}")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", password)
                page.press("input[name=password]", "Enter")
                page.wait_for_url(f"**{path}")
                page.wait_for_selector(ready)
                page.wait_for_load_state("networkidle")
                # Charts animate in; the console's clock and queue settle after the first poll.
                if top:
                    page.locator(top).evaluate("(element) => element.scrollIntoView()")
                page.wait_for_timeout(1500)
                target = OUT / filename
                page.screenshot(path=str(target))
                written.append(target)
                context.close()
        finally:
            browser.close()
    return written


def main() -> int:
    if not CHROMIUM.exists():
        print(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    password = "screenshots-" + secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="hotline-screenshots-") as tmp:
        env = project_env(Path(tmp), password)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(f"{base_url}/", server)
            for target in take(base_url, password):
                print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size // 1024} KB)")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
