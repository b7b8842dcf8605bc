"""Helpers of the browser journeys: one way to drive a browser in these tests, headless Debian
Chromium (/usr/bin/chromium) through Playwright against pytest-django's live server, with a
screenshot in test-artifacts/ when a journey fails.

Every journey is transactional (the live server runs in another thread and must see what the
test writes), so the flush after each test removes the rows the data migrations seed: a journey
starts with `reseed()` (serialized rollback would clash with the role groups post_migrate
recreates).
"""

from __future__ import annotations

import importlib
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"  # volunteers.tests.factories.UserFactory's password
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

# `pytestmark = JOURNEY` in every test module of this folder.
JOURNEY = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True),
]

_MIGRATION_SEEDS = {
    "volunteers": ("0003_seed_hotline_languages",),
    "outreach": ("0002_seed_service_types", "0003_seed_community_needs_survey"),
    "assessment": ("0002_cfs_categories_and_vera_reference",),
}


def reseed(*apps: str) -> None:
    """Put back what the data migrations seed: always dispatch's call types and screening
    protocol, and those of `apps` ("volunteers": the hotline's languages; "outreach": service
    types and the community-needs survey; "assessment": the call-type taxonomy)."""
    from django.apps import apps as registry
    from django.db import transaction

    from dispatch.tests.factories import ensure_seeded

    with transaction.atomic():
        ensure_seeded()
        for app in apps:
            for name in _MIGRATION_SEEDS[app]:
                module = importlib.import_module(f"{app}.migrations.{name}")
                seed = getattr(module, "seed", None) or module.load
                seed(registry, None)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_page(browser, *, device: dict | None = None, locale: str = "en-US"):
    """A page in a context of its own (its own cookies: one person), desktop-sized unless told."""
    context = browser.new_context(locale=locale, **(device or DESKTOP))
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@contextmanager
def screenshot_on_failure(name: str, *pages):
    """When the block fails, screenshots of the pages: test-artifacts/<name>.png (<name>-2.png...)."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, page in enumerate(pages):
            suffix = f"-{index + 1}" if index else ""
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
            except Exception:  # noqa: S112 - a closed page must not hide the real failure
                continue
        raise


def log_in(page, base_url: str, username: str, *, next_path: str, password: str = PASSWORD) -> None:
    """Type the user name and password into the login page, press Enter, land on `next_path`."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**{next_path}")


# What Chart.js drew on each canvas matching the selector: the chart, how many points its first
# dataset plots, the sum of all its numbers, and how many pixels of the canvas are painted.
_CHARTS_DRAWN = """
(selector) => Array.from(document.querySelectorAll(selector)).map((canvas) => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let index = 3; index < pixels.length; index += 4) { if (pixels[index] !== 0) { painted++; } }
  const numbers = (set) => set.data.reduce((sum, value) => sum + (typeof value === "number" ? value : 0), 0);
  return {
    name: canvas.dataset.pilotChart || canvas.dataset.chart,
    chart: chart !== undefined,
    bars: chart ? chart.getDatasetMeta(0).data.length : 0,
    total: chart ? chart.data.datasets.reduce((sum, set) => sum + numbers(set), 0) : 0,
    painted: painted,
    width: canvas.width,
    hidden: canvas.hidden,
  };
})
"""


def charts_drawn(page, selector: str) -> dict[str, dict]:
    """Chart name -> what Chart.js drew on the page's canvases matching `selector`."""
    page.wait_for_function("() => typeof Chart !== 'undefined'")
    return {chart["name"]: chart for chart in page.evaluate(_CHARTS_DRAWN, selector)}


def focused(page, selector: str) -> bool:
    """Whether the element with the keyboard focus matches `selector`."""
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


_FOCUS_RING = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) { return "nothing has the focus"; }
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  return outline || shadow ? "" : `${element.tagName}#${element.id} shows no focus ring`;
}
"""


def focus_ring_missing(page) -> str:
    """Empty when the focused element shows a focus ring (a 2px outline or a box shadow)."""
    return page.evaluate(_FOCUS_RING)


def tab_to(page, selector: str, *, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab) until the element matching `selector` has the focus; it must show
    a focus ring there."""
    for _ in range(limit):
        if focused(page, selector):
            missing = focus_ring_missing(page)
            assert not missing, missing
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} never got the focus with Tab")
