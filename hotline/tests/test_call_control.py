"""Call control: warm transfer, hold, leaving, listening in (hotline.services.call_control), its
webhooks and its pages. Twilio is the SDK over a fake of its REST API (the backend's HTTP seam)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from hotline import budget, services
from hotline.messaging import override_backend
from hotline.models import Call, CallConference, CallEvent, CallTransfer, PartnerLine
from volunteers.tests.factories import VolunteerFactory

from .conftest import BASE_URL, twiml
from .factories import CallFactory, IntakeFactory
from .fake_twilio import CONFERENCE_SID, DISPATCHER_LEG, THIRD_PARTY_LEG, FakeTwilio

CONFERENCE_STATUS = "/hotline/voice/conference-status/"


@pytest.fixture
def fake():
    fake = FakeTwilio()
    with override_backend(fake.backend()):
        yield fake


@pytest.fixture
def live_intake(db, dispatcher):
    call = CallFactory(
        status=Call.Status.IN_PROGRESS,
        answered_at=timezone.now(),
        answered_by=dispatcher,
        outcome=Call.Outcome.ANSWERED,
        language="es",
    )
    return IntakeFactory(call=call, language="es")


def _transfer(intake, user, target="988", stay_on=True) -> CallTransfer:
    return services.call_transfer_start(intake=intake, target_key=target, stay_on=stay_on, by=user)


def _events(call) -> list[str]:
    return list(CallEvent.objects.filter(call=call).values_list("kind", flat=True))


def _status(twilio, transfer, status):
    url = reverse("hotline:voice_transfer_status") + f"?transfer={transfer.pk}"
    return twilio.post(url, {"CallSid": THIRD_PARTY_LEG, "CallStatus": status, "AccountSid": "AC" + "0" * 32})


def _conference_element(response) -> ET.Element:
    root = twiml(response)
    [conference] = root.iter("Conference")
    return conference


# --- services: TwiML and REST requests ----------------------------------------------------


def test_transfer_moves_the_dispatcher_into_a_conference_and_dials_the_third_party(
    fake, live_intake, dispatcher
):
    transfer = _transfer(live_intake, dispatcher)

    conference = CallConference.objects.get(call=live_intake.call)
    assert (transfer.target, transfer.number, transfer.outcome) == (
        "988",
        "988",
        CallTransfer.Outcome.PENDING,
    )
    [listed] = fake.made("GET", r"Calls\.json")
    assert listed["params"]["ParentCallSid"] == live_intake.call.call_sid
    assert listed["params"]["Status"] == "in-progress"
    [moved] = fake.made("POST", rf"Calls/{DISPATCHER_LEG}\.json")
    joined = ET.fromstring(moved["data"]["Twiml"])  # noqa: S314 - our own TwiML
    [element] = joined.iter("Conference")
    assert element.text == conference.name
    assert element.get("endConferenceOnExit") == "false"  # the dispatcher leaving ends nothing
    assert element.get("startConferenceOnEnter") == "true"
    [added] = fake.made("POST", rf"Conferences/{conference.name}/Participants\.json")
    data = added["data"]
    assert (data["To"], data["From"], data["EndConferenceOnExit"]) == ("988", "+12025550100", "false")
    assert data["StatusCallback"] == f"{BASE_URL}/hotline/voice/transfer-status/?transfer={transfer.pk}"
    assert set(data["StatusCallbackEvent"]) == {"initiated", "ringing", "answered", "completed"}
    assert data["ConferenceStatusCallback"] == f"{BASE_URL}{CONFERENCE_STATUS}"
    transfer.refresh_from_db()
    assert transfer.participant_call_sid == THIRD_PARTY_LEG
    assert conference.dispatcher_call_sid == DISPATCHER_LEG
    assert _events(live_intake.call) == [CallEvent.Kind.TRANSFER_STARTED]


def test_the_caller_follows_into_the_conference_through_the_dial_action(
    fake, live_intake, dispatcher, twilio
):
    _transfer(live_intake, dispatcher)
    response = twilio.post(
        "/hotline/voice/dial-status/?stage=volunteers&round=1",
        {
            "CallSid": live_intake.call.call_sid,
            "CallStatus": "in-progress",
            "DialCallStatus": "completed",
            "DialBridged": "true",
        },
    )

    conference = _conference_element(response)
    assert conference.text == CallConference.objects.get().name
    assert conference.get("endConferenceOnExit") == "true"  # the caller hangs up: it is over
    assert conference.get("startConferenceOnEnter") == "false"  # alone, the caller hears the hold line
    assert conference.get("waitUrl") == f"{BASE_URL}/hotline/voice/hold/"
    assert conference.get("statusCallback") == f"{BASE_URL}{CONFERENCE_STATUS}"


def test_an_ordinary_dial_end_still_hangs_up(fake, live_intake, twilio):
    response = twilio.post(
        "/hotline/voice/dial-status/?stage=volunteers&round=1",
        {
            "CallSid": live_intake.call.call_sid,
            "CallStatus": "in-progress",
            "DialCallStatus": "completed",
            "DialBridged": "true",
        },
    )
    root = twiml(response)
    # No conference to join: the caller is not re-dialled, only offered the optional questions
    # (a key press or silence, then the call ends).
    assert [child.tag for child in root] == ["Gather", "Hangup"]
    assert "/hotline/voice/evidence/" in root.find("Gather").get("action")


def test_a_failed_move_leaves_no_conference_for_the_caller_to_fall_into(
    fake, live_intake, dispatcher, twilio
):
    fake.refuse.add("calls.update")
    with pytest.raises(services.CallControlError):
        _transfer(live_intake, dispatcher)
    assert CallTransfer.objects.get().outcome == CallTransfer.Outcome.FAILED
    assert services.caller_twiml(call_sid=live_intake.call.call_sid) is None


def test_transfer_refused_by_twilio_is_failed_on_the_timeline(fake, live_intake, dispatcher):
    fake.refuse.add("participants")
    with pytest.raises(services.CallControlError):
        _transfer(live_intake, dispatcher, target="911")
    transfer = CallTransfer.objects.get()
    assert transfer.outcome == CallTransfer.Outcome.FAILED
    assert _events(live_intake.call) == [CallEvent.Kind.TRANSFER_STARTED, CallEvent.Kind.TRANSFER_FAILED]


def test_no_live_call_no_transfer(fake, dispatcher):
    ended = CallFactory(status=Call.Status.COMPLETED, answered_at=timezone.now(), ended_at=timezone.now())
    intake = IntakeFactory(call=ended)
    with pytest.raises(services.CallControlError):
        _transfer(intake, dispatcher)
    with pytest.raises(services.CallControlError):
        _transfer(IntakeFactory(), dispatcher)
    assert fake.requests == [] and not CallTransfer.objects.exists()


def test_one_ringing_transfer_at_a_time(fake, live_intake, dispatcher):
    _transfer(live_intake, dispatcher)
    with pytest.raises(services.CallControlError):
        _transfer(live_intake, dispatcher, target="911")
    assert CallTransfer.objects.count() == 1


def test_unknown_target_is_refused(fake, live_intake, dispatcher):
    with pytest.raises(services.CallControlError):
        _transfer(live_intake, dispatcher, target="line:999")
    assert fake.requests == []


def test_partner_lines_and_directory_partners_are_targets(db):
    from outreach.models import Partner

    line = PartnerLine.objects.create(number="+12025550150", name="Mobile crisis team", source="partner")
    Partner.objects.create(name="Food bank", phone="+12025550160")
    Partner.objects.create(name="No phone shelter")
    keys = {target.key: target for target in services.transfer_targets()}
    assert {"911", "988", f"line:{line.pk}"} <= set(keys)
    assert [t.label for t in keys.values() if t.key.startswith("partner:")] == ["Food bank"]


# --- webhooks: the third party's status ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "kind"),
    [
        ("no-answer", CallTransfer.Outcome.NO_ANSWER, CallEvent.Kind.TRANSFER_NO_ANSWER),
        ("busy", CallTransfer.Outcome.BUSY, CallEvent.Kind.TRANSFER_BUSY),
        ("failed", CallTransfer.Outcome.FAILED, CallEvent.Kind.TRANSFER_FAILED),
    ],
)
def test_unanswered_transfer_leaves_the_caller_with_the_dispatcher(
    fake, live_intake, dispatcher, twilio, status, outcome, kind
):
    transfer = _transfer(live_intake, dispatcher)
    before = len(fake.requests)
    assert _status(twilio, transfer, "ringing").status_code == 204
    assert _status(twilio, transfer, status).status_code == 204
    assert _status(twilio, transfer, status).status_code == 204  # Twilio repeats itself

    transfer.refresh_from_db()
    assert transfer.outcome == outcome and transfer.ended_at is not None
    assert _events(live_intake.call) == [CallEvent.Kind.TRANSFER_STARTED, kind]
    assert fake.requests[before:] == []  # the caller is not moved: they are with the dispatcher


def test_answered_transfer_then_the_dispatcher_leaves_and_the_caller_stays(
    fake, live_intake, dispatcher, twilio
):
    transfer = _transfer(live_intake, dispatcher)
    assert _status(twilio, transfer, "in-progress").status_code == 204
    services.call_leave(intake=live_intake, by=dispatcher)

    transfer.refresh_from_db()
    assert transfer.outcome == CallTransfer.Outcome.ANSWERED
    hung_up = fake.made("POST", rf"Calls/{DISPATCHER_LEG}\.json")[-1]
    assert hung_up["data"] == {"Status": "completed"}
    assert fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json") == []  # the caller is not touched
    assert _events(live_intake.call) == [
        CallEvent.Kind.TRANSFER_STARTED,
        CallEvent.Kind.TRANSFER_ANSWERED,
        CallEvent.Kind.DISPATCHER_LEFT,
    ]
    # Twilio's own leave event for the dispatcher changes nothing more.
    conference = CallConference.objects.get()
    twilio.post(
        CONFERENCE_STATUS,
        {
            "FriendlyName": conference.name,
            "ConferenceSid": CONFERENCE_SID,
            "StatusCallbackEvent": "participant-leave",
            "CallSid": DISPATCHER_LEG,
        },
    )
    assert _events(live_intake.call).count(CallEvent.Kind.DISPATCHER_LEFT) == 1
    assert fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json") == []


def test_dropped_off_dispatcher_and_no_answer_send_the_caller_back_to_the_dispatchers(
    fake, live_intake, dispatcher, twilio, on_shift_dispatcher
):
    transfer = _transfer(live_intake, dispatcher, stay_on=False)
    assert fake.made("POST", rf"Calls/{DISPATCHER_LEG}\.json")[0]["data"] == {"Status": "completed"}
    conference = CallConference.objects.get()
    assert conference.dispatcher_left_at is not None

    assert _status(twilio, transfer, "no-answer").status_code == 204

    [returned] = fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json")
    url = returned["data"]["Url"]
    assert url == f"{BASE_URL}/hotline/voice/return/?conference={conference.pk}"
    assert _events(live_intake.call)[-2:] == [CallEvent.Kind.TRANSFER_NO_ANSWER, CallEvent.Kind.RETURNED]

    # Twilio fetches the return URL: the dispatchers on shift ring again.
    first, second = on_shift_dispatcher(languages=["es"]), on_shift_dispatcher(languages=["es"])
    root = twiml(twilio.post(url, {"CallSid": live_intake.call.call_sid, "CallStatus": "in-progress"}))
    [dial] = root.iter("Dial")
    assert dial.get("action") == f"{BASE_URL}/hotline/voice/return/dial-status/?conference={conference.pk}"
    screens = [number.get("url") for number in dial.iter("Number")]
    assert len(screens) == 2 and all("/hotline/voice/return/screen/" in s for s in screens)

    # The first to press 1 has the caller; the second hears a hang-up.
    accepted = twiml(
        twilio.post(
            screens[0],
            {"CallSid": "CA" + "1" * 32, "ParentCallSid": live_intake.call.call_sid, "Digits": "1"},
        )
    )
    late = twiml(
        twilio.post(
            screens[1],
            {"CallSid": "CA" + "2" * 32, "ParentCallSid": live_intake.call.call_sid, "Digits": "1"},
        )
    )
    assert [c.tag for c in accepted] == ["Say"] and [c.tag for c in late] == ["Hangup"]
    assert first.pk != second.pk


def test_nobody_on_shift_for_a_returned_caller_means_voicemail(fake, live_intake, dispatcher, twilio):
    _transfer(live_intake, dispatcher, stay_on=False)
    conference = CallConference.objects.get()
    _status(twilio, CallTransfer.objects.get(), "busy")
    root = twiml(
        twilio.post(
            f"/hotline/voice/return/?conference={conference.pk}", {"CallSid": live_intake.call.call_sid}
        )
    )
    assert list(root.iter("Record"))


def test_dispatcher_hanging_up_before_anyone_else_is_in_returns_the_caller(
    fake, live_intake, dispatcher, twilio
):
    services.call_hold(intake=live_intake, hold=True, by=dispatcher)  # moves into a conference
    conference = CallConference.objects.get()
    response = twilio.post(
        CONFERENCE_STATUS,
        {
            "FriendlyName": conference.name,
            "ConferenceSid": CONFERENCE_SID,
            "StatusCallbackEvent": "participant-leave",
            "CallSid": DISPATCHER_LEG,
        },
    )
    assert response.status_code == 204
    conference.refresh_from_db()
    assert conference.conference_sid == CONFERENCE_SID
    assert conference.returned_at is not None
    [returned] = fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json")
    assert "/hotline/voice/return/" in returned["data"]["Url"]


def test_caller_hanging_up_cancels_a_ringing_transfer(fake, live_intake, dispatcher, twilio):
    transfer = _transfer(live_intake, dispatcher)
    conference = CallConference.objects.get()
    twilio.post(
        CONFERENCE_STATUS,
        {
            "FriendlyName": conference.name,
            "StatusCallbackEvent": "participant-leave",
            "CallSid": live_intake.call.call_sid,
        },
    )
    _status(twilio, transfer, "canceled")
    transfer.refresh_from_db()
    assert transfer.outcome == CallTransfer.Outcome.CANCELLED
    assert fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json") == []


def test_status_callbacks_are_signed(fake, live_intake, dispatcher, twilio):
    transfer = _transfer(live_intake, dispatcher)
    url = reverse("hotline:voice_transfer_status") + f"?transfer={transfer.pk}"
    assert twilio.post(url, {"CallStatus": "no-answer"}, signed=False).status_code == 403
    assert twilio.post(CONFERENCE_STATUS, {"FriendlyName": "x"}, signature="forged").status_code == 403
    transfer.refresh_from_db()
    assert transfer.outcome == CallTransfer.Outcome.PENDING


def test_status_callbacks_obey_the_webhook_budget(fake, live_intake, dispatcher, twilio, settings):
    transfer = _transfer(live_intake, dispatcher)
    budget.breaker.open_until = 10**12  # the database hangs: callbacks do not wait on it
    assert _status(twilio, transfer, "no-answer").status_code == 503
    budget.breaker.reset()
    transfer.refresh_from_db()
    assert transfer.outcome == CallTransfer.Outcome.PENDING  # Twilio retries; nothing half-written


# --- hold ---------------------------------------------------------------------------------


def test_hold_and_resume_the_caller_in_the_conference(fake, live_intake, dispatcher, twilio):
    _transfer(live_intake, dispatcher)
    conference = CallConference.objects.get()
    twilio.post(
        CONFERENCE_STATUS,
        {
            "FriendlyName": conference.name,
            "ConferenceSid": CONFERENCE_SID,
            "StatusCallbackEvent": "conference-start",
        },
    )
    twilio.post(
        CONFERENCE_STATUS,
        {
            "FriendlyName": conference.name,
            "StatusCallbackEvent": "participant-join",
            "CallSid": live_intake.call.call_sid,
        },
    )

    services.call_hold(intake=live_intake, hold=True, by=dispatcher)
    services.call_hold(intake=live_intake, hold=False, by=dispatcher)

    held, resumed = fake.made(
        "POST", rf"Conferences/{CONFERENCE_SID}/Participants/{live_intake.call.call_sid}\.json"
    )
    assert held["data"] == {
        "Hold": "true",
        "HoldUrl": f"{BASE_URL}/hotline/voice/hold/",
        "HoldMethod": "POST",
    }
    assert resumed["data"] == {"Hold": "false"}
    assert _events(live_intake.call)[-2:] == [CallEvent.Kind.HELD, CallEvent.Kind.RESUMED]


def test_first_hold_keeps_the_caller_outside_the_conference_until_resumed(
    fake, live_intake, dispatcher, twilio
):
    services.call_hold(intake=live_intake, hold=True, by=dispatcher)
    conference = CallConference.objects.get()
    assert fake.made("POST", rf"Calls/{DISPATCHER_LEG}\.json")  # the dispatcher waits in the conference
    assert fake.made("POST", r"Conferences/.*") == []

    # The caller's <Dial> ends: they hear the hold message, in Spanish, on a loop.
    root = twiml(
        twilio.post(
            "/hotline/voice/dial-status/?stage=volunteers&round=1",
            {
                "CallSid": live_intake.call.call_sid,
                "CallStatus": "in-progress",
                "DialCallStatus": "completed",
            },
        )
    )
    assert [child.tag for child in root] == ["Say", "Pause", "Redirect"]
    assert root.find("Say").get("language") == "es-US"

    services.call_hold(intake=live_intake, hold=False, by=dispatcher)
    [brought_in] = fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json")
    [element] = ET.fromstring(brought_in["data"]["Twiml"]).iter("Conference")  # noqa: S314
    assert (element.text, element.get("endConferenceOnExit")) == (conference.name, "true")

    # In the conference now (Twilio says so): the next hold is the participant's.
    twilio.post(
        CONFERENCE_STATUS,
        {
            "FriendlyName": conference.name,
            "ConferenceSid": CONFERENCE_SID,
            "StatusCallbackEvent": "participant-join",
            "CallSid": live_intake.call.call_sid,
        },
    )
    services.call_hold(intake=live_intake, hold=True, by=dispatcher)
    assert fake.made("POST", rf"Conferences/{CONFERENCE_SID}/Participants/{live_intake.call.call_sid}\.json")
    assert _events(live_intake.call) == [CallEvent.Kind.HELD, CallEvent.Kind.RESUMED, CallEvent.Kind.HELD]


def test_resume_without_hold_is_refused(fake, live_intake, dispatcher):
    with pytest.raises(services.CallControlError):
        services.call_hold(intake=live_intake, hold=False, by=dispatcher)
    assert fake.requests == [] and not CallConference.objects.exists()


def test_no_drop_off_transfer_while_the_caller_waits_outside(fake, live_intake, dispatcher):
    services.call_hold(intake=live_intake, hold=True, by=dispatcher)
    with pytest.raises(services.CallControlError):
        _transfer(live_intake, dispatcher, stay_on=False)
    _transfer(live_intake, dispatcher, stay_on=True)  # staying on, the dispatcher brings them in later


def test_hold_message_is_spoken_in_the_callers_language_with_nothing_fetched_elsewhere(twilio):
    root = twiml(twilio.post("/hotline/voice/hold/?lang=ko", {"CallSid": "CA" + "1" * 32}))
    assert [child.tag for child in root] == ["Say", "Pause", "Redirect"]
    assert root.find("Say").get("language") == "ko-KR"
    assert root.find("Redirect").text.startswith(BASE_URL)
    assert not list(root.iter("Play"))


# --- listen in and coach ------------------------------------------------------------------


@pytest.mark.parametrize("coach", [False, True])
def test_coordinator_listens_muted_or_coaches_the_dispatcher(fake, live_intake, coordinator, coach):
    VolunteerFactory(user=coordinator, phone="+12025550177")
    services.call_listen(intake=live_intake, coordinator_phone="+12025550177", coach=coach, by=coordinator)
    conference = CallConference.objects.get()
    [joined] = fake.made("POST", rf"Conferences/{conference.name}/Participants\.json")
    data = joined["data"]
    assert data["To"] == "+12025550177"
    if coach:
        assert (data["Coaching"], data["CallSidToCoach"]) == ("true", DISPATCHER_LEG)
        assert "Muted" not in data
    else:
        assert data["Muted"] == "true" and "Coaching" not in data
    assert _events(live_intake.call) == [CallEvent.Kind.COACH if coach else CallEvent.Kind.LISTEN]


# --- pages: access, 2FA, audit --------------------------------------------------------------


ACTIONS = ["call_transfer", "call_hold", "call_leave", "call_listen"]


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("role", ["responder", "volunteer_user"])
def test_other_roles_cannot_control_calls(fake, live_intake, client, request, name, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse(f"hotline:{name}", args=[live_intake.pk]), {"target": "988", "mode": "listen"}
    )
    assert response.status_code == 403
    assert fake.requests == []


@pytest.mark.parametrize("name", ACTIONS)
def test_anonymous_is_sent_to_sign_in(fake, live_intake, client, name):
    response = client.post(reverse(f"hotline:{name}", args=[live_intake.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_dispatcher_cannot_listen_in(fake, live_intake, client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(reverse("hotline:call_listen", args=[live_intake.pk]), {"mode": "listen"})
    assert response.status_code == 403 and fake.requests == []


def test_listening_needs_the_second_factor(fake, live_intake, client, coordinator, settings):
    settings.TWO_FACTOR_REQUIRED = True
    TOTPDevice.objects.create(user=coordinator, name="authenticator", confirmed=True)
    client.force_login(coordinator)
    response = client.post(reverse("hotline:call_listen", args=[live_intake.pk]), {"mode": "coach"})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("volunteers:two_factor_verify")
    assert fake.requests == []


def test_coordinator_listens_from_the_page_and_it_is_audited(fake, live_intake, client, coordinator):
    VolunteerFactory(user=coordinator, phone="+12025550177")
    client.force_login(coordinator)
    page = reverse("dispatch:intake", args=[live_intake.pk])
    response = client.post(
        reverse("hotline:call_listen", args=[live_intake.pk]), {"mode": "listen", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    entry = AuditEntry.objects.get(what="coordinator listening in")
    assert entry.actor == coordinator and entry.object_id == live_intake.pk


def test_dispatcher_transfers_from_the_intake_page(fake, live_intake, client, dispatcher):
    client.force_login(dispatcher)
    page = reverse("dispatch:intake", args=[live_intake.pk])
    shown = client.get(page)
    assert b"Transfer to 988 Suicide" in shown.content and b"Listen in" not in shown.content
    response = client.post(
        reverse("hotline:call_transfer", args=[live_intake.pk]), {"target": "911", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    transfer = CallTransfer.objects.get()
    assert (transfer.target, transfer.stay_on) == ("911", False)  # the box unticked: drop off
    assert AuditEntry.objects.filter(what="call transferred to 911", actor=dispatcher).exists()
    assert b"Transfer started" in client.get(page).content


def test_an_unsafe_next_is_ignored(fake, live_intake, client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        reverse("hotline:call_transfer", args=[live_intake.pk]),
        {"target": "988", "stay_on": "on", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == reverse("hotline:intake_detail", args=[live_intake.pk])


def test_a_bad_target_is_a_message_not_a_transfer(fake, live_intake, client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        reverse("hotline:call_transfer", args=[live_intake.pk]), {"target": "nowhere"}, follow=True
    )
    assert b"Choose where to transfer the call." in response.content
    assert not CallTransfer.objects.exists() and fake.requests == []


def test_the_panel_is_not_offered_without_a_live_call(client, dispatcher):
    call = CallFactory(status=Call.Status.COMPLETED, answered_at=timezone.now(), ended_at=timezone.now())
    intake = IntakeFactory(call=call)
    client.force_login(dispatcher)
    content = client.get(reverse("hotline:intake_detail", args=[intake.pk])).content
    assert b"Transfer to" not in content and b"The call is not live" in content


def test_query_of_the_return_url_names_the_conference(fake, live_intake, dispatcher, twilio):
    _transfer(live_intake, dispatcher, stay_on=False)
    _status(twilio, CallTransfer.objects.get(), "failed")
    [returned] = fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json")
    query = parse_qs(urlsplit(returned["data"]["Url"]).query)
    assert query == {"conference": [str(CallConference.objects.get().pk)]}


@pytest.mark.parametrize(
    ("language", "words"), [("ko", "988 자살·위기 상담전화(으)로 연결"), ("es", "Transferir a 911")]
)
def test_the_panel_speaks_the_readers_language(fake, live_intake, client, dispatcher, language, words):
    client.force_login(dispatcher)
    _transfer(live_intake, dispatcher)
    content = client.get(
        reverse("dispatch:intake", args=[live_intake.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert words in content
    assert "Transfer to" not in content and "Transfer started" not in content and "Live call" not in content


def test_a_refused_drop_off_transfer_sends_the_caller_back_to_the_dispatchers(fake, live_intake, dispatcher):
    fake.refuse.add("participants")
    with pytest.raises(services.CallControlError):
        _transfer(live_intake, dispatcher, stay_on=False)
    assert CallTransfer.objects.get().outcome == CallTransfer.Outcome.FAILED
    [returned] = fake.made("POST", rf"Calls/{live_intake.call.call_sid}\.json")
    assert "/hotline/voice/return/" in returned["data"]["Url"]
    assert _events(live_intake.call)[-3:] == [
        CallEvent.Kind.DISPATCHER_LEFT,
        CallEvent.Kind.TRANSFER_FAILED,
        CallEvent.Kind.RETURNED,
    ]


def test_911_and_988_are_stored_by_code_and_shown_in_the_readers_language(fake, live_intake, dispatcher):
    from django.utils import translation

    transfer = _transfer(live_intake, dispatcher, target="988")
    assert transfer.target_label == "988"
    with translation.override("es"):
        assert transfer.label == "988 Línea de Prevención del Suicidio y Crisis"
