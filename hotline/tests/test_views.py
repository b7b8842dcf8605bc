"""Pages showing caller data: only dispatchers and coordinators."""

from unittest import mock

import pytest
import requests
from django.urls import reverse

from hotline import messaging
from hotline.models import Message

from .factories import CallFactory, IntakeFactory, MessageFactory

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"


@pytest.fixture
def intake(db):
    call = CallFactory(recording_url=RECORDING, recording_duration=42, outcome="voicemail")
    intake = IntakeFactory(call=call, caller="+12025550143", language="ko")
    MessageFactory(intake=intake, body="동생이 불안해해요", from_number="+12025550143")
    return intake


def pages(intake):
    return [
        reverse("hotline:call_list"),
        reverse("hotline:intake_detail", args=[intake.pk]),
        reverse("hotline:call_recording", args=[intake.call.pk]),
    ]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, intake):
    for url in pages(intake):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", ["volunteer_user", "responder"])
def test_volunteers_and_responders_are_refused(client, intake, role_fixture, request):
    client.force_login(request.getfixturevalue(role_fixture))

    for url in pages(intake):
        assert client.get(url).status_code == 403
    response = client.post(reverse("hotline:intake_reply", args=[intake.pk]), {"body": "hi"})
    assert response.status_code == 403
    assert messaging.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", ["dispatcher", "coordinator"])
def test_dispatchers_and_coordinators_see_the_conversation(client, intake, role_fixture, request):
    client.force_login(request.getfixturevalue(role_fixture))

    detail = client.get(reverse("hotline:intake_detail", args=[intake.pk]))
    log = client.get(reverse("hotline:call_list"))

    assert detail.status_code == 200
    assert "+12025550143" in detail.content.decode()
    assert "동생이 불안해해요" in detail.content.decode()
    assert log.status_code == 200
    assert intake.call.from_number in log.content.decode()


@pytest.mark.django_db
def test_dispatcher_texts_the_caller_and_the_text_joins_the_conversation(client, dispatcher, intake):
    client.force_login(dispatcher)

    response = client.post(
        reverse("hotline:intake_reply", args=[intake.pk]), {"body": "  Are you safe right now?  "}
    )

    assert response.status_code == 302
    [entry] = messaging.outbox
    assert (entry.to, entry.body) == ("+12025550143", "Are you safe right now?")
    assert intake.messages.filter(direction="out", body="Are you safe right now?").exists()


@pytest.mark.django_db
def test_empty_reply_is_a_form_error(client, dispatcher, intake):
    client.force_login(dispatcher)

    response = client.post(reverse("hotline:intake_reply", args=[intake.pk]), {"body": "   "})

    assert response.status_code == 400
    assert (
        "Write the text to send." in response.content.decode()
        or "This field is required." in response.content.decode()
    )
    assert messaging.outbox == []


@pytest.mark.django_db
def test_reply_to_an_opted_out_caller_shows_an_error(client, dispatcher, intake):
    from hotline.models import SmsOptOut

    SmsOptOut.objects.create(phone="+12025550143")
    client.force_login(dispatcher)

    response = client.post(reverse("hotline:intake_reply", args=[intake.pk]), {"body": "Hello"}, follow=True)

    assert "could not be sent" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db
def test_callback_rings_the_dispatchers_own_phone(client, intake):
    from volunteers.tests.factories import VolunteerFactory

    volunteer = VolunteerFactory(user__roles=["Volunteer", "Dispatcher"])
    client.force_login(volunteer.user)

    response = client.post(reverse("hotline:intake_callback", args=[intake.pk]), follow=True)

    assert "Your phone will ring" in response.content.decode()
    [call] = messaging.calls
    assert call.to == str(volunteer.phone)
    assert "to=12025550143" in call.url
    assert intake.callbacks.get().answered_by == volunteer.user


@pytest.mark.django_db
def test_callback_without_a_volunteer_phone_explains(client, dispatcher, intake):
    client.force_login(dispatcher)

    response = client.post(reverse("hotline:intake_callback", args=[intake.pk]), follow=True)

    assert "no phone number" in response.content.decode()
    assert messaging.calls == []


@pytest.mark.django_db
def test_recording_is_streamed_with_the_account_credentials(client, dispatcher, intake):
    client.force_login(dispatcher)
    upstream = mock.Mock(spec=requests.Response)
    upstream.iter_content.return_value = [b"ID3", b"audio"]
    upstream.raise_for_status.return_value = None

    with mock.patch("hotline.views.requests.get", autospec=True, return_value=upstream) as get:
        response = client.get(reverse("hotline:call_recording", args=[intake.call.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == b"ID3audio"
    get.assert_called_once_with(
        RECORDING + ".mp3",
        auth=("AC0123456789abcdef0123456789abcdef", "12345678901234567890123456789012"),
        stream=True,
        timeout=10,
    )


@pytest.mark.django_db
def test_recording_failure_is_a_bad_gateway(client, dispatcher, intake):
    client.force_login(dispatcher)

    with mock.patch(
        "hotline.views.requests.get", autospec=True, side_effect=requests.ConnectionError("down")
    ):
        response = client.get(reverse("hotline:call_recording", args=[intake.call.pk]))

    assert response.status_code == 502


@pytest.mark.django_db
def test_call_without_recording_has_none_to_stream(client, dispatcher):
    client.force_login(dispatcher)
    call = CallFactory()

    assert client.get(reverse("hotline:call_recording", args=[call.pk])).status_code == 404
