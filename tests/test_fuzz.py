"""Property-based tests: generated input to the public forms and the signed Twilio webhooks.

Whatever arrives, the answer is never a server error, and a submission is stored whole or not
at all. Each form's fields are read from the page itself, so a new field is fuzzed too.
"""

from __future__ import annotations

import re
import string

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.models import Call, Intake, Message
from hotline.tests.conftest import AUTH_TOKEN, BASE_URL, HOTLINE_NUMBER, TwilioRequests, payload

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
OPTION = re.compile(r'<option\b[^>]*value="([^"]*)"', re.IGNORECASE)

nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable, max_size=50),
    st.sampled_from(
        ["", " ", "\x00", "0" * 5000, "'; DROP TABLE x;--", "<script>alert(1)</script>", "😀" * 40]
    ),
)
phone_like = st.one_of(
    st.from_regex(r"\+1202555\d{4}", fullmatch=True),
    st.from_regex(r"\+\d{1,16}", fullmatch=True),
    nasty_text,
)


def form_fields(html: str) -> dict[str, dict]:
    """name -> {"type", "value", "options"} for the fields of the page's POST form."""
    fields: dict[str, dict] = {}
    for match in FIELD.finditer(html):
        attributes = dict(ATTRIBUTE.findall(match.group(2)))
        name = attributes.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        entry = fields.setdefault(
            name,
            {
                "type": attributes.get("type", match.group(1).lower()),
                "value": attributes.get("value", ""),
                "options": [],
            },
        )
        if entry["type"] in ("checkbox", "radio"):
            entry["options"].append(attributes.get("value", "on"))
        if match.group(1).lower() == "select":
            end = html.find("</select>", match.end())
            entry["options"] += OPTION.findall(html[match.end() : end])
    return fields


@st.composite
def submissions(draw, fields: dict[str, dict]):
    """A POST body: hidden fields kept, the others valid choices, garbage, or missing."""
    data: dict[str, list[str]] = {}
    for name, field in fields.items():
        if field["type"] == "hidden":
            data[name] = [field["value"]]
            continue
        if name == "website":  # the honeypot: filled in only by bots
            continue
        choice = draw(st.sampled_from(["valid", "garbage", "missing"]))
        if choice == "missing":
            continue
        if choice == "valid" and field["options"]:
            data[name] = draw(
                st.lists(st.sampled_from(field["options"]), min_size=1, max_size=3, unique=True)
            )
        elif "phone" in name:
            data[name] = [draw(phone_like)]
        elif "email" in name:
            data[name] = [draw(st.one_of(st.emails(), nasty_text))]
        else:
            data[name] = [draw(nasty_text)]
    return data


@pytest.fixture(autouse=True)
def _open_doors(settings):
    settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR = 1_000_000
    settings.OUTREACH_SURVEY_MIN_SECONDS = 0
    settings.OUTREACH_SURVEY_RATE_LIMIT = 1_000_000
    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.conftest.record_sms"
    settings.SMS_BACKEND = "memory"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_volunteer_signup_never_fails_or_half_writes(client):
    from volunteers.models import Volunteer

    url = reverse("volunteers:signup")
    fields = form_fields(client.get(url).content.decode())
    assert {"first_name", "phone", "email"} <= set(fields)

    @EXAMPLES
    @given(data=submissions(fields))
    def check(data):
        before = Volunteer.objects.count()
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400), response.status_code
        created = Volunteer.objects.count() - before
        if response.status_code == 302:
            assert created == 1
            volunteer = Volunteer.objects.latest("pk")
            assert volunteer.phone and volunteer.email and volunteer.first_name.strip()
            volunteer.delete()  # the next example may reuse the phone or e-mail
        else:
            assert created == 0

    check()


@pytest.mark.django_db
def test_public_survey_never_fails_or_half_writes(client):
    from outreach.models import Answer, Question, SurveyResponse
    from outreach.tests.factories import QuestionFactory, SurveyFactory, choice_question

    survey = SurveyFactory()
    choice_question(survey, [("Yes", "네", "Sí"), ("No", "아니요", "No")])
    choice_question(survey, [("A", "가", "A"), ("B", "나", "B")], kind=Question.Kind.MULTIPLE, required=False)
    QuestionFactory(survey=survey, kind=Question.Kind.SCALE, required=False)
    QuestionFactory(survey=survey, kind=Question.Kind.TEXT, required=False)
    url = reverse("outreach:survey_respond", args=[survey.slug])
    fields = form_fields(client.get(url).content.decode())
    assert len([name for name, field in fields.items() if field["type"] != "hidden"]) >= 4

    @EXAMPLES
    @given(data=submissions(fields))
    def check(data):
        # A token stands for one filled-in form (a second post of it is a double submit): fetch
        # a fresh page for each example, as a person would.
        fresh = form_fields(client.get(url).content.decode())
        data = {**data, **{name: [f["value"]] for name, f in fresh.items() if f["type"] == "hidden"}}
        responses, answers = SurveyResponse.objects.count(), Answer.objects.count()
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code == 302:
            assert SurveyResponse.objects.count() == responses + 1
            stored = SurveyResponse.objects.latest("pk")
            assert stored.answers.count() == Answer.objects.count() - answers >= 1
        else:
            assert (SurveyResponse.objects.count(), Answer.objects.count()) == (responses, answers)

    check()


@pytest.fixture
def twilio(client, settings):
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hotline.example.org"]
    settings.HOTLINE_NUMBER = HOTLINE_NUMBER
    settings.FALLBACK_NUMBER = ""
    settings.HOTLINE_VERIFY_SIGNATURES = True
    return TwilioRequests(client)


sids = st.one_of(st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), nasty_text)


@pytest.mark.django_db
def test_signed_sms_webhook_never_fails(twilio):
    @EXAMPLES
    @given(sender=phone_like, body=nasty_text, sid=sids, media=st.sampled_from(["0", "1", "x", ""]))
    def check(sender, body, sid, media):
        messages = Message.objects.count()
        params = payload("sms_incoming", From=sender, Body=body, MessageSid=sid, SmsSid=sid, NumMedia=media)
        response = twilio.post("/hotline/sms/incoming/", params)
        assert response.status_code in (200, 204, 400), response.status_code
        assert Message.objects.count() - messages in (0, 1, 2)  # the text, and maybe our reply
        stored = Intake.objects.filter(messages__message_sid=sid) if "\x00" not in sid else []
        for intake in stored:
            assert intake.channel == Intake.Channel.SMS

    check()


@pytest.mark.django_db
def test_signed_voice_webhooks_never_fail(twilio):
    @EXAMPLES
    # Values longer than the columns (64 for a CallSid, 32 for a number) make the database refuse
    # the row: the caller still gets the degraded TwiML, but inside this test's single
    # transaction the error would poison later queries, so lengths stay within the columns.
    @given(
        caller=phone_like.map(lambda value: value[:32]),
        sid=st.one_of(
            st.from_regex(r"CA[0-9a-f]{32}", fullmatch=True), nasty_text.map(lambda value: value[:64])
        ),
        digits=st.one_of(st.sampled_from(["1", "2", "3", "9", "#"]), nasty_text),
        status=st.one_of(
            st.sampled_from(["completed", "busy", "no-answer", "failed"]),
            nasty_text.map(lambda value: value[:12]),
        ),
    )
    def check(caller, sid, digits, status):
        calls = Call.objects.count()
        for path, params in (
            ("/hotline/voice/incoming/", payload("voice_incoming", From=caller, CallSid=sid)),
            ("/hotline/voice/language/", payload("voice_gather", From=caller, CallSid=sid, Digits=digits)),
            ("/hotline/voice/status/", payload("voice_status", From=caller, CallSid=sid, CallStatus=status)),
        ):
            response = twilio.post(path, params)
            assert response.status_code in (200, 204, 400), (path, response.status_code)
        assert Call.objects.count() - calls in (0, 1)

    check()
