"""simulate_call and simulate_sms drive the real webhook views with signed requests."""

import io

import pytest
from django.core.management import CommandError, call_command

from hotline import messaging
from hotline.models import Call, Intake, Message


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True
    settings.TWILIO_AUTH_TOKEN = ""  # the documented development token signs and verifies


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_simulated_call_nobody_answering_leaves_a_voicemail():
    output = run("simulate_call", "--from", "+12025550143", "--lang", "ko")

    call = Call.objects.get()
    assert call.outcome == Call.Outcome.VOICEMAIL
    assert call.status == Call.Status.COMPLETED
    assert call.recording_url.startswith("https://api.twilio.com/")
    intake = Intake.objects.get()
    assert (intake.language, intake.status, str(intake.caller)) == ("ko", "needs_callback", "+12025550143")
    assert "/hotline/voice/incoming/  ->  200" in output
    assert "<Gather" in output and "<Record" in output
    assert "Voicemail left" in output


@pytest.mark.django_db
def test_simulated_call_answered_by_an_on_shift_dispatcher(on_shift_dispatcher):
    volunteer = on_shift_dispatcher(languages=["es"])

    output = run("simulate_call", "--from", "+12025550143", "--lang", "es", "--press", "1")

    call = Call.objects.get()
    assert call.outcome == Call.Outcome.ANSWERED
    assert call.answered_by == volunteer.user
    assert "/hotline/voice/screen/" in output
    assert messaging.outbox == []


@pytest.mark.django_db
def test_simulated_caller_pressing_nothing_gets_english():
    run("simulate_call", "--from", "+12025550143", "--lang", "none")

    assert Intake.objects.get().language == "en"


@pytest.mark.django_db
def test_simulated_text_opens_an_intake_and_prints_the_reply():
    output = run("simulate_sms", "--from", "+12025550177", "--body", "Necesito ayuda, por favor")

    assert "<Message" in output
    assert "Gracias por escribir" in output
    assert Intake.objects.get().language == "es"
    assert Message.objects.filter(direction="in").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "args", "error"),
    [
        ("simulate_call", ["--from", "12"], "--from must be a phone number"),
        ("simulate_call", ["--from", "+12025550143", "--lang", "fr"], "--lang must be one of"),
        ("simulate_call", ["--from", "+12025550143", "--press", "12"], "--press must be one key"),
        ("simulate_sms", ["--from", "+12025550177", "--body", "  "], "--body must not be empty"),
        ("simulate_sms", ["--from", "nope", "--body", "hi"], "--from must be a phone number"),
    ],
)
def test_bad_input_is_a_clear_error(command, args, error):
    with pytest.raises(CommandError, match=error):
        run(command, *args)
    assert not Call.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_simulators_refuse_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        run("simulate_call", "--from", "+12025550143")
