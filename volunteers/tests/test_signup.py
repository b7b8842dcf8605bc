import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from volunteers.models import Language, Volunteer
from volunteers.tests.factories import AreaFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
URL = reverse("volunteers:signup")


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


def valid_data(**overrides):
    data = {
        "first_name": "Minji",
        "last_name": "Kim",
        "phone": "(213) 555-0142",
        "email": "Minji.Kim@Example.org",
        "languages": [Language.objects.get(code="ko").pk, Language.objects.get(code="en").pk],
        "roles_of_interest": ["dispatcher", "responder"],
        "availability": ["mon_evening", "sat_morning"],
        "heard_about": "event",
        "heard_about_detail": "Koreatown fair",
        "sms_consent": "on",
        "agreements": "on",
        "source_code": "ktown-fair",
        "lead_reference": "L-42",
        "website": "",
    }
    data.update(overrides)
    return data


def test_sign_up_page_is_public_phone_sized_and_prefilled(client):
    response = client.get(
        URL, {"ref": "ktown-fair", "lead": "L-42", "first_name": "Minji", "email": "m@example.org"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport" content="width=device-width' in html
    assert 'value="ktown-fair"' in html and 'value="L-42"' in html
    assert 'value="Minji"' in html and 'value="m@example.org"' in html
    assert 'name="website"' in html, "honeypot present"


def test_sign_up_in_korean_and_spanish(client):
    korean = client.get(URL, {"lang": "ko"}).content.decode()
    assert 'lang="ko"' in korean
    assert "자원봉사" in korean
    assert 'value="{}" checked'.format(Language.objects.get(code="ko").pk) in korean or "checked" in korean
    spanish = client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Voluntariado" in spanish or "voluntari" in spanish


def test_sign_up_creates_an_applicant_with_e164_phone_and_attribution(client):
    AreaFactory(slug="koreatown", name="Koreatown")
    response = client.post(URL + "?lang=ko", valid_data(areas=[AreaFactory(slug="downtown").pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("volunteers:signup_done"))
    volunteer = Volunteer.objects.get()
    assert volunteer.status == Volunteer.Status.APPLICANT
    assert volunteer.user is None
    assert str(volunteer.phone) == "+12135550142"
    assert volunteer.email == "minji.kim@example.org"
    assert volunteer.source_code == "ktown-fair" and volunteer.lead_reference == "L-42"
    assert volunteer.preferred_language == "ko"
    assert volunteer.roles_of_interest == ["dispatcher", "responder"]
    assert volunteer.availability == ["mon_evening", "sat_morning"]
    assert set(volunteer.languages.values_list("code", flat=True)) == {"ko", "en"}
    assert volunteer.areas.get().slug == "downtown"
    assert volunteer.sms_consent and volunteer.agreements_accepted_at
    assert "감사합니다" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "555-12"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"agreements": ""}, "agreements"),
        ({"roles_of_interest": []}, "roles_of_interest"),
        ({"languages": []}, "languages"),
        ({"first_name": ""}, "first_name"),
        ({"availability": ["mon_midnight"]}, "availability"),
    ],
)
def test_sign_up_validation_errors(client, overrides, field):
    response = client.post(URL, valid_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Volunteer.objects.exists()


def _answer(response) -> tuple:
    """What the person who typed the form sees: the status, where it sends them, that page."""
    from django.test import Client

    page = Client().get(response["Location"]) if response.status_code == 302 else response
    content = re.sub(
        rb'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', b"csrf", page.content
    )
    return response.status_code, response.get("Location"), content


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": "+1 213 555 0142", "email": "other@example.org"},
        {"phone": "2135550199", "email": "MINJI.kim@example.org"},
        {"phone": "2135550142", "email": "minji.kim@example.org"},
    ],
    ids=["known phone", "known email", "both known"],
)
@pytest.mark.parametrize("lang", ["", "?lang=ko"])
def test_a_known_person_gets_the_same_answer_as_a_new_one_and_a_message(
    client, overrides, lang, sent_sms, mailoutbox, django_capture_on_commit_callbacks
):
    known = VolunteerFactory(
        phone="+12135550142", email="minji.kim@example.org", status=Volunteer.Status.ACTIVE, sms_consent=True
    )
    new = client.post(URL + lang, valid_data(phone="+12135550177", email="new.person@example.org"))
    sent_sms.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL + lang, valid_data(**overrides))

    assert _answer(again) == _answer(new)
    assert "already registered" not in again.content.decode()
    assert Volunteer.objects.count() == 2  # the known person and the new one: no duplicate
    [text] = sent_sms
    assert text["to"] == "+12135550142"
    assert "already registered" in text["body"]
    assert not mailoutbox
    # Typing their number again and again does not flood them.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL + lang, valid_data(**overrides))
    assert len(sent_sms) == 1
    known.refresh_from_db()
    assert known.status == Volunteer.Status.ACTIVE


def test_a_known_person_without_text_consent_is_emailed(
    client, sent_sms, mailoutbox, django_capture_on_commit_callbacks
):
    VolunteerFactory(phone="+12135550142", email="minji.kim@example.org", sms_consent=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, valid_data())
    assert response.status_code == 302
    assert not sent_sms
    [mail] = mailoutbox
    assert mail.to == ["minji.kim@example.org"]
    assert "already registered" in mail.body


def test_honeypot_discards_bots_silently(client):
    response = client.post(URL, valid_data(website="http://spam.example"))
    assert response.status_code == 302
    assert not Volunteer.objects.exists()


def test_rate_limit_per_client_address(client, settings):
    settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR = 2
    for n in range(2):
        response = client.post(URL, valid_data(phone=f"+1213555015{n}", email=f"p{n}@example.org"))
        assert response.status_code == 302
    blocked = client.post(URL, valid_data(phone="+12135550159", email="p9@example.org"))
    assert blocked.status_code == 429
    assert Volunteer.objects.count() == 2
    other = client.post(URL, valid_data(phone="+12135550158", email="p8@example.org"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302, "another address is not limited"


def test_race_past_the_form_check_still_makes_one_record(sent_sms):
    from volunteers.services import Application, volunteer_apply

    application = Application(
        first_name="A", last_name="B", phone="+12135550142", email="a@example.org", preferred_language="en"
    )
    assert volunteer_apply(application=application) is not None
    assert volunteer_apply(application=application) is None
    assert Volunteer.objects.count() == 1
    # Two submissions racing past the check: the unique constraint decides, the same answer.
    with mock.patch("volunteers.services.signup._already_registered", side_effect=[[], []]):
        assert volunteer_apply(application=application) is None
    assert Volunteer.objects.count() == 1
