import pytest


@pytest.fixture(autouse=True)
def _survey_protection_for_tests(settings):
    """Tests post forms instantly and often from one address: the 'too fast' check and the rate
    limit have their own tests. (The shared cache is not cleared: in CI it is the real Redis.)"""
    settings.OUTREACH_SURVEY_MIN_SECONDS = 0
    settings.OUTREACH_SURVEY_RATE_LIMIT = 10_000
