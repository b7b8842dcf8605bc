"""Journeys made with the keyboard alone, in headless Chromium (Debian's /usr/bin/chromium)
against a live server: a Spanish speaker signs up as a volunteer (the skip link, the menu's
language selector, every field, a mistake the form points them to, then the thanks page), and
the dispatch console's single-key shortcuts stay out of the way of typing. Only key presses act
on the page (the test may read it); every focused control shows a focus ring. The dispatcher's
claim -> triage -> decision by keyboard is tests/browser/test_dispatch_journey.py.
"""

from __future__ import annotations

from .accessibility import axe_report, axe_scan
from .journey import (
    JOURNEY,
    focus_ring_missing,
    focused,
    log_in,
    reseed,
    screenshot_on_failure,
    tab_to,
)

pytestmark = JOURNEY


def active(page) -> dict:
    """The focused element: its id, and what aria-describedby points at (the texts)."""
    return page.evaluate(
        """() => {
          const element = document.activeElement;
          const ids = (element.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
          return {
            id: element.id,
            invalid: element.getAttribute("aria-invalid"),
            described: ids.map((id) => (document.getElementById(id) || {}).textContent || "").join(" | "),
          };
        }"""
    )


def test_a_volunteer_signs_up_with_the_keyboard_alone(browser_page, live_server, settings):
    from volunteers.models import Volunteer

    reseed("volunteers")
    settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR = 10_000  # the shared cache counts every run's sign-up
    page = browser_page

    with screenshot_on_failure("keyboard-signup", page):
        page.goto(f"{live_server.url}/")

        # The first Tab shows the skip link.
        page.keyboard.press("Tab")
        assert focused(page, ".skip-link") and page.is_visible(".skip-link")
        assert not focus_ring_missing(page)

        # The home page's sign-up link, then the language selector: Spanish, chosen with arrows.
        tab_to(page, "#signup-link")
        page.keyboard.press("Enter")
        page.wait_for_url("**/volunteers/join/")
        page.keyboard.press("Tab")
        assert focused(page, ".skip-link")
        tab_to(page, "#language-select")
        page.keyboard.press("ArrowDown")  # English -> Korean
        page.keyboard.press("ArrowDown")  # Korean -> Spanish: the form submits on change
        page.wait_for_selector("html[lang=es]")
        assert page.text_content("h1") == "Voluntariado en la línea de respuesta"

        # Skip the menu: Tab to the skip link, Enter; the next Tab lands in the page.
        page.keyboard.press("Tab")
        assert focused(page, ".skip-link")
        page.keyboard.press("Enter")
        tab_to(page, "#id_first_name")
        page.keyboard.type("Lucía")
        tab_to(page, "#id_last_name")
        page.keyboard.type("Ramírez")
        tab_to(page, "#id_phone")
        page.keyboard.type("(202) 555-0177")
        tab_to(page, "#id_email")
        page.keyboard.type("lucia.ramirez@example.org")
        spanish = page.locator("input[name=languages]").evaluate_all(
            "(boxes) => boxes.find((box) => box.labels[0].textContent.includes('Español')).id"
        )
        tab_to(page, f"#{spanish}")
        page.keyboard.press("Space")
        tab_to(page, "#id_roles_of_interest_1")
        page.keyboard.press("Space")
        tab_to(page, "#av-sat_morning")
        page.keyboard.press("Space")
        # Forgot the community agreements: the form says so, and the focus goes to that field.
        tab_to(page, "button[type=submit].btn-lg")
        page.keyboard.press("Enter")
        page.wait_for_selector(".alert-danger")
        page.wait_for_function("() => document.activeElement.id === 'id_agreements'")
        field = active(page)
        assert field["invalid"] == "true"
        assert "acepte los acuerdos comunitarios" in field["described"]
        assert not focus_ring_missing(page)
        # What was typed is still there.
        assert page.input_value("#id_first_name") == "Lucía"
        violations = axe_scan(page)  # the page with its errors passes too
        assert not violations, axe_report(violations)

        page.keyboard.press("Space")
        tab_to(page, "button[type=submit].btn-lg")
        page.keyboard.press("Enter")
        page.wait_for_url("**/volunteers/join/thanks/**")
        assert page.get_attribute("html", "lang") == "es"

    volunteer = Volunteer.objects.get(email="lucia.ramirez@example.org")
    assert (volunteer.first_name, volunteer.preferred_language) == ("Lucía", "es")
    assert "sat_morning" in volunteer.availability


def test_console_shortcuts_do_not_fire_while_typing(browser_page, live_server, make_user):
    from hotline.models import Intake

    reseed()
    make_user("Dispatcher", "Volunteer", username="dana")
    intake = Intake.objects.create(caller="+12025550143", channel=Intake.Channel.SMS, language="en")
    page = browser_page

    with screenshot_on_failure("keyboard-console", page):
        log_in(page, live_server.url, "dana", next_path="/dispatch/")
        page.wait_for_selector(f"#claim-{intake.pk}")
        # A text field on the console (a note, a search a later version adds): "n", "i", "a", "m"
        # are letters there.
        page.evaluate(
            """() => {
              const field = document.createElement("input");
              field.id = "probe"; field.setAttribute("aria-label", "probe");
              document.querySelector("main").prepend(field);
            }"""
        )
        page.focus("#probe")
        page.keyboard.type("main")
        assert page.input_value("#probe") == "main"
        assert focused(page, "#probe")
        assert page.get_attribute("#sound-toggle", "aria-pressed") == "false"  # "m" did not toggle it
        # Out of the field, the same key is the shortcut.
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("n")
        assert focused(page, f"#claim-{intake.pk}")
        assert not focus_ring_missing(page)
