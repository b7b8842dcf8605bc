"""The menu bar fits: at 1024 and 1366 px every role sees the language selector and Log out
without scrolling (the coordinator's sixteen links are grouped in five menus), and on a 390 px
phone they are there once the collapsed menu is opened. The menus open and are walked with the
keyboard alone. The public home page leads to volunteer sign-up, and the site has a favicon.
In headless Chromium (Debian's /usr/bin/chromium) against a live server."""

from __future__ import annotations

import pytest

from .journey import JOURNEY, PHONE, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

ROLES = {
    "volunteer": ("Volunteer",),
    "responder": ("Responder", "Volunteer"),
    "dispatcher": ("Dispatcher", "Volunteer"),
    "coordinator": ("Coordinator",),
}
HOME = {
    "anonymous": "/",
    "volunteer": "/volunteers/me/shifts/",
    "responder": "/volunteers/me/shifts/",
    "dispatcher": "/dispatch/",
    "coordinator": "/assessment/",
}


def fully_in_view(page, selector: str) -> bool:
    """Visible and inside the viewport horizontally: not pushed off the right edge."""
    return page.evaluate(
        """(selector) => {
          const element = document.querySelector(selector);
          if (!element) { return false; }
          const box = element.getBoundingClientRect();
          const style = getComputedStyle(element);
          return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
            && box.left >= 0 && box.right <= document.documentElement.clientWidth;
        }""",
        selector,
    )


def account_control(role: str) -> str:
    return "#logout-button" if role != "anonymous" else "header a[href^='/accounts/login/']"


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_language_and_log_out_stay_in_reach_at_every_width(browser, live_server, make_user, role):
    reseed()
    if role != "anonymous":
        make_user(*ROLES[role], username=role, first_name="Maximiliana", last_name="Fernández-Oyelaran")
    for language in ("en", "ko", "es"):
        for width in (1024, 1366):
            page = new_page(browser, device={"viewport": {"width": width, "height": 800}})
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            with screenshot_on_failure(f"navigation-{role}-{language}-{width}", page):
                if role == "anonymous":
                    page.goto(live_server.url + "/")
                else:
                    log_in(page, live_server.url, role, next_path=HOME[role])
                assert page.is_hidden(".navbar-toggler"), "the menu bar is collapsed at this width"
                for selector in ("#language-select", account_control(role)):
                    assert fully_in_view(page, selector), (
                        f"{selector} is off-screen at {width} px ({language})"
                    )
                # The bar stays one line (nothing wraps under it) and the page does not scroll sideways.
                assert page.evaluate("() => document.querySelector('.navbar').offsetHeight") < 80
                wide = page.evaluate(
                    """() => Array.from(document.querySelectorAll('main *'))
                      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                      .filter((e) => !e.closest('.table-responsive, .overflow-auto'))
                      .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className)"""
                )
                assert wide == [], f"wider than {width} px: {wide}"
            page.context.close()

        phone = new_page(browser, device=PHONE)
        phone.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        with screenshot_on_failure(f"navigation-{role}-{language}-phone", phone):
            if role == "anonymous":
                phone.goto(live_server.url + "/")
            else:
                log_in(phone, live_server.url, role, next_path=HOME[role])
            assert phone.is_hidden("#language-select")  # folded away
            phone.tap(".navbar-toggler")
            phone.wait_for_selector("#main-nav.show")
            for selector in ("#language-select", account_control(role)):
                phone.locator(selector).scroll_into_view_if_needed()
                assert fully_in_view(phone, selector), f"{selector} is out of reach on a phone ({language})"
        phone.context.close()


def test_a_coordinator_opens_a_menu_and_follows_a_link_by_keyboard(browser_page, live_server, make_user):
    reseed()
    make_user("Coordinator", username="cora")
    page = browser_page
    with screenshot_on_failure("navigation-keyboard", page):
        log_in(page, live_server.url, "cora", next_path="/assessment/")
        # Sixteen destinations, five menus on the bar.
        assert page.locator("#main-nav .navbar-nav > li").count() == 5
        page.focus("#menu-volunteers")
        page.keyboard.press("Tab")  # on to the Outreach menu's button
        assert page.evaluate("() => document.activeElement.id") == "menu-outreach"
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "menu-assessment"
        assert page.get_attribute("#menu-assessment", "aria-expanded") == "false"
        page.keyboard.press("Enter")
        assert page.get_attribute("#menu-assessment", "aria-expanded") == "true"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("() => document.activeElement.textContent") == "911 data"
        page.keyboard.press("Escape")  # closes, the focus back on the menu's button
        assert page.get_attribute("#menu-assessment", "aria-expanded") == "false"
        assert page.evaluate("() => document.activeElement.id") == "menu-assessment"
        page.keyboard.press("Enter")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**/assessment/calls/")
        # The menu marks where the coordinator is.
        assert page.get_attribute("a.dropdown-item[href='/assessment/calls/']", "aria-current") == "page"


def test_the_home_page_leads_to_sign_up_and_the_favicon_is_served(browser_page, live_server):
    reseed("volunteers")
    page = browser_page
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    with screenshot_on_failure("navigation-home", page):
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="Volunteer with the hotline").click()
        page.wait_for_url("**/volunteers/join/")
        favicon = page.request.get(live_server.url + "/favicon.ico")
        assert favicon.ok and favicon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
        assert favicon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
        icon = page.get_attribute("link[rel=icon]", "href")
        assert page.request.get(live_server.url + icon).headers["content-type"] == "image/svg+xml"
    assert missing == []
