"""A neighbour answers the published community-needs survey in Spanish, in headless Chromium
against a live server: the link opens in English (their browser's language), they switch the
survey to Spanish, forget a required question, read the Spanish error, answer it, send, see the
thanks in Spanish, and the response is stored in Spanish with exactly their answers.
"""

from __future__ import annotations

from .journey import JOURNEY, PHONE, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

SLUG = "community-needs"  # seeded by outreach's migration 0003
STORY = "La última vez nadie hablaba español y colgué."
# Question position -> the options the person ticks, by their Spanish text.
TICKED = {
    0: ["Una crisis de salud mental", "Violencia en el hogar"],
    1: ["A veces"],
    2: ["Barreras de idioma"],
    4: ["Alguien que hable mi idioma", "Profesionales de salud mental"],
    6: ["Quienes responden hablan mi idioma"],
    8: ["Residente de la zona"],
}
FORGOTTEN = 6  # required: left out on the first try


def test_a_neighbour_answers_the_survey_in_spanish(browser, live_server, settings):
    from outreach import services
    from outreach.models import Question, Survey, SurveyResponse

    reseed("outreach")
    # A browser answers faster and more often than a person; the anti-spam checks have their tests.
    settings.OUTREACH_SURVEY_MIN_SECONDS = 0
    settings.OUTREACH_SURVEY_RATE_LIMIT = 10_000
    survey = services.survey_save(survey=Survey.objects.get(slug=SLUG), fields={"status": Survey.Status.OPEN})
    questions = {question.position: question for question in survey.questions.all()}
    scale, story = questions[5], questions[3]
    assert (scale.kind, story.kind) == (Question.Kind.SCALE, Question.Kind.TEXT)
    page = new_page(browser, device=PHONE)

    with screenshot_on_failure("survey-journey", page):
        page.goto(f"{live_server.url}/outreach/s/{SLUG}/")
        assert page.text_content("h1") == "Community needs survey"
        page.get_by_role("link", name="Español").tap()
        page.wait_for_url(f"**/outreach/s/{SLUG}/?lang=es")
        assert page.get_attribute("html", "lang") == "es"
        assert page.text_content("h1") == "Encuesta sobre las necesidades de la comunidad"
        assert "La encuesta es anónima" in page.text_content("main")

        for position, labels in TICKED.items():
            if position == FORGOTTEN:
                continue
            for label in labels:
                page.get_by_label(label, exact=True).check()
        page.check(f"input[name=q{scale.pk}][value='4']")
        page.fill(f"textarea[name=q{story.pk}]", STORY)
        page.get_by_role("button", name="Enviar mis respuestas").tap()

        # The forgotten question is marked, in Spanish; the other answers are kept.
        page.wait_for_selector("[role=alert]:has-text('Revise las respuestas marcadas abajo.')")
        assert "Este campo es obligatorio." in page.text_content(f"#div_id_q{questions[FORGOTTEN].pk}")
        assert page.get_by_label("A veces", exact=True).is_checked()
        assert page.input_value(f"textarea[name=q{story.pk}]") == STORY
        assert SurveyResponse.objects.count() == 0

        for label in TICKED[FORGOTTEN]:
            page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Enviar mis respuestas").tap()
        page.wait_for_url(f"**/outreach/s/{SLUG}/thanks/?lang=es")
        assert page.get_attribute("html", "lang") == "es"
        assert page.text_content("h1") == "Gracias"
        assert "Recibimos sus respuestas." in page.text_content("main")
        page.close()

    response = SurveyResponse.objects.get(survey=survey)
    assert response.language == "es"
    chosen = {
        (answer.question.position, answer.option.text_es)
        for answer in response.answers.select_related("question", "option")
        if answer.option_id
    }
    assert chosen == {(position, label) for position, labels in TICKED.items() for label in labels}
    assert response.answers.get(question=scale).scale_value == 4
    assert response.answers.get(question=story).text == STORY
    assert response.answers.count() == sum(map(len, TICKED.values())) + 2
