"""The console's browser phone in headless Chromium, with no Twilio reachable.

Chromium resolves no host name but the live server's (nothing leaves the machine) and has a
fake microphone. The softphone loads the vendored Voice SDK, gets a real access token from the
server, tries Twilio's signalling websocket, fails, and says "cannot connect" with the phone as
the fallback; the server stops ringing the browser. Without microphone permission it says so
instead. No script error on the page but the expected connection failure.
"""

from __future__ import annotations

import re
import time

import pytest

from .journey import CHROMIUM, CHROMIUM_ARGS, JOURNEY, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

NO_NETWORK = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# What a browser may log when the websocket to Twilio cannot be opened: the expected failure.
EXPECTED = re.compile(r"websocket|twilio|ERR_NAME_NOT_RESOLVED|net::", re.IGNORECASE)


@pytest.fixture
def softphone_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = "12345678901234567890123456789012"
    settings.TWILIO_API_KEY_SID = "SK0123456789abcdef0123456789abcdef"
    settings.TWILIO_API_KEY_SECRET = "softphone-test-secret-0123456789"  # noqa: S105 - a test value
    settings.TWILIO_TWIML_APP_SID = "AP0123456789abcdef0123456789abcdef"
    settings.SOFTPHONE_CSP_CONNECT = ["wss://voice-js.roaming.twilio.com"]
    return settings


@pytest.fixture
def offline_browser(live_server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *NO_NETWORK, *FAKE_MICROPHONE]
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


def _dispatcher():
    from django.utils import timezone

    from volunteers.tests.factories import VolunteerFactory, put_on_shift

    volunteer = VolunteerFactory(
        user__username="sophie",
        user__roles=("Volunteer", "Dispatcher"),
        answers_in_browser=True,
        # Pretend a previous console was ready: the failure must clear it.
        browser_ready_until=timezone.now() + timezone.timedelta(minutes=10),
    )
    put_on_shift(volunteer, "dispatcher")
    return volunteer


def _watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def _cleared(volunteer, *, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        volunteer.refresh_from_db()
        if volunteer.browser_ready_until is None:
            return True
        time.sleep(0.2)
    return False


def test_softphone_loads_and_reports_cannot_connect_without_twilio(
    live_server, offline_browser, softphone_settings
):
    reseed("volunteers")
    volunteer = _dispatcher()
    page = new_page(offline_browser)
    errors = _watch_errors(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with screenshot_on_failure("softphone-cannot-connect", page):
        log_in(page, live_server.url, "sophie", next_path="/dispatch/")
        panel = page.locator("#softphone")
        assert panel.is_visible()
        assert page.evaluate("() => typeof window.Twilio !== 'undefined' && typeof window.Twilio.Device")
        page.wait_for_selector("#softphone[data-state='cannot-connect']", timeout=25_000)
        status = page.locator("#softphone-status")
        text = status.inner_text()
        assert "cannot connect" in text.lower() and "phone" in text.lower()
        assert status.get_attribute("role") == "status"
        assert page.locator("#softphone-retry").is_visible()
        assert not page.locator("#softphone-answer").is_visible()
        assert _cleared(volunteer), "the server still rings the browser"
        unexpected = [error for error in errors if not EXPECTED.search(error)]
        assert not unexpected, unexpected
        # Nothing fetched from anywhere but this server (no SDK sounds from sdk.twilio.com).
        foreign = [
            url for url in requests if not url.startswith(live_server.url) and not url.startswith("data:")
        ]
        assert not foreign, foreign
        # Keyboard: the retry button is reachable and starts again.
        page.locator("#softphone-retry").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#softphone[data-state='cannot-connect']", timeout=25_000)


def test_softphone_without_microphone_permission_falls_back_to_the_phone(
    live_server, offline_browser, softphone_settings
):
    reseed("volunteers")
    volunteer = _dispatcher()
    page = new_page(offline_browser)
    errors = _watch_errors(page)
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));"
    )
    with screenshot_on_failure("softphone-no-microphone", page):
        log_in(page, live_server.url, "sophie", next_path="/dispatch/")
        page.wait_for_selector("#softphone[data-state='no-microphone']", timeout=10_000)
        text = page.locator("#softphone-status").inner_text().lower()
        assert "microphone" in text and "phone instead" in text
        assert _cleared(volunteer)
        assert not errors, errors


# A stand-in for the SDK with the same surface softphone.js uses (Device, Call, their events):
# the journey of a call in the panel, which no Twilio can ring here.
FAKE_SDK = """
(function () {
  function Emitter() { this.handlers = {}; }
  Emitter.prototype.on = function (name, handler) { (this.handlers[name] = this.handlers[name] || []).push(handler); return this; };
  Emitter.prototype.emit = function (name) {
    var args = [].slice.call(arguments, 1);
    (this.handlers[name] || []).forEach(function (handler) { handler.apply(null, args); });
  };
  function Call(parameters) { Emitter.call(this); this.customParameters = new Map(Object.entries(parameters)); this.muted = false; this.log = []; }
  Call.prototype = Object.create(Emitter.prototype);
  Call.prototype.accept = function () { this.log.push("accept"); this.emit("accept"); };
  Call.prototype.reject = function () { this.log.push("reject"); this.emit("reject"); };
  Call.prototype.disconnect = function () { this.log.push("disconnect"); this.emit("disconnect"); };
  Call.prototype.mute = function (muted) { this.muted = muted; this.log.push(muted ? "mute" : "unmute"); };
  Call.prototype.isMuted = function () { return this.muted; };
  function Device(token, options) {
    Emitter.call(this); this.token = token; this.options = options;
    this.audio = { outgoing: function () {}, disconnect: function () {}, incoming: function () {} };
    window.fakeDevice = this;
  }
  Device.prototype = Object.create(Emitter.prototype);
  Device.prototype.register = function () { var device = this; setTimeout(function () { device.emit("registered"); }, 10); return Promise.resolve(); };
  Device.prototype.destroy = function () {};
  Device.prototype.updateToken = function (token) { this.token = token; };
  window.Twilio = { Device: Device };
  window.fakeRing = function (parameters) { var call = new Call(parameters); window.fakeCall = call; window.fakeDevice.emit("incoming", call); };
})();
"""


def _state(page, state: str) -> None:
    page.wait_for_selector(f"#softphone[data-state='{state}']", timeout=10_000)


def test_a_call_in_the_panel_answer_mute_transfer_link_hang_up(
    live_server, offline_browser, softphone_settings
):
    reseed("volunteers")
    volunteer = _dispatcher()
    volunteer.browser_ready_until = None
    volunteer.save(update_fields=["browser_ready_until"])
    page = new_page(offline_browser)
    errors = _watch_errors(page)
    page.route(
        "**/vendor/twilio-voice/twilio.min.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=FAKE_SDK),
    )
    with screenshot_on_failure("softphone-call", page):
        log_in(page, live_server.url, "sophie", next_path="/dispatch/")
        _state(page, "ready")
        assert "ring here and on your phone" in page.locator("#softphone-status").inner_text()
        deadline = time.monotonic() + 10
        while volunteer.browser_ready_until is None and time.monotonic() < deadline:
            time.sleep(0.2)
            volunteer.refresh_from_db()
        assert volunteer.browser_ready_until is not None, "the server was not told the browser is ready"
        options = page.evaluate(
            "() => ({token: fakeDevice.token.split('.').length, sounds: Object.values(fakeDevice.options.sounds),"
            " publish: fakeDevice.options.publishEvents})"
        )
        assert options["token"] == 3 and options["publish"] is False
        assert all(url.endswith("/vendor/twilio-voice/ring.wav") for url in options["sounds"])

        page.evaluate("() => fakeRing({language: 'ko', intake_url: '/hotline/intakes/7/'})")
        _state(page, "ringing")
        assert "ko" in page.locator("#softphone-caller").inner_text()
        assert page.evaluate("() => document.activeElement.id") == "softphone-answer"
        page.keyboard.press("Enter")
        _state(page, "on-call")
        control = page.locator("#softphone-control")
        assert control.is_visible()
        assert control.get_attribute("href") == "/hotline/intakes/7/#call-control"
        assert control.get_attribute("target") == "_blank"
        mute = page.locator("#softphone-mute")
        mute.focus()
        page.keyboard.press("Space")
        _state(page, "muted")
        assert mute.get_attribute("aria-pressed") == "true" and mute.inner_text() == "Unmute"
        page.locator("#softphone-hangup").focus()
        page.keyboard.press("Enter")
        _state(page, "ended")
        assert page.evaluate("() => fakeCall.log") == ["accept", "mute", "disconnect"]

        # A link elsewhere is never offered; declining leaves the browser ready.
        page.evaluate("() => fakeRing({language: 'es', intake_url: 'https://elsewhere.example/x'})")
        _state(page, "ringing")
        page.locator("#softphone-decline").click()
        _state(page, "ready")
        assert page.evaluate("() => fakeCall.log") == ["reject"]
        assert page.locator("#softphone-control").get_attribute("href") == "#"

        # Another volunteer answered first: the browser stops ringing and says so.
        page.evaluate("() => fakeRing({language: 'en'})")
        _state(page, "ringing")
        page.evaluate("() => fakeCall.emit('cancel')")
        _state(page, "taken")
        assert not page.locator("#softphone-answer").is_visible()
        assert not errors, errors
