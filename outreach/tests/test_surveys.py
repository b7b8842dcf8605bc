"""Surveys: the builder, the public form in three languages, validation of tampered posts, bot
protection, results arithmetic and the CSV export."""

import csv
import io
import re
import uuid
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outreach import antispam
from outreach.models import Answer, Option, Question, Survey, SurveyResponse
from outreach.selectors import survey_results
from outreach.services import DuplicateSubmission, question_move, question_save, survey_response_submit
from outreach.tests.factories import OptionFactory, QuestionFactory, SurveyFactory, choice_question

pytestmark = pytest.mark.django_db

ES_PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture
def survey():
    """Open, anonymous; one question of each kind."""
    survey = SurveyFactory(title_en="Needs", title_ko="필요", title_es="Necesidades")
    survey.q_single = choice_question(
        survey,
        [("Yes", "네", "Sí"), ("No", "아니요", "No")],
        kind=Question.Kind.SINGLE,
        text_en="Did you call 911?",
        text_ko="911에 전화했습니까?",
        text_es="¿Llamó al 911?",
    )
    survey.q_multi = choice_question(
        survey,
        [
            ("Volunteers", "자원봉사자", "Voluntarios"),
            ("Nurses", "간호사", "Enfermeras"),
            ("Police", "경찰", "Policía"),
        ],
        kind=Question.Kind.MULTIPLE,
        required=False,
        text_en="Who should come?",
        text_ko="누가 와야 합니까?",
        text_es="¿Quién debería venir?",
    )
    survey.q_scale = QuestionFactory(survey=survey, kind=Question.Kind.SCALE, text_es="¿Qué tan probable?")
    survey.q_text = QuestionFactory(
        survey=survey, kind=Question.Kind.TEXT, required=False, text_es="¿Algo más?"
    )
    return survey


def options(question):
    return list(question.options.order_by("position"))


def fresh_token(client, survey, **params):
    response = client.get(survey.get_public_url(), params)
    assert response.status_code == 200
    return response.context["form"].initial["token"]


def post_answers(client, survey, answers, *, token=None, lang="es", **extra):
    data = {"token": token or fresh_token(client, survey, lang=lang), "lang": lang, **answers}
    return client.post(survey.get_public_url(), data, **extra)


def valid_answers(survey, **overrides):
    answers = {
        f"q{survey.q_single.pk}": str(options(survey.q_single)[0].pk),
        f"q{survey.q_multi.pk}": [str(options(survey.q_multi)[0].pk), str(options(survey.q_multi)[1].pk)],
        f"q{survey.q_scale.pk}": "4",
        f"q{survey.q_text.pk}": "Alguien que hable español",
    }
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not None}


# --- the public form ---------------------------------------------------------------------------


def test_public_form_shows_the_respondents_language_without_login(client, survey):
    response = client.get(survey.get_public_url(), HTTP_ACCEPT_LANGUAGE="es", HTTP_USER_AGENT=ES_PHONE)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Necesidades" in content and "¿Llamó al 911?" in content and "Enfermeras" in content
    assert "Did you call 911?" not in content
    assert 'lang="es"' in content
    # Links to the other two languages.
    assert '<a href="?lang=ko" lang="ko" hreflang="ko">한국어</a>' in content
    assert '<a href="?lang=en" lang="en" hreflang="en">English</a>' in content
    # An explicit choice wins over the browser's language.
    content = client.get(survey.get_public_url(), {"lang": "ko"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "911에 전화했습니까?" in content and "간호사" in content


def test_a_person_answers_in_spanish_on_a_phone(client, survey):
    response = post_answers(client, survey, valid_answers(survey), HTTP_USER_AGENT=ES_PHONE)
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:survey_thanks", args=[survey.slug]) + "?lang=es"
    thanks = client.get(response["Location"])
    assert "Gracias" in thanks.content.decode()

    saved = SurveyResponse.objects.get()
    assert saved.language == "es" and saved.respondent_name == ""
    assert saved.answers.count() == 5  # one single, two multiple, one scale, one text
    results = survey_results(survey=survey)
    single, multi, scale, text = results.questions
    assert [(row.label, row.count) for row in single.rows] == [("Yes", 1), ("No", 0)]
    assert [row.count for row in multi.rows] == [1, 1, 0]
    assert [row.count for row in scale.rows] == [0, 0, 0, 1, 0]
    assert [answer.text for answer in text.texts] == ["Alguien que hable español"]


def test_required_answers_are_enforced(client, survey):
    response = post_answers(client, survey, valid_answers(survey, **{f"q{survey.q_single.pk}": None}))
    assert response.status_code == 400
    assert f"q{survey.q_single.pk}" in response.context["form"].errors
    # The error is in Spanish, like the form.
    assert "Este campo es obligatorio" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_optional_questions_may_be_skipped(client, survey):
    answers = valid_answers(survey, **{f"q{survey.q_multi.pk}": None, f"q{survey.q_text.pk}": "   "})
    assert post_answers(client, survey, answers).status_code == 302
    assert Answer.objects.count() == 2


@pytest.mark.parametrize(
    "tamper",
    [
        "option_of_other_question",
        "option_of_other_survey",
        "multi_with_foreign_option",
        "not_a_number",
        "scale_zero",
        "scale_six",
        "scale_text",
        "two_single_answers",
    ],
)
def test_tampered_posts_get_form_errors_and_store_nothing(client, survey, tamper):
    other_survey_option = OptionFactory()
    single, multi, scale = f"q{survey.q_single.pk}", f"q{survey.q_multi.pk}", f"q{survey.q_scale.pk}"
    overrides = {
        "option_of_other_question": {single: str(options(survey.q_multi)[0].pk)},
        "option_of_other_survey": {single: str(other_survey_option.pk)},
        "multi_with_foreign_option": {
            multi: [str(options(survey.q_multi)[0].pk), str(options(survey.q_single)[1].pk)]
        },
        "not_a_number": {single: "1 OR 1=1"},
        "scale_zero": {scale: "0"},
        "scale_six": {scale: "6"},
        "scale_text": {scale: "five"},
        "two_single_answers": {single: [str(o.pk) for o in options(survey.q_single)]},
    }[tamper]
    response = post_answers(client, survey, valid_answers(survey, **overrides))
    if tamper == "two_single_answers":
        # A radio field keeps the last value sent: still one valid option, one answer stored.
        assert response.status_code == 302
        assert Answer.objects.filter(question=survey.q_single).count() == 1
        return
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()


def test_the_service_rechecks_everything(survey):
    other = QuestionFactory(kind=Question.Kind.SCALE)
    base = {survey.q_single.pk: options(survey.q_single)[0].pk, survey.q_scale.pk: 3}
    bad = [
        {**base, other.pk: 3},
        {**base, survey.q_single.pk: options(survey.q_multi)[0].pk},
        {**base, survey.q_multi.pk: [options(survey.q_single)[0].pk]},
        {**base, survey.q_scale.pk: 6},
        {survey.q_scale.pk: 3},  # a required question unanswered
    ]
    for answers in bad:
        with pytest.raises(ValidationError):
            survey_response_submit(
                survey=survey, submission=f"s{len(answers)}", language="en", answers=answers
            )
    assert not SurveyResponse.objects.exists()


def test_a_failure_mid_write_leaves_no_half_response(client, survey):
    with mock.patch.object(Answer.objects, "bulk_create", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            survey_response_submit(
                survey=survey,
                submission="abc",
                language="en",
                answers={survey.q_single.pk: options(survey.q_single)[0].pk, survey.q_scale.pk: 2},
            )
    assert not SurveyResponse.objects.exists()


def test_a_replayed_post_creates_no_second_response(client, survey):
    token = fresh_token(client, survey)
    first = post_answers(client, survey, valid_answers(survey), token=token)
    second = post_answers(client, survey, valid_answers(survey), token=token)
    assert first.status_code == second.status_code == 302
    assert SurveyResponse.objects.count() == 1
    nonce = SurveyResponse.objects.get().submission
    with pytest.raises(DuplicateSubmission):
        survey_response_submit(
            survey=survey,
            submission=nonce,
            language="en",
            answers={survey.q_single.pk: options(survey.q_single)[0].pk, survey.q_scale.pk: 1},
        )
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("token", ["", "forged", "eyJzIjoxfQ:1abc:def"])
def test_a_missing_or_forged_token_is_refused(client, survey, token):
    response = client.post(survey.get_public_url(), {"token": token, "lang": "en", **valid_answers(survey)})
    assert response.status_code == 400
    assert "token" in response.context["form"].errors
    assert not SurveyResponse.objects.exists()
    # The page offers a fresh token so that the person can send again.
    assert response.context["form"]["token"].value() not in ("", token)


def test_a_token_for_another_survey_is_refused(client, survey):
    other = SurveyFactory()
    QuestionFactory(survey=other, kind=Question.Kind.TEXT, required=False)
    token = fresh_token(client, other)
    response = post_answers(client, survey, valid_answers(survey), token=token)
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_an_expired_token_is_refused(client, survey, settings):
    token = fresh_token(client, survey)
    settings.OUTREACH_SURVEY_TOKEN_MAX_AGE_SECONDS = -1
    response = post_answers(client, survey, valid_answers(survey), token=token)
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_form_sent_too_fast_is_refused(client, survey, settings):
    settings.OUTREACH_SURVEY_MIN_SECONDS = 3
    token = antispam.form_token_issue(survey_id=survey.pk)
    with pytest.raises(antispam.TokenError):
        antispam.form_token_check(token, survey_id=survey.pk)
    response = post_answers(client, survey, valid_answers(survey), token=token)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Sus respuestas siguen aquí" in page  # a friendly word, in Spanish
    assert "Alguien que hable español" in page  # the answers are kept
    assert not SurveyResponse.objects.exists()
    # The form keeps its token, so sending it again a moment later goes through.
    kept = response.context["form"]
    assert kept.data["token"] == token
    with mock.patch.object(antispam.time, "time", return_value=antispam.time.time() + 5):
        again = client.post(survey.get_public_url(), kept.data)
    assert again.status_code == 302
    assert SurveyResponse.objects.count() == 1


def test_the_honeypot_looks_like_success_but_stores_nothing(client, survey):
    response = post_answers(
        client, survey, {**valid_answers(survey), antispam.HONEYPOT_FIELD: "http://spam.example"}
    )
    assert response.status_code == 302
    assert not SurveyResponse.objects.exists()


def test_rate_limit_per_address(client, survey, settings):
    settings.OUTREACH_SURVEY_RATE_LIMIT = 2
    address = {"REMOTE_ADDR": "198.51.100.23"}
    statuses = [post_answers(client, survey, valid_answers(survey), **address).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert SurveyResponse.objects.count() == 2
    # Someone else on another connection is not affected.
    assert post_answers(client, survey, valid_answers(survey), REMOTE_ADDR="198.51.100.24").status_code == 302


def test_rate_limit_fails_open_when_the_cache_is_down(rf, survey):
    request = rf.post("/")
    from config import ratelimit

    with mock.patch.object(ratelimit.cache, "add", side_effect=ConnectionError("redis down")):
        assert antispam.rate_limit_exceeded(request, scope="x") is False


def test_closed_and_draft_surveys(client, survey, coordinator):
    survey.status = Survey.Status.CLOSED
    survey.save()
    assert client.get(survey.get_public_url()).status_code == 410
    assert post_answers_without_token(client, survey).status_code == 410
    survey.status = Survey.Status.DRAFT
    survey.save()
    assert client.get(survey.get_public_url()).status_code == 404
    # Coordinators preview drafts but cannot send answers.
    client.force_login(coordinator)
    preview = client.get(survey.get_public_url())
    assert preview.status_code == 200 and preview.context["preview"]
    token = preview.context["form"].initial["token"]
    client.post(survey.get_public_url(), {"token": token, **valid_answers(survey)})
    assert not SurveyResponse.objects.exists()


def post_answers_without_token(client, survey):
    return client.post(survey.get_public_url(), valid_answers(survey))


def test_named_surveys_ask_for_contact_and_anonymous_ones_never_store_it(client, survey):
    survey.anonymous = False
    survey.save()
    page = client.get(survey.get_public_url(), {"lang": "es"})
    assert "respondent_name" in page.context["form"].fields
    post_answers(
        client,
        survey,
        {**valid_answers(survey), "respondent_name": "Ana", "respondent_contact": "ana@example.org"},
    )
    assert SurveyResponse.objects.get().respondent_contact == "ana@example.org"

    survey.anonymous = True
    survey.save()
    assert "respondent_name" not in client.get(survey.get_public_url()).context["form"].fields
    post_answers(
        client,
        survey,
        {**valid_answers(survey), "respondent_name": "Bo", "respondent_contact": "bo@example.org"},
    )
    assert SurveyResponse.objects.filter(respondent_name="Bo").count() == 0


# --- results arithmetic ------------------------------------------------------------------------


def submit(survey, n, answers, language="en"):
    for _ in range(n):
        survey_response_submit(survey=survey, submission=uuid.uuid4().hex, language=language, answers=answers)


def test_results_arithmetic_on_constructed_data(survey):
    yes, no = options(survey.q_single)
    vol, nurse, police = options(survey.q_multi)
    s, m, sc, t = survey.q_single.pk, survey.q_multi.pk, survey.q_scale.pk, survey.q_text.pk
    # 8 responses in all.
    submit(survey, 3, {s: yes.pk, m: [vol.pk, nurse.pk], sc: 5, t: "More nurses"}, language="es")
    submit(survey, 2, {s: yes.pk, m: [vol.pk], sc: 4})
    submit(survey, 2, {s: no.pk, sc: 1}, language="ko")
    submit(survey, 1, {s: no.pk, m: [police.pk], sc: 2, t: "Police"})

    results = survey_results(survey=survey)
    assert results.responses == 8
    assert results.by_language == {"es": 3, "en": 3, "ko": 2}
    single, multi, scale, text = results.questions

    assert single.answered == 8
    assert [(r.label, r.count, str(r.percent)) for r in single.rows] == [
        ("Yes", 5, "62.5"),
        ("No", 3, "37.5"),
    ]

    # Multiple choice: 6 people answered; percentages of them, adding up to more than 100.
    assert multi.answered == 6
    assert [(r.count, str(r.percent)) for r in multi.rows] == [(5, "83.3"), (3, "50.0"), (1, "16.7")]

    assert scale.answered == 8
    assert [r.count for r in scale.rows] == [2, 1, 0, 2, 3]
    assert [str(r.percent) for r in scale.rows] == ["25.0", "12.5", "0.0", "25.0", "37.5"]
    assert str(scale.mean) == "3.38"  # (2*1 + 1*2 + 2*4 + 3*5) / 8 = 27/8 = 3.375, rounded half up

    assert text.answered == 4
    assert [a.text for a in text.texts] == ["More nurses"] * 3 + ["Police"]


def test_results_of_a_survey_without_responses(survey):
    results = survey_results(survey=survey)
    assert results.responses == 0
    assert all(row.count == 0 and str(row.percent) == "0.0" for q in results.questions for row in q.rows)
    assert results.questions[2].mean is None


def test_results_page_and_csv_export(client, coordinator, survey):
    yes, no = options(survey.q_single)
    vol, nurse, police = options(survey.q_multi)
    submit(
        survey,
        2,
        {survey.q_single.pk: yes.pk, survey.q_scale.pk: 5, survey.q_text.pk: '=HYPERLINK("x")'},
        "es",
    )
    submit(
        survey, 1, {survey.q_single.pk: no.pk, survey.q_multi.pk: [vol.pk, police.pk], survey.q_scale.pk: 3}
    )

    client.force_login(coordinator)
    page = client.get(reverse("outreach:survey_results", args=[survey.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in content
    table = re.search(rf'<table[^>]*id="q{survey.q_single.pk}-table".*?</table>', content, re.S).group(0)
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)]
    assert cells[3:] == ["Yes", "2", "66.7%", "No", "1", "33.3%"]
    assert 'role="img"' in content
    assert "=HYPERLINK" in content  # free text listed (escaped by the template)

    export = client.get(reverse("outreach:survey_export", args=[survey.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    body = b"".join(export.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "response",
        "submitted_at",
        "language",
        "Did you call 911?",
        "Who should come?",
        survey.q_scale.text_en,
        survey.q_text.text_en,
    ]
    assert len(rows) == 4
    assert rows[1][2:] == ["es", "Yes", "", "5", '\'=HYPERLINK("x")']  # formula neutralised
    assert rows[3][2:] == ["en", "No", "Volunteers; Police", "3", ""]


def test_survey_pages_are_for_coordinators(client, dispatcher, survey):
    client.force_login(dispatcher)
    for name in ("survey_list", "survey_create"):
        assert client.get(reverse(f"outreach:{name}")).status_code == 403
    for name in ("survey_detail", "survey_results", "survey_export"):
        assert client.get(reverse(f"outreach:{name}", args=[survey.pk])).status_code == 403


# --- the builder -------------------------------------------------------------------------------


def option_management(total, initial=0):
    return {
        "options-TOTAL_FORMS": str(total),
        "options-INITIAL_FORMS": str(initial),
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "30",
    }


def test_coordinator_builds_a_three_language_survey_and_it_is_answered_in_spanish(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("outreach:survey_create"),
        {
            "title_en": "Safety survey",
            "title_ko": "안전 설문",
            "title_es": "Encuesta de seguridad",
            "status": "draft",
            "anonymous": "on",
            "slug": "safety",
        },
    )
    assert response.status_code == 302
    survey = Survey.objects.get(slug="safety")
    assert survey.created_by == coordinator

    response = client.post(
        reverse("outreach:question_create", args=[survey.pk]),
        {
            "kind": "single",
            "required": "on",
            "text_en": "Do you feel safe calling 911?",
            "text_ko": "911에 전화하는 것이 안전하다고 느낍니까?",
            "text_es": "¿Se siente seguro llamando al 911?",
            **option_management(3),
            "options-0-text_en": "Yes",
            "options-0-text_ko": "네",
            "options-0-text_es": "Sí",
            "options-0-ORDER": "2",
            "options-1-text_en": "No",
            "options-1-text_ko": "아니요",
            "options-1-text_es": "No",
            "options-1-ORDER": "1",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    question = survey.questions.get()
    assert [o.text_es for o in question.options.all()] == ["No", "Sí"]  # the order given

    # A question in no language at all is an error.
    response = client.post(
        reverse("outreach:question_create", args=[survey.pk]),
        {"kind": "scale", "text_en": "", "text_ko": "", "text_es": "", **option_management(0)},
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    client.post(
        reverse("outreach:question_create", args=[survey.pk]),
        {
            "kind": "scale",
            "required": "on",
            "text_en": "How likely?",
            "text_ko": "가능성?",
            "text_es": "¿Qué tan probable?",
            **option_management(0),
        },
    )
    response = client.post(
        reverse("outreach:survey_edit", args=[survey.pk]),
        {
            "title_en": "Safety survey",
            "title_ko": "안전 설문",
            "title_es": "Encuesta de seguridad",
            "status": "open",
            "anonymous": "on",
            "slug": "safety",
        },
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.is_open

    client.logout()
    page = client.get(
        survey.get_public_url(), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9", HTTP_USER_AGENT=ES_PHONE
    )
    assert "¿Se siente seguro llamando al 911?" in page.content.decode()
    scale = survey.questions.get(kind="scale")
    answer = {
        "token": page.context["form"].initial["token"],
        "lang": "es",
        f"q{question.pk}": str(question.options.get(text_en="Yes").pk),
        f"q{scale.pk}": "5",
    }
    assert client.post(survey.get_public_url(), answer).status_code == 302

    client.force_login(coordinator)
    results = client.get(reverse("outreach:survey_results", args=[survey.pk])).context["results"]
    assert results.by_language == {"es": 1}
    assert [(r.label, r.count, str(r.percent)) for r in results.questions[0].rows] == [
        ("No", 0, "0.0"),
        ("Yes", 1, "100.0"),
    ]


def test_a_survey_cannot_open_without_questions(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("outreach:survey_create"),
        {"title_en": "Empty", "title_ko": "빈", "title_es": "Vacía", "status": "open", "slug": "empty"},
    )
    # A new survey is a draft whatever is posted: the form has no status, and says why.
    assert response.status_code == 302
    assert Survey.objects.get(slug="empty").status == Survey.Status.DRAFT
    page = client.get(reverse("outreach:survey_create")).content.decode()
    assert 'name="status"' not in page and "add its questions, then open it" in page
    response = client.post(
        reverse("outreach:survey_edit", args=[Survey.objects.get(slug="empty").pk]),
        {"title_en": "Empty", "status": "open", "slug": "empty"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Survey.objects.get(slug="empty").status == Survey.Status.DRAFT


def test_a_survey_starts_in_one_language_and_flags_what_is_not_yet_translated(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("outreach:survey_create"), {"title_ko": "동네 설문", "slug": "dongne"})
    assert response.status_code == 302
    survey = Survey.objects.get(slug="dongne")
    response = client.post(
        reverse("outreach:question_create", args=[survey.pk]),
        {
            "kind": "single",
            "text_ko": "911에 전화한 적이 있습니까?",
            **option_management(2),
            "options-0-text_ko": "네",
            "options-0-ORDER": "1",
            "options-1-text_ko": "아니요",
            "options-1-text_en": "No",
            "options-1-ORDER": "2",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    builder = client.get(survey.get_absolute_url()).content.decode()
    assert builder.count('data-untranslated="en es"') == 3  # title, question, first option
    assert builder.count('data-untranslated="es"') == 1  # the second option
    assert "not yet translated" in builder
    survey.status = Survey.Status.OPEN
    survey.save(update_fields=["status"])

    # Respondents in another language see the Korean text until it is translated.
    client.logout()
    page = client.get(survey.get_public_url(), {"lang": "es"}).content.decode()
    assert "동네 설문" in page and "911에 전화한 적이 있습니까?" in page
    client.force_login(coordinator)
    results = client.get(reverse("outreach:survey_results", args=[survey.pk])).content.decode()
    assert 'data-untranslated="en es"' in results


def test_builder_rules(survey):
    with pytest.raises(ValidationError):  # a choice question needs two options
        question_save(
            survey=survey,
            fields={"kind": "single", "text_en": "a", "text_ko": "b", "text_es": "c"},
            options=[{"option": None, "text_en": "x", "text_ko": "y", "text_es": "z"}],
        )
    with pytest.raises(ValidationError):  # a text question has none
        question_save(
            survey=survey,
            fields={"kind": "text", "text_en": "a", "text_ko": "b", "text_es": "c"},
            options=[{"option": None, "text_en": "x", "text_ko": "y", "text_es": "z"}] * 2,
        )
    foreign = OptionFactory()
    with pytest.raises(ValidationError):  # an option of another question
        question_save(
            survey=survey,
            question=survey.q_single,
            fields={},
            options=[
                {"option": foreign, "text_en": "x", "text_ko": "y", "text_es": "z"},
                {"option": None, "text_en": "x", "text_ko": "y", "text_es": "z"},
            ],
        )
    assert Question.objects.filter(survey=survey).count() == 4


def test_questions_are_reordered(survey):
    order = lambda: list(survey.questions.values_list("pk", flat=True))  # noqa: E731
    before = order()
    question_move(question=survey.q_text, up=True)
    assert order() == [before[0], before[1], before[3], before[2]]
    question_move(question=survey.q_single, up=True)  # already first: nothing changes
    assert order()[0] == before[0]


def test_structure_is_locked_once_answered(client, coordinator, survey):
    yes, no = options(survey.q_single)
    submit(survey, 1, {survey.q_single.pk: yes.pk, survey.q_scale.pk: 3})
    client.force_login(coordinator)
    # No new question, no removal.
    assert client.get(reverse("outreach:question_create", args=[survey.pk])).status_code == 302
    client.post(reverse("outreach:question_delete", args=[survey.pk, survey.q_text.pk]))
    assert Question.objects.filter(pk=survey.q_text.pk).exists()
    # Rewording is fine; removing an option is not.
    rows = [
        {"option": yes, "text_en": "Yes, I did", "text_ko": "네", "text_es": "Sí"},
        {"option": no, "text_en": "No", "text_ko": "아니요", "text_es": "No"},
    ]
    question_save(
        survey=survey, question=survey.q_single, fields={"text_en": "Did you ever call 911?"}, options=rows
    )
    assert Option.objects.get(pk=yes.pk).text_en == "Yes, I did"
    with pytest.raises(ValidationError):
        question_save(survey=survey, question=survey.q_single, fields={}, options=rows[:1])
    with pytest.raises(ValidationError):
        question_save(survey=survey, question=survey.q_single, fields={"kind": "multiple"}, options=rows)


# --- the seeded community-needs survey ---------------------------------------------------------


def test_community_needs_survey_is_seeded_in_three_languages():
    survey = Survey.objects.get(slug="community-needs")
    assert survey.status == Survey.Status.DRAFT and survey.anonymous
    questions = list(survey.questions.prefetch_related("options"))
    assert len(questions) >= 6
    kinds = {q.kind for q in questions}
    assert kinds == {"single", "multiple", "scale", "text"}
    for item in [survey, *questions, *(o for q in questions for o in q.options.all())]:
        field = "title" if item is survey else "text"
        assert all(getattr(item, f"{field}_{code}").strip() for code in ("en", "ko", "es")), item
    english = " ".join(q.text_en for q in questions).lower()
    for topic in ("situations", "police", "instead", "trust"):
        assert topic in english
