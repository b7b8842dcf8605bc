"""System checks warn about a production phone line that cannot work."""

from hotline.checks import budget_problems, hotline_settings_check


def ids(settings):
    return {problem.id for problem in hotline_settings_check(None)}


def test_production_without_twilio_settings_is_warned(settings):
    settings.DEBUG = False
    settings.TWILIO_AUTH_TOKEN = ""
    settings.HOTLINE_NUMBER = ""
    settings.FALLBACK_NUMBER = ""
    settings.HOTLINE_VERIFY_SIGNATURES = True

    assert ids(settings) == {"hotline.W001", "hotline.W003", "hotline.W004"}


def test_signature_checking_turned_off_in_production_is_warned(settings):
    settings.DEBUG = False
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.HOTLINE_NUMBER = "+12025550100"
    settings.FALLBACK_NUMBER = "+12025550999"
    settings.HOTLINE_VERIFY_SIGNATURES = False

    assert ids(settings) == {"hotline.W002"}


def test_development_is_quiet(settings):
    settings.DEBUG = True
    settings.TWILIO_AUTH_TOKEN = ""

    assert ids(settings) == set()


def test_a_connect_timeout_longer_than_the_webhook_budget_is_warned(settings):
    postgres = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "hotline",
        "OPTIONS": {"connect_timeout": 3},
    }
    settings.HOTLINE_WEBHOOK_BUDGET_SECONDS = 5.0
    assert budget_problems(postgres) == []

    settings.HOTLINE_WEBHOOK_BUDGET_SECONDS = 3.0  # a connection attempt may last 3 s > 2.4 s
    assert [problem.id for problem in budget_problems(postgres)] == ["hotline.W005"]

    settings.HOTLINE_WEBHOOK_BUDGET_SECONDS = 5.0
    without = {**postgres, "OPTIONS": {}}  # libpq would wait for ever
    assert [problem.id for problem in budget_problems(without)] == ["hotline.W005"]
    assert budget_problems({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}) == []


def test_the_project_database_settings_fit_the_budget(settings):
    settings.DEBUG = False
    assert "hotline.W005" not in ids(settings)
