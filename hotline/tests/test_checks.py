"""System checks warn about a production phone line that cannot work."""

from hotline.checks import hotline_settings_check


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
