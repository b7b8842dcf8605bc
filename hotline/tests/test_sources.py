"""Where an intake came from: the hotline, a text, or a call forwarded from a partner line."""

import pytest
from django.urls import reverse

from hotline.models import Intake, PartnerLine

from .conftest import payload, says, twiml

CALL_SID = payload("voice_incoming")["CallSid"]
TRANSFER_LINE = "+12025550911"


def call_in(twilio, **overrides):
    return twiml(twilio.post("/hotline/voice/incoming/", payload("voice_incoming", **overrides)))


def choose(twilio, digits, **overrides):
    params = payload("voice_gather", Digits=digits, **overrides)
    return twiml(twilio.post("/hotline/voice/language/?attempt=1", params))


@pytest.fixture
def transfer_line(db):
    return PartnerLine.objects.create(
        number=TRANSFER_LINE, name="911 transfer line", source=Intake.Source.TRANSFER_911, language="ko"
    )


@pytest.mark.django_db
def test_a_plain_call_is_a_hotline_call(twilio, on_shift_dispatcher):
    on_shift_dispatcher(languages=["en"])
    call_in(twilio)
    choose(twilio, "1")
    assert Intake.objects.get(call__call_sid=CALL_SID).source == Intake.Source.HOTLINE_CALL


@pytest.mark.django_db
def test_a_text_is_a_text(twilio):
    twilio.post("/hotline/sms/incoming/", payload("sms_incoming"))
    assert Intake.objects.get().source == Intake.Source.TEXT


def test_forwarded_call_skips_the_menu_and_rings_in_the_lines_language(
    twilio, transfer_line, on_shift_dispatcher
):
    korean = on_shift_dispatcher(languages=["ko"])

    root = call_in(twilio, ForwardedFrom="+1 (202) 555-0911")

    assert root.find("Gather") is None  # no language menu
    assert says(root)[0][0] == "ko-KR"
    assert [n.text for n in root.find("Dial").findall("Number")] == [str(korean.phone)]
    intake = Intake.objects.get(call__call_sid=CALL_SID)
    assert (intake.source, intake.language) == (Intake.Source.TRANSFER_911, "ko")
    # Twilio retries the webhook: still one intake.
    call_in(twilio, ForwardedFrom=TRANSFER_LINE)
    assert Intake.objects.filter(call__call_sid=CALL_SID).count() == 1


def test_a_call_placed_from_a_partner_line_is_tagged(twilio, transfer_line, on_shift_dispatcher):
    on_shift_dispatcher(languages=["ko"])
    call_in(twilio, From=TRANSFER_LINE, Caller=TRANSFER_LINE)
    assert Intake.objects.get(call__call_sid=CALL_SID).source == Intake.Source.TRANSFER_911


@pytest.mark.django_db
def test_a_line_without_a_language_plays_the_menu_and_keeps_its_source(twilio, on_shift_dispatcher):
    PartnerLine.objects.create(number="+12025550311", name="311", source=Intake.Source.POLICE_311_REQUEST)
    on_shift_dispatcher(languages=["es"])

    root = call_in(twilio, ForwardedFrom="+12025550311")
    assert root.find("Gather") is not None
    assert not Intake.objects.exists()

    choose(twilio, "3", ForwardedFrom="+12025550311")
    intake = Intake.objects.get(call__call_sid=CALL_SID)
    assert (intake.source, intake.language) == (Intake.Source.POLICE_311_REQUEST, "es")


def test_an_inactive_line_or_an_unsigned_request_changes_nothing(twilio, transfer_line):
    transfer_line.is_active = False
    transfer_line.save()
    assert call_in(twilio, ForwardedFrom=TRANSFER_LINE).find("Gather") is not None

    transfer_line.is_active = True
    transfer_line.save()
    params = payload("voice_incoming", ForwardedFrom=TRANSFER_LINE, CallSid="CA" + "1" * 32)
    forged = twilio.post("/hotline/voice/incoming/", params, signature="forged")
    assert forged.status_code == 403
    assert not Intake.objects.exists()


@pytest.mark.django_db
def test_coordinator_adds_a_partner_line_in_the_admin_with_the_number_normalised(client, coordinator):
    client.force_login(coordinator)
    coordinator.is_staff = True
    coordinator.save()
    response = client.post(
        reverse("admin:hotline_partnerline_add"),
        {
            "name": "Police non-emergency",
            "number": "(202) 555-0177",
            "source": "police_311_request",
            "language": "",
        },
    )
    assert response.status_code == 302, response.content
    assert PartnerLine.objects.get().number == "+12025550177"

    bad = client.post(
        reverse("admin:hotline_partnerline_add"),
        {"name": "Nope", "number": "not a number", "source": "partner", "language": ""},
    )
    assert bad.status_code == 200
    assert "Enter a valid phone number" in bad.content.decode()
