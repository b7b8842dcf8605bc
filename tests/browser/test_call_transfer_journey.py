"""A dispatcher on a live call transfers the caller to 988 from the intake page and stays on;
988 does not answer; the call's timeline shows both, in headless Chromium against a live server.

Twilio's REST API is the fake of hotline/tests/fake_twilio.py behind the backend's HTTP seam (the
live server runs in this process); Twilio's status callback is posted, signed, to the real webhook.
"""

from __future__ import annotations

from .journey import JOURNEY, log_in, reseed, screenshot_on_failure

pytestmark = JOURNEY

BASE_URL = "https://hotline.example.org"
TOKEN = "12345678901234567890123456789012"


def _twilio_settings(settings) -> None:
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = "+12025550100"
    settings.HOTLINE_TRANSFER_988_NUMBER = "988"
    settings.HOTLINE_VERIFY_SIGNATURES = True


def _post_signed(path: str, params: dict[str, str]) -> int:
    from django.test import Client
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TOKEN).compute_signature(BASE_URL + path, params)
    return Client().post(path, data=params, HTTP_X_TWILIO_SIGNATURE=signature).status_code


def test_dispatcher_transfers_a_live_call_to_988_and_sees_no_answer(
    browser_page, live_server, serial, make_user, settings
):
    from django.utils import timezone

    from hotline.messaging import override_backend
    from hotline.models import Call, CallTransfer
    from hotline.tests.factories import CallFactory, IntakeFactory
    from hotline.tests.fake_twilio import THIRD_PARTY_LEG, FakeTwilio

    reseed()
    _twilio_settings(settings)
    dispatcher = make_user("Dispatcher", "Volunteer", username="dana", first_name="Dana", last_name="Park")
    call = CallFactory(
        status=Call.Status.IN_PROGRESS,
        answered_at=timezone.now(),
        answered_by=dispatcher,
        outcome=Call.Outcome.ANSWERED,
    )
    intake = IntakeFactory(call=call)
    fake = FakeTwilio()
    page = browser_page

    with override_backend(fake.backend()), screenshot_on_failure("call-transfer-journey", page):
        log_in(page, live_server.url, "dana", next_path=f"/dispatch/intakes/{intake.pk}/")
        assert page.is_checked("#transfer-stay-on")  # staying on is the default
        page.get_by_role("button", name="Transfer to 988 Suicide & Crisis Lifeline").click()
        page.wait_for_selector("#call-timeline")
        assert "Transfer started: 988 Suicide & Crisis Lifeline" in page.text_content("#call-timeline")
        button = page.get_by_role("button", name="Transfer to 911")
        assert button.is_disabled()  # one ringing transfer at a time
        assert page.is_visible("#call-leave")

        with serial:
            [added] = fake.made("POST", r"Conferences/[^/]+/Participants\.json")
            assert added["data"]["To"] == "988"
            transfer = CallTransfer.objects.get(call=call)
            assert transfer.stay_on
            status = _post_signed(
                f"/hotline/voice/transfer-status/?transfer={transfer.pk}",
                {"CallSid": THIRD_PARTY_LEG, "CallStatus": "no-answer"},
            )
        assert status == 204

        page.reload()
        timeline = page.text_content("#call-timeline")
        assert "Transfer started: 988 Suicide & Crisis Lifeline" in timeline
        assert "Transfer not answered: 988 Suicide & Crisis Lifeline" in timeline
        assert page.get_by_role(
            "button", name="Transfer to 911"
        ).is_enabled()  # the caller is still with Dana
    # The caller stayed with the dispatcher: nobody redirected the caller's leg.
    assert fake.made("POST", rf"Calls/{call.call_sid}\.json") == []
